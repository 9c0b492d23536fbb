"""Helpers for the emulator tests that wait on a real server (with hang guards)."""

from __future__ import annotations

import time
from collections.abc import Callable

from pytest_eventgrid import EventGridServer

HANG_GUARD = 10.0


def eventually(condition: Callable[[], object], *, within: float = HANG_GUARD) -> None:
    """Wait until `condition()` holds, yielding to the server's threads between looks
    (no sleep: the wait lasts as long as the server takes); fail after `within` real
    seconds."""
    give_up = time.monotonic() + within
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError(f"still not true after {within} s: {condition}")
        time.sleep(0)


def waiting(server: EventGridServer) -> int:
    """How many requests the server holds right now (waiting receives, mostly)."""
    return server.waiting


def until_waiting(server: EventGridServer, count: int = 1) -> None:
    """Wait until the server holds `count` requests."""
    eventually(lambda: waiting(server) >= count)
