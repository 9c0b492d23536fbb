"""What the data tests share: reading the failure of an inner pytest session."""

from __future__ import annotations

import pytest

from tests.plugin._support import run


def failure_message(pytester: pytest.Pytester, *args: str) -> list[str]:
    """Run the inner session, which must fail one test, and return its `E` lines.

    The traceback must show the test's own frame only, none of the library's.
    """
    result = run(pytester, "--tb=short", *args)
    result.assert_outcomes(failed=1)
    assert "pytest_eventgrid/" not in result.stdout.str()
    return [line[4:] for line in result.outlines if line.startswith("E   ")]
