"""Publish one event (aio publisher)

The real `azure.eventgrid.aio.EventGridPublisherClient` sends one `CloudEvent` at a
time, and the same client type sends it over two transports: the fake's
(`eventgrid.async_transport()`: parsing, validation, the broker, the journal) and a
null transport that answers a canned `200 {}` with no logic. Their ratio is what
the fake adds to the SDK's own pipeline (policies, serialisation, deserialisation).
"""

from __future__ import annotations

import asyncio

from _common import Figure, NullAsyncTransport, comparison, interleaved, print_figures
from azure.core.messaging import CloudEvent
from azure.eventgrid.aio import EventGridPublisherClient

from pytest_eventgrid import EventGrid

TITLE = __doc__.partition("\n")[0]
TARGET = 1.2


async def measure() -> list[Figure]:
    eventgrid = EventGrid()
    event = CloudEvent(source="/benchmarks", type="Benchmarks.Published", data={"order": 1})
    async with (
        eventgrid.aio_publisher() as fake,
        EventGridPublisherClient(
            eventgrid.endpoint,
            eventgrid.credential,
            namespace_topic=eventgrid.default_topic,
            transport=NullAsyncTransport(),
        ) as null,
    ):
        seconds = await interleaved(
            {"fake": lambda: fake.send(event), "null": lambda: null.send(event)},
            per_sample=100,
        )
    return comparison(
        "publish 1 event", ("fake", seconds["fake"]), ("null", seconds["null"]), TARGET
    )


def run() -> list[Figure]:
    return asyncio.run(measure())


if __name__ == "__main__":
    print_figures(TITLE, run())
