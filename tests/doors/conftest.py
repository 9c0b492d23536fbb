from tests._no_real_sleep import no_real_sleep  # noqa: F401 - an autouse fixture
