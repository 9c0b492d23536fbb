"""Publish one event (aio publisher)

The real `azure.eventgrid.aio.EventGridPublisherClient` sends one `CloudEvent` at a
time, and the same client type sends it over two transports: the fake's
(`eventgrid.async_transport()`: parsing, validation, the broker, the journal) and a
null transport that answers a canned `200 {}` with no logic. Their ratio is what
the fake adds to the SDK's own pipeline (policies, serialisation, deserialisation).

A third side publishes the same way to a topic with queue subscriptions only, in a fake
whose other topics have ten webhook subscriptions, an Event Hubs subscription, a
system topic routed into a namespace topic and a Basic webhook: against the plain
fake, its ratio is the cost push delivery adds to a topic that does not use it.

`python benchmarks/bench_publish.py --profile` prints where the fake's side goes
instead: cProfile over 20,000 publishes, switched on inside the fake transport's
`send()` only, top 30 functions by cumulative time.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
from typing import Any

from _common import Figure, NullAsyncTransport, comparison, interleaved, print_figures
from azure.core.messaging import CloudEvent
from azure.eventgrid.aio import EventGridPublisherClient

from pytest_eventgrid import AsyncEventGridTransport, EventGrid
from pytest_eventgrid._doors._azure import AzureRequest, FakeAsyncHttpResponse

TITLE = __doc__.partition("\n")[0]
TARGET = 1.15


PUSH_TARGET = 1.05
STORAGE_ACCOUNT = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/benchmarks"
    "/providers/Microsoft.Storage/storageAccounts/files"
)


def with_push_elsewhere() -> EventGrid:
    """A fake whose other topics push: webhooks, an event hub, routes into a namespace
    topic. Its default topic has queue subscriptions only, as a plain fake's has."""
    eventgrid = EventGrid()
    orders = eventgrid.topic("pushed")
    for number in range(10):
        orders.subscribe(f"hook-{number}", lambda request: 200, validate=False)
    orders.subscribe("to-hub", eventgrid.event_hub("hub"))
    storage = eventgrid.system_topic("files", source=STORAGE_ACCOUNT)
    storage.subscribe("to-uploads", eventgrid.topic("uploads"))
    eventgrid.basic_topic("shop").subscribe("hook", lambda request: 200, validate=False)
    return eventgrid


async def measure() -> list[Figure]:
    eventgrid = EventGrid()
    busy = with_push_elsewhere()
    event = CloudEvent(source="/benchmarks", type="Benchmarks.Published", data={"order": 1})
    async with (
        eventgrid.aio_publisher() as fake,
        busy.aio_publisher() as pushing,
        EventGridPublisherClient(
            eventgrid.endpoint,
            eventgrid.credential,
            namespace_topic=eventgrid.default_topic,
            transport=NullAsyncTransport(),
        ) as null,
    ):
        seconds = await interleaved(
            {
                "fake": lambda: fake.send(event),
                "null": lambda: null.send(event),
                "pushing": lambda: pushing.send(event),
            },
            per_sample=100,
        )
    return [
        *comparison(
            "publish 1 event", ("fake", seconds["fake"]), ("null", seconds["null"]), TARGET
        ),
        # The hidden cost of push: a topic without push subscriptions publishes as fast
        # in a fake whose other topics push as in one where nothing does.
        comparison(
            "publish 1 event",
            ("push elsewhere", seconds["pushing"]),
            ("fake", seconds["fake"]),
            PUSH_TARGET,
        )[-1],
    ]


def run() -> list[Figure]:
    return asyncio.run(measure())


# -- where the fake's time goes ---------------------------------------------------------------


class ProfiledTransport(AsyncEventGridTransport):
    """The fake's async door, profiled inside `send()` only."""

    def __init__(self, eventgrid: EventGrid, profiler: cProfile.Profile) -> None:
        super().__init__(eventgrid._service, eventgrid.clock)
        self.profiler = profiler

    async def send(self, request: AzureRequest, **kwargs: Any) -> FakeAsyncHttpResponse:
        self.profiler.enable()
        try:
            return await super().send(request, **kwargs)
        finally:
            self.profiler.disable()


async def profile(count: int = 20_000) -> None:
    eventgrid = EventGrid()
    profiler = cProfile.Profile()
    event = CloudEvent(source="/benchmarks", type="Benchmarks.Published", data={"order": 1})
    async with EventGridPublisherClient(
        eventgrid.endpoint,
        eventgrid.credential,
        namespace_topic=eventgrid.default_topic,
        transport=ProfiledTransport(eventgrid, profiler),
    ) as client:
        for _ in range(count):
            await client.send(event)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    if "--profile" in sys.argv[1:]:
        asyncio.run(profile())
    else:
        print_figures(TITLE, run())
