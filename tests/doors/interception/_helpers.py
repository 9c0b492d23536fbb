"""Helpers shared by the interception tests."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest
from azure.core.messaging import CloudEvent

T = TypeVar("T")

PUBLISH_API = "?api-version=2024-06-01"
DOCS = "https://pytest-eventgrid.readthedocs.io/en/latest"
NAMESPACE_ROUTES = """\
  - POST /topics/{topic}:publish
  - POST /topics/{topic}/eventsubscriptions/{subscription}:receive
  - POST /topics/{topic}/eventsubscriptions/{subscription}:acknowledge
  - POST /topics/{topic}/eventsubscriptions/{subscription}:release
  - POST /topics/{topic}/eventsubscriptions/{subscription}:reject
  - POST /topics/{topic}/eventsubscriptions/{subscription}:renewLock"""


def cannot_serve(method: str, url: str, host: str) -> str:
    """The fake's whole 404 message for a request it has no route for."""
    return (
        f"pytest-eventgrid cannot serve {method} {url}\n"
        f"On host '{host}' the fake Event Grid serves:\n"
        f"{NAMESPACE_ROUTES}\n"
        f"See {DOCS}/fidelity/#unsupported-requests"
    )


async def result_of(value: T | Any) -> Any:
    """The value of a sync call, or of an async call once awaited.

    Lets one test body drive a sync object and its async twin alike:
    `await result_of(shop.publish("A-1"))`.
    """
    return await value if inspect.isawaitable(value) else value


class SocketBlocked(RuntimeError):
    """Raised by the `no_sockets` fixture when code tries to reach the network."""


def _blocked(error: BaseException) -> bool:
    grouped = getattr(error, "exceptions", ())  # anyio groups connection attempts
    return isinstance(error, SocketBlocked) or any(_blocked(inner) for inner in grouped)


async def assert_blocked(call: Callable[[], Any]) -> None:
    """Check that `call()` (sync or async) was stopped by the `no_sockets` fixture."""
    with pytest.raises(BaseException) as raised:  # noqa: PT011 - checked just below
        await result_of(call())
    assert _blocked(raised.value), f"failed otherwise: {raised.value!r}"


def ids(events: Iterable[CloudEvent]) -> list[str]:
    return [event.id for event in events]


def cloud_event_json(event_id: str) -> dict[str, Any]:
    """A structured-mode CloudEvent body, as raw REST callers send it."""
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "shop",
        "type": "Order.Created",
        "data": {"id": event_id},
    }


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with `<METHOD> <path>` and remembers it."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        line = f"{self.command} {self.path}"
        self.server.seen.append(line)  # type: ignore[attr-defined]
        body = line.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        return None


class LoopbackServer:
    """A real HTTP server on 127.0.0.1: what it answered, and where it listens."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        host, port = server.server_address[:2]
        self.url = f"http://{host}:{port}"

    @property
    def seen(self) -> list[str]:
        return list(self._server.seen)  # type: ignore[attr-defined]


@contextmanager
def loopback_server() -> Iterator[LoopbackServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield LoopbackServer(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
