"""Broker scale and memory

One cycle is a receive of 100 events and the acknowledge of their lock tokens. It is
timed on a subscription holding 1,000 events and on one holding 1,000,000 (filled
through the broker, without HTTP), through the same two paths at both depths:
straight into the wire (`EventGridService.handle`, the fake's whole cost) and
through the real aio consumer client. The queue is topped up to its depth after
every sample, untimed. Every operation of the broker should cost the same however
deep the queue.

The memory figure publishes events of about 1 KB of data each through the wire
(parsed, validated, queued and journalled as a client's publish would be) under
`tracemalloc`, and divides what stays allocated by the number of events. The
broker's share is what the broker allocated (queue entries, heap entries, journal
items); the rest is the event itself as parsed and validated.
"""

from __future__ import annotations

import asyncio
import gc
import json
import tracemalloc
from pathlib import Path

from _common import (
    BATCH,
    Backdoor,
    Figure,
    client_cycle,
    comparison,
    dumps,
    interleaved,
    print_figures,
    stored_event,
)

from pytest_eventgrid import EventGrid
from pytest_eventgrid._wire import WireResponse

TITLE = __doc__.partition("\n")[0]
SHALLOW = 1_000
DEEP = 1_000_000
TARGET = 1.5
MEMORY_EVENTS = 10_000
KILOBYTE_DATA = {"text": "x" * 1_000}


def wire_cycle(backdoor: Backdoor) -> None:
    """Receive 100 events and acknowledge them, as wire requests."""
    received = backdoor.service.handle(backdoor.request("receive", maxEvents=BATCH))
    value = json.loads(received.body)["value"] if isinstance(received, WireResponse) else []
    if len(value) != BATCH:
        raise RuntimeError(f"a receive returned {len(value)} events, not {BATCH}")
    tokens = [item["brokerProperties"]["lockToken"] for item in value]
    backdoor.service.handle(backdoor.request("acknowledge", dumps({"lockTokens": tokens})))


def filled(depth: int) -> Backdoor:
    backdoor = Backdoor(EventGrid(), {"order": 1})
    gc.disable()  # a million objects at once: spare the collector's passes over them
    try:
        backdoor.fill(depth)
    finally:
        gc.enable()
    gc.freeze()  # and keep them out of its later passes
    return backdoor


async def measure_cycles() -> list[Figure]:
    shallow, deep = filled(SHALLOW), filled(DEEP)

    async def wire(backdoor: Backdoor) -> None:
        wire_cycle(backdoor)

    async with shallow.eventgrid.aio_consumer() as near, deep.eventgrid.aio_consumer() as far:
        seconds = await interleaved(
            {
                "wire 1k": lambda: wire(shallow),
                "wire 1M": lambda: wire(deep),
                "client 1k": lambda: client_cycle(near),
                "client 1M": lambda: client_cycle(far),
            },
            per_sample=5,
            after={
                "wire 1k": lambda: shallow.refill(SHALLOW),
                "wire 1M": lambda: deep.refill(DEEP),
                "client 1k": lambda: shallow.refill(SHALLOW),
                "client 1M": lambda: deep.refill(DEEP),
            },
        )
    gc.unfreeze()
    return [
        figure
        for path in ("wire", "client")
        for figure in comparison(
            f"receive(100)+ack via {path}",
            ("depth 1M", seconds[f"{path} 1M"]),
            ("depth 1k", seconds[f"{path} 1k"]),
            TARGET,
        )
    ]


def measure_memory() -> list[Figure]:
    """Bytes that stay allocated per queued event of ~1 KB of data, and the broker's share."""
    backdoor = Backdoor(EventGrid())
    bodies = [
        dumps([stored_event(number, KILOBYTE_DATA) for number in range(start, start + BATCH)])
        for start in range(0, MEMORY_EVENTS + BATCH, BATCH)
    ]
    content_type = "application/cloudevents-batch+json; charset=utf-8"
    backdoor.service.handle(backdoor.request("publish", bodies.pop(), content_type))  # warm-up
    gc.collect()
    tracemalloc.start()
    for body in bodies:
        backdoor.service.handle(backdoor.request("publish", body, content_type))
    gc.collect()
    snapshot = tracemalloc.take_snapshot()
    tracemalloc.stop()
    by_file = snapshot.statistics("filename")
    total = sum(stat.size for stat in by_file)
    broker = sum(
        stat.size for stat in by_file if Path(stat.traceback[0].filename).parent.name == "_broker"
    )
    return [
        Figure("memory per queued 1 KB event", total / MEMORY_EVENTS, "B"),
        Figure("memory per queued 1 KB event, broker's share", broker / MEMORY_EVENTS, "B"),
    ]


def run() -> list[Figure]:
    return [*asyncio.run(measure_cycles()), *measure_memory()]


if __name__ == "__main__":
    print_figures(TITLE, run())
