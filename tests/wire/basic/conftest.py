from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio

from pytest_eventgrid import EventGrid
from pytest_eventgrid._broker._push import DeliveryAttempt
from tests._no_real_sleep import no_real_sleep  # noqa: F401 - an autouse fixture

from ._support import KINDS, BasicDoor, BasicWire, Endpoint, destination


@pytest.fixture
def wire(eventgrid: EventGrid) -> BasicWire:
    """The custom topic `orders`, spoken to straight through the wire."""
    return BasicWire(eventgrid, eventgrid.basic_topic("orders"))


@pytest_asyncio.fixture(params=["sync", "async"])
async def door(request: pytest.FixtureRequest, eventgrid: EventGrid) -> AsyncIterator[BasicDoor]:
    """The SDK's Basic publishers of one flavour, built on this test's fake."""
    async with contextlib.AsyncExitStack() as stack:
        yield BasicDoor(eventgrid, request.param, stack)


Deliver = Callable[..., Any]


@pytest.fixture(params=["deliver", "deliver_async"])
def deliver(request: pytest.FixtureRequest, eventgrid: EventGrid) -> Deliver:
    """`await deliver(drain=...)`: `eventgrid.deliver()` where sync code runs (off the
    event loop), or `await eventgrid.deliver_async()`."""

    async def run(*, drain: bool = False) -> list[DeliveryAttempt]:
        if request.param == "deliver_async":
            return await eventgrid.deliver_async(drain=drain)
        return await asyncio.to_thread(eventgrid.deliver, drain=drain)

    return run


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    """A kind of webhook destination: callable, ASGI app, WSGI app or URL."""
    return str(request.param)


@pytest.fixture
def endpoint() -> Endpoint:
    """A webhook handler that passes the handshakes and answers 200."""
    return Endpoint()


@pytest.fixture
def webhook(kind: str, endpoint: Endpoint) -> Iterator[Any]:
    """`endpoint` as a destination of each kind."""
    with destination(kind, endpoint) as target:
        yield target
