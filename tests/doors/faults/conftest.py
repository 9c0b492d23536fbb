import pytest

from tests._no_real_sleep import no_real_sleep  # noqa: F401 - an autouse fixture

from ._support import FaultDoor


@pytest.fixture
def door_class() -> type[FaultDoor]:
    """The fault tests' clients also script faults per flavour."""
    return FaultDoor
