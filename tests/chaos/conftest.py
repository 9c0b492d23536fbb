from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from pytest_eventgrid import EventGrid

from ._support import Consumer, Door, Publisher


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail a test whose code sleeps for real: time moves only on the fake clock."""
    sleep = asyncio.sleep

    async def only_yield(delay: float, result: object = None) -> object:
        assert delay == 0, f"asyncio.sleep({delay!r}) would wait for real"
        return await sleep(0, result)

    monkeypatch.setattr(asyncio, "sleep", only_yield)


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
