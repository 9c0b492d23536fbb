"""Publish one event (aio publisher)

The real `azure.eventgrid.aio.EventGridPublisherClient` sends one `CloudEvent` at a
time, and the same client type sends it over two transports: the fake's
(`eventgrid.async_transport()`: parsing, validation, the broker, the journal) and a
null transport that answers a canned `200 {}` with no logic. Their ratio is what
the fake adds to the SDK's own pipeline (policies, serialisation, deserialisation).

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
