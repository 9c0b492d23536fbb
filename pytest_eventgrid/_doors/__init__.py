"""Doors: thin adapters that put requests from clients through the wire."""

from ._autojump import autojump_for, wait_async, wait_sync
from ._transport import AsyncEventGridTransport, EventGridTransport

__all__ = [
    "AsyncEventGridTransport",
    "EventGridTransport",
    "autojump_for",
    "wait_async",
    "wait_sync",
]
