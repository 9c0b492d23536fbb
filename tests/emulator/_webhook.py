"""A real webhook server on loopback for the emulator's push tests."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ._waits import HANG_GUARD

FAST = 600.0  # virtual seconds per real second: the retry schedule passes in a blink


@dataclass
class Received:
    method: str
    headers: dict[str, str]
    body: Any

    @property
    def kind(self) -> str:
        if self.method == "OPTIONS":
            return "options"
        if self.headers.get("aeg-event-type") == "SubscriptionValidation":
            return "validation"
        return "delivery"


@dataclass
class Webhook:
    """A real webhook server on loopback: it answers the handshakes, and each delivery
    with the next of `statuses` (then 200)."""

    statuses: list[int] = field(default_factory=list)
    handshake: bool = True
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._changed = threading.Condition()
        self.hold = threading.Event()  # while clear (and `holding`), deliveries hang
        self.holding = False

    def answer(self, request: Received) -> tuple[int, dict[str, str], bytes]:
        with self._changed:
            self.received.append(request)
            self._changed.notify_all()
            if request.kind == "options":
                return 200, {"WebHook-Allowed-Origin": "eventgrid.azure.net"}, b""
            if request.kind == "validation":
                if not self.handshake:
                    return 404, {}, b""
                code = request.body[0]["data"]["validationCode"]
                return 200, {}, json.dumps({"validationResponse": code}).encode()
            status = self.statuses.pop(0) if self.statuses else 200
        if self.holding:
            self.hold.wait(HANG_GUARD)
        return status, {}, b""

    def wait_for(self, condition: Callable[[], object]) -> None:
        """Wait (at most `HANG_GUARD` seconds) until `condition()` holds."""
        deadline = time.monotonic() + HANG_GUARD
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                assert left > 0, f"timed out; the webhook got {self.kinds}"
                self._changed.wait(min(left, 0.05))

    @property
    def kinds(self) -> list[str]:
        with self._changed:
            return [request.kind for request in self.received]

    @property
    def deliveries(self) -> list[Received]:
        with self._changed:
            return [request for request in self.received if request.kind == "delivery"]


def handler_for(webhook: Webhook) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            body = json.loads(raw) if raw else None
            status, extra, content = webhook.answer(Received(self.command, headers, body))
            with contextlib.suppress(ConnectionError):  # the emulator may have left
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

        do_POST = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextlib.contextmanager
def running_webhook() -> Iterator[Webhook]:
    """A `Webhook` serving on a free loopback port until the block ends."""
    hook = Webhook()
    http = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(hook))
    hook.url = f"http://127.0.0.1:{http.server_address[1]}/api/events"
    thread = threading.Thread(target=http.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        http.shutdown()
        http.server_close()
        thread.join(HANG_GUARD)
