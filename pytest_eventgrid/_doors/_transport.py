"""azure-core transports over the wire: the default door of the fake."""

from __future__ import annotations

import asyncio
from typing import Any

from azure.core.pipeline.transport import AsyncHttpTransport, HttpTransport

from .._broker import Clock
from .._wire import Handler
from ._azure import AzureRequest, FakeAsyncHttpResponse, FakeHttpResponse, azure_error, to_wire
from ._serve import serve, serve_async


class EventGridTransport(HttpTransport):  # type: ignore[type-arg]
    """A sync azure-core transport that answers from the in-memory Event Grid.

    `sleep()` advances the fake clock, so the SDK's retry backoff costs no real time.
    `replaced` is the client's own transport when interception put this one in its
    place (the recorder sends through it), else `None`.
    """

    def __init__(self, service: Handler, clock: Clock) -> None:
        self._service = service
        self.clock = clock
        self.replaced: HttpTransport | None = None  # type: ignore[type-arg]

    def send(self, request: AzureRequest, **kwargs: Any) -> FakeHttpResponse:
        response = serve(self._service, self.clock, to_wire(request), azure_error)
        return FakeHttpResponse(request, response)

    def sleep(self, duration: float) -> None:
        self.clock.advance(duration)

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def __enter__(self) -> EventGridTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


class AsyncEventGridTransport(AsyncHttpTransport):  # type: ignore[type-arg]
    """An async azure-core transport that answers from the in-memory Event Grid.

    Needs no aiohttp. A receive with nothing to return waits on the virtual clock,
    letting other tasks run first; `sleep()` advances the fake clock. `replaced` is
    the client's own transport when interception put this one in its place.
    """

    def __init__(self, service: Handler, clock: Clock) -> None:
        self._service = service
        self.clock = clock
        self.replaced: AsyncHttpTransport | None = None  # type: ignore[type-arg]

    async def send(self, request: AzureRequest, **kwargs: Any) -> FakeAsyncHttpResponse:
        response = await serve_async(self._service, self.clock, to_wire(request), azure_error)
        return FakeAsyncHttpResponse(request, response)

    async def sleep(self, duration: float) -> None:
        self.clock.advance(duration)
        await asyncio.sleep(0)

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> AsyncEventGridTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None
