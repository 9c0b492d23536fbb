"""Servers for the emulator's tests: real HTTP on loopback, real clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_eventgrid import EventGridServer, serve

from ._webhook import Webhook, running_webhook


@pytest.fixture
def server() -> Iterator[EventGridServer]:
    """A server on a free loopback port, its clock in real time."""
    with serve(topic="orders", subscription="billing") as running:
        yield running


@pytest.fixture
def virtual_server() -> Iterator[EventGridServer]:
    """A server whose clock stands still until it is advanced."""
    with serve(topic="orders", subscription="billing", clock="virtual") as running:
        yield running


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    """A real webhook server on a free loopback port."""
    with running_webhook() as hook:
        yield hook
