from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from pytest_eventgrid import EventGrid

from .._no_real_sleep import no_real_sleep  # noqa: F401 - an autouse fixture
from ..doors._support import Consumer, Publisher
from ._support import FaultDoor


@pytest_asyncio.fixture(params=["sync", "async"])
async def door(request: pytest.FixtureRequest, eventgrid: EventGrid) -> AsyncIterator[FaultDoor]:
    """The SDK clients of one flavour, built on this test's fake."""
    async with contextlib.AsyncExitStack() as stack:
        yield FaultDoor(eventgrid, request.param, stack)


@pytest_asyncio.fixture
async def publisher(door: FaultDoor) -> Publisher:
    return await door.publisher()


@pytest_asyncio.fixture
async def consumer(door: FaultDoor) -> Consumer:
    return await door.consumer()
