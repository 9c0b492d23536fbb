import hypothesis  # noqa: F401  (imported once here, not again by every inner session)
import pytest

from tests.plugin._support import use_asyncio_mode


@pytest.fixture
def pytester(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester whose sessions run pytest-asyncio in strict mode, the default."""
    use_asyncio_mode(pytester, "strict")
    return pytester
