# Importing hypothesis here keeps it in sys.modules across pytester's in-process
# sessions: its pytest plugin imports it at the end of every session, and pytester
# would otherwise re-import (and assertion-rewrite) it for each one, at about a
# second per session.
import hypothesis.internal.observability  # noqa: F401
import pytest

from ._support import use_asyncio_mode


@pytest.fixture
def pytester(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester whose sessions run pytest-asyncio in strict mode, the default."""
    use_asyncio_mode(pytester, "strict")
    return pytester
