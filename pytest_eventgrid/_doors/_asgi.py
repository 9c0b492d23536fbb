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
import contextlib
import logging
import socket
import struct
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .._broker import Clock
from .._wire import Handler, InjectedTransportError, WireRequest, WireResponse
from .._wire._emulated import MAX_BODY_BYTES
from ._serve import serve_realtime

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
# method, raw path, query string, lower-case headers, body -> the wire's request
Locate = Callable[[str, str, str, dict[str, str], bytes], WireRequest]
# An injected read timeout holds the answer back until the client gives up, or this long.
READ_TIMEOUT_HOLD = 600.0
# What is left of a body over the limit is read (and dropped) up to this many bytes,
# so that the client, still sending, gets to read the answer; past it, the connection
# closes after the answer.
DRAIN_BYTES = 64 * 1024 * 1024


class DroppedConnection(Exception):
    """An injected transport failure: the server closes the connection unanswered."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


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


async def _body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or None if the client left first. A body over `limit` bytes
    comes back cut at `limit + 1` bytes (too large: the wire answers that), and the rest
    is read and dropped, so that it takes no memory."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        if size <= limit:
            chunks.append(chunk[: limit + 1 - size])
        size += len(chunk)
        if not message.get("more_body", False) or size > limit + DRAIN_BYTES:
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
        body_limit: int = MAX_BODY_BYTES,
    ) -> None:
        self._served = served
        self._locate = locate
        self._admin = admin
        self._admin_prefix = admin_prefix
        self._body_limit = body_limit
        self._waits: set[asyncio.Future[None]] = set()
        self._closed = False

    @property
    def waiting(self) -> int:
        """How many requests are waiting (long-polls, held answers) right now."""
        return len(self._waits)

    def end_waits(self) -> None:
        """Answer every waiting receive now, empty (call on the server's loop)."""
        for ended in list(self._waits):
            if not ended.done():
                ended.set_result(None)

    def close(self) -> None:
        """The server stops: answer every waiting receive now, and the ones that come
        until `open()` at once (call on the server's loop)."""
        self._closed = True
        self.end_waits()

    def open(self) -> None:
        """The server (re)starts: receives wait again."""
        self._closed = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":  # websockets: not a protocol of the service
            return
        headers = _headers(scope)
        body = await _body(receive, self._body_limit)
        if body is None:
            return
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        request = self._locate(
            scope["method"],
            raw_path.decode("latin-1"),
            scope.get("query_string", b"").decode("latin-1"),
            headers,
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
        if self._closed:
            ended.set_result(None)
        self._waits.add(ended)
        watch = asyncio.ensure_future(self._watch_disconnect(receive, ended))
        handler, clock = self._served()
        try:
            response = await serve_realtime(handler, clock, request, ended, _dropped)
        except DroppedConnection as dropped:
            if dropped.kind == "read_timeout":
                await asyncio.wait((ended,), timeout=READ_TIMEOUT_HOLD)
            await _close_unanswered(send, reset=dropped.kind == "connection_reset")
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


_LINGER_NONE = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends a reset


async def _close_unanswered(send: Send, *, reset: bool) -> None:
    """Close the client's connection with no answer (with `reset`, by a TCP reset).

    ASGI has no message for that: uvicorn's `send` is a method of the request's cycle,
    which holds the connection's transport. Elsewhere, an answer is started and then
    broken off (the app raises after it), which ends the connection as well."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if isinstance(transport, asyncio.Transport):
        if reset:
            raw = transport.get_extra_info("socket")
            if raw is not None:
                with contextlib.suppress(OSError):
                    raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_NONE)
        transport.abort()
        await asyncio.sleep(0)  # the server learns the connection is gone
        return
    await send({"type": "http.response.start", "status": 500, "headers": []})
