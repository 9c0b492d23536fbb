"""Doors: thin adapters that put requests from clients through the wire."""

from ._autojump import autojump_for, serve, serve_async, wait_async, wait_sync
from ._intercept import activate, active_targets, deactivate, is_installed, target_for
from ._transport import AsyncEventGridTransport, EventGridTransport

__all__ = [
    "AsyncEventGridTransport",
    "EventGridTransport",
    "activate",
    "active_targets",
    "autojump_for",
    "deactivate",
    "is_installed",
    "serve",
    "serve_async",
    "target_for",
    "wait_async",
    "wait_sync",
]
