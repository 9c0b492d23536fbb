"""Doors: thin adapters that put requests from clients through the wire."""

from ._intercept import (
    activate,
    active_targets,
    deactivate,
    hold_patches,
    is_installed,
    release_patches,
    target_for,
)
from ._serve import serve, serve_async, wait_sync, wait_until
from ._transport import AsyncEventGridTransport, EventGridTransport

__all__ = [
    "AsyncEventGridTransport",
    "EventGridTransport",
    "activate",
    "active_targets",
    "deactivate",
    "hold_patches",
    "is_installed",
    "release_patches",
    "serve",
    "serve_async",
    "target_for",
    "wait_sync",
    "wait_until",
]
