import pytest

pytest.register_assert_rewrite("tests.wire._support")
