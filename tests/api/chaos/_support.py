"""What the chaos tests share: the door helpers, a consumer that keeps going, and a
token-free shape of the timeline to compare runs by."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from azure.eventgrid.models import ReceiveDetails

from pytest_eventgrid import EventGrid, JournalEntry, SubscriptionView, mock_eventgrid
from tests._clients import (
    Consumer,
    Door,
    Publisher,
    cloud_event,
    event_ids,
    failures,
    lock_tokens,
)

__all__ = [
    "TOKEN_LOST",
    "Consumer",
    "Door",
    "Publisher",
    "chaotic_fake",
    "cloud_event",
    "consume",
    "event_ids",
    "failures",
    "lock_tokens",
    "settled",
    "shape",
]

TOKEN_LOST = ("TokenLost", "Token has expired.")
ROUNDS = 200  # receives a consumer makes at most; never reached in a passing run


def settled(subscription: SubscriptionView) -> bool:
    """Nothing available, delayed or locked: every event was settled."""
    return not (subscription.available or subscription.delayed or subscription.locked)


async def consume(
    eventgrid: EventGrid, consumer: Consumer, *, processing: float = 0.0, max_events: int = 10
) -> list[ReceiveDetails]:
    """Receive and acknowledge until the default subscription is settled; every
    delivery, in order. Each batch takes `processing` virtual seconds of work."""
    subscription = eventgrid.subscription()
    deliveries: list[ReceiveDetails] = []
    for _ in range(ROUNDS):
        if settled(subscription):
            return deliveries
        received = await consumer.receive(max_events=max_events, max_wait_time=10)
        eventgrid.clock.advance(processing)
        deliveries.extend(received)
        if received:
            await consumer.acknowledge(*lock_tokens(received))
    raise AssertionError(f"Not settled after {ROUNDS} receives:\n{eventgrid.format_timeline()}")


def shape(timeline: list[JournalEntry]) -> list[tuple[Any, ...]]:
    """What happened to which event, without the lock tokens (which the seed also picks)."""
    return [
        (
            entry.time,
            entry.operation,
            tuple((item.event_id, item.delivery_count, item.outcome) for item in entry.items),
        )
        for entry in timeline
    ]


@contextlib.asynccontextmanager
async def chaotic_fake(flavour: str, **settings: Any) -> AsyncIterator[tuple[EventGrid, Door]]:
    """A fresh fake of its own (`mock_eventgrid(**settings)`) and a door of `flavour`."""
    with mock_eventgrid(**settings) as eventgrid:
        async with contextlib.AsyncExitStack() as stack:
            yield eventgrid, Door(eventgrid, flavour, stack)
