# Importing hypothesis here keeps it in sys.modules across pytester's in-process
# sessions (see tests/plugin/conftest.py): each docs block runs in a session of its own.
import hypothesis.internal.observability  # noqa: F401
import pytest

# The same for cryptography, which the emulator's HTTPS blocks import through trustme:
# its Rust core keeps the classes it first saw, so a second import after pytester
# restores sys.modules fails every later certificate ("curve must be an EllipticCurve
# instance").
import trustme  # noqa: F401

STRICT_ASYNCIO_INI = """\
[pytest]
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
"""


@pytest.fixture
def pytester(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester whose sessions run pytest-asyncio in strict mode, as the docs assume."""
    pytester.makeini(STRICT_ASYNCIO_INI)
    return pytester
