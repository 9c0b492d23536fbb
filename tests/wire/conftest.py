from __future__ import annotations

import pytest

from ._support import Wire


@pytest.fixture
def wire() -> Wire:
    """A fake namespace (topic `orders`, subscription `billing`, no auto-create)."""
    return Wire()
