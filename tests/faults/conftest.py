from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from pytest_eventgrid import EventGrid

from ..doors._support import Consumer, Publisher
from ._support import FaultDoor


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail a test that would wait for real: retries and latency use the fake clock.

    A real transport's `sleep()` (what the SDK's retry policy would call without the
    fake) is `time.sleep` or `asyncio.sleep`; both refuse to wait here.
    """
    async_sleep = asyncio.sleep

    async def only_yield(delay: float, result: object = None) -> object:
        assert delay == 0, f"asyncio.sleep({delay!r}) would wait for real"
        return await async_sleep(0, result)

    def never(delay: float) -> None:
        assert delay == 0, f"time.sleep({delay!r}) would wait for real"

    monkeypatch.setattr(asyncio, "sleep", only_yield)
    monkeypatch.setattr(time, "sleep", never)


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
