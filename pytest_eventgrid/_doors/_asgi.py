"""The HTTP server's door: an ASGI app that puts each request through the wire.

It knows HTTP and nothing of Event Grid: `locate` (from the wire) turns what arrived
into a `WireRequest`, `served()` gives the handler and clock of the moment (a reset
swaps them), and the serve core's real-time driver answers. Requests under the admin
prefix go to the admin handler instead.

A receive that waits ends early, answered empty, when the server stops or the client
goes away; events it had locked for a client that never read its answer come back
when their locks expire, as on the service.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .._broker import Clock
from .._wire import Handler, InjectedTransportError, WireRequest, WireResponse
from ._serve import serve_realtime

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
# method, raw path, query string, lower-case headers, body -> the wire's request
Locate = Callable[[str, str, str, dict[str, str], bytes], WireRequest]
# An injected read timeout holds the answer back until the client gives up, or this long.
READ_TIMEOUT_HOLD = 600.0


class DroppedConnection(Exception):
    """An injected transport failure: the server closes the connection unanswered."""


class _QuietDrops(logging.Filter):
    """Keeps the ASGI server's error log free of the connections dropped on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, DroppedConnection)


def quiet_dropped_connections(logger: logging.Logger) -> None:
    """Leave the deliberate drops out of `logger` (the ASGI server's error log)."""
    if not any(isinstance(existing, _QuietDrops) for existing in logger.filters):
        logger.addFilter(_QuietDrops())


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


async def _body(receive: Receive) -> bytes | None:
    """The whole request body; None if the client left first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(send: Send, response: WireResponse) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": [
                (name.lower().encode("latin-1"), str(value).encode("latin-1"))
                for name, value in response.headers.items()
            ],
        }
    )
    await send({"type": "http.response.body", "body": response.body})


class AsgiDoor:
    """An ASGI 3 application serving the wire (and an admin handler) over HTTP."""

    def __init__(
        self,
        served: Callable[[], tuple[Handler, Clock]],
        locate: Locate,
        *,
        admin: Handler | None = None,
        admin_prefix: str = "/_admin/",
    ) -> None:
        self._served = served
        self._locate = locate
        self._admin = admin
        self._admin_prefix = admin_prefix
        self._waits: set[asyncio.Future[None]] = set()

    def end_waits(self) -> None:
        """Answer every waiting receive now, empty (call on the server's loop)."""
        for ended in list(self._waits):
            if not ended.done():
                ended.set_result(None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":  # websockets: not a protocol of the service
            return
        body = await _body(receive)
        if body is None:
            return
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        request = self._locate(
            scope["method"],
            raw_path.decode("latin-1") if isinstance(raw_path, bytes) else raw_path,
            scope.get("query_string", b"").decode("latin-1"),
            _headers(scope),
            body,
        )
        if self._admin is not None and scope["path"].startswith(self._admin_prefix):
            response = self._admin.handle(request)
            assert isinstance(response, WireResponse)  # the admin never waits
            await _answer(send, response)
            return
        await self._serve(request, receive, send)

    async def _serve(self, request: WireRequest, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[None] = loop.create_future()
        self._waits.add(ended)
        watch = asyncio.ensure_future(self._watch_disconnect(receive, ended))
        handler, clock = self._served()
        try:
            response = await serve_realtime(handler, clock, request, ended, _dropped)
        except DroppedConnection as dropped:
            if str(dropped) == "read_timeout":
                await asyncio.wait((ended,), timeout=READ_TIMEOUT_HOLD)
            # A started answer that stops short: the server closes the connection.
            await send({"type": "http.response.start", "status": 500, "headers": []})
            raise
        finally:
            watch.cancel()
            self._waits.discard(ended)
        await _answer(send, response)

    @staticmethod
    async def _watch_disconnect(receive: Receive, ended: asyncio.Future[None]) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                if not ended.done():
                    ended.set_result(None)
                return

    @staticmethod
    async def _lifespan(receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def _dropped(failure: InjectedTransportError) -> Exception:
    return DroppedConnection(failure.kind)
