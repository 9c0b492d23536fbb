from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from pytest_eventgrid import EventGrid

from .._no_real_sleep import no_real_sleep  # noqa: F401 - an autouse fixture
from ._support import Consumer, Door, Publisher


@pytest.fixture(params=["sync", "async"])
def flavour(request: pytest.FixtureRequest) -> str:
    """The SDK clients a test drives: sync or `azure.eventgrid.aio`."""
    return str(request.param)


@pytest_asyncio.fixture
async def door(flavour: str, eventgrid: EventGrid) -> AsyncIterator[Door]:
    """The SDK clients of one flavour, built on this test's fake."""
    async with contextlib.AsyncExitStack() as stack:
        yield Door(eventgrid, flavour, stack)


@pytest_asyncio.fixture
async def publisher(door: Door) -> Publisher:
    return await door.publisher()


@pytest_asyncio.fixture
async def consumer(door: Door) -> Consumer:
    return await door.consumer()
