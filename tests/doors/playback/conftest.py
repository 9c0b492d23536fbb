from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests._no_real_sleep import no_real_sleep  # noqa: F401 - an autouse fixture

from ._driver import Clients


@pytest_asyncio.fixture(params=["sync", "async"])
async def clients(request: pytest.FixtureRequest) -> AsyncIterator[Clients]:
    """The real SDK clients (and raw httpx) of one flavour, built with no transport=."""
    async with contextlib.AsyncExitStack() as stack:
        yield Clients(request.param, stack)
