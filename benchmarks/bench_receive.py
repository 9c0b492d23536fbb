"""Receive(100) + acknowledge cycles (aio consumer)

One cycle is `receive(max_events=100)` then `acknowledge()` of the 100 lock
tokens, through `azure.eventgrid.aio.EventGridConsumerClient`. On the fake
transport the queue is topped up between samples (untimed), so every receive finds
100 events; the null transport answers canned bodies of the same 100 events and
tokens. The figure is events per second through whole cycles.
"""

from __future__ import annotations

import asyncio

from _common import (
    BATCH,
    Backdoor,
    Figure,
    NullAsyncTransport,
    canned_acknowledge,
    canned_receive,
    client_cycle,
    interleaved,
    lock_tokens,
    print_figures,
    stored_event,
)
from azure.eventgrid.aio import EventGridConsumerClient

from pytest_eventgrid import EventGrid

TITLE = __doc__.partition("\n")[0]
DATA = {"order": 1, "lines": ["widget", "gadget"]}
DEPTH = 1_000


def null_consumer(eventgrid: EventGrid) -> EventGridConsumerClient:
    """A consumer whose transport answers every cycle with the same canned bodies."""
    tokens = lock_tokens(BATCH)
    events = [stored_event(number, DATA) for number in range(BATCH)]
    transport = NullAsyncTransport(
        {"receive": canned_receive(events, tokens), "acknowledge": canned_acknowledge(tokens)}
    )
    return EventGridConsumerClient(
        eventgrid.endpoint,
        eventgrid.credential,
        namespace_topic=eventgrid.default_topic,
        subscription=eventgrid.default_subscription,
        transport=transport,
    )


async def measure() -> list[Figure]:
    eventgrid = EventGrid()
    backdoor = Backdoor(eventgrid, DATA)
    backdoor.fill(DEPTH)
    async with eventgrid.aio_consumer() as fake, null_consumer(eventgrid) as null:
        seconds = await interleaved(
            {"fake": lambda: client_cycle(fake), "null": lambda: client_cycle(null)},
            per_sample=5,
            after={"fake": lambda: backdoor.refill(DEPTH)},
        )
    fake_rate, null_rate = BATCH / seconds["fake"], BATCH / seconds["null"]
    return [
        Figure("receive(100)+ack, fake", fake_rate, "events/s"),
        Figure("receive(100)+ack, null", null_rate, "events/s"),
        Figure("receive(100)+ack, fake / null time", null_rate / fake_rate, "x"),
    ]


def run() -> list[Figure]:
    return asyncio.run(measure())


if __name__ == "__main__":
    print_figures(TITLE, run())
