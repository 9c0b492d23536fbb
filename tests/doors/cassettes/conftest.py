from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests._no_real_sleep import no_real_sleep  # noqa: F401 - an autouse fixture

from ._support import Loopback, loopback


@pytest.fixture
def service() -> Iterator[Loopback]:
    """A fake Event Grid behind a real HTTP server on 127.0.0.1 (Azure, for recording)."""
    with loopback() as served:
        yield served
