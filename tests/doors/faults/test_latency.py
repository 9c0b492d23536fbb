"""`faults.latency()`: a slow answer, on the fake clock. Sync clients jump the clock at
once; async clients wait like a long-poll, so other tasks run meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from azure.core.messaging import CloudEvent

from pytest_eventgrid import EventGrid, FaultedRequest, faults
from tests._clients import Consumer, Publisher, cloud_event, event_ids

pytestmark = pytest.mark.asyncio


def published_at(eventgrid: EventGrid) -> list[tuple[float, list[str]]]:
    """When each publish was served, and the ids it carried."""
    return [
        (call.time, [event.id for event in call.events])
        for call in eventgrid.calls.filter("publish")
    ]


async def test_latency_delays_the_answer_on_the_fake_clock(
    eventgrid: EventGrid, publisher: Publisher
) -> None:
    fault = eventgrid.fail("publish", faults.latency(30))

    await publisher.send(cloud_event(1))
    await publisher.send(cloud_event(2))

    assert fault.fired == 1
    assert eventgrid.clock.now() == 30
    assert published_at(eventgrid) == [(30, ["e1"]), (30, ["e2"])]


async def test_a_slow_receive_takes_what_is_there_when_it_is_served(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    await publisher.send(cloud_event(1))
    eventgrid.fail("receive", faults.latency(45))

    [detail] = await consumer.receive()

    assert detail.event.id == "e1"
    assert eventgrid.clock.now() == 45
    assert eventgrid.calls.last.time == 45


async def test_latency_comes_before_the_long_poll_of_an_empty_receive(
    eventgrid: EventGrid, consumer: Consumer
) -> None:
    eventgrid.fail("receive", faults.latency(5))

    received = await consumer.receive(max_wait_time=10)

    assert received == []
    assert eventgrid.clock.now() == 15


async def test_latency_in_a_sequence_slows_only_its_own_request(
    eventgrid: EventGrid, publisher: Publisher
) -> None:
    eventgrid.fail("publish", [faults.ok(), faults.latency(8), faults.ok()])

    for number in (1, 2, 3):
        await publisher.send(cloud_event(number))

    assert published_at(eventgrid) == [(0, ["e1"]), (8, ["e2"]), (8, ["e3"])]


@pytest.mark.eventgrid(autojump=False)
async def test_latency_moves_the_clock_even_without_the_autojump(
    eventgrid: EventGrid, publisher: Publisher
) -> None:
    eventgrid.fail("publish", faults.latency(3))

    await publisher.send(cloud_event(1))

    assert eventgrid.clock.now() == 3


# -- async: others run while a request is slow ----------------------------------------------


def carries(event_id: str) -> Callable[[FaultedRequest], bool]:
    """A `when=` that picks the publishes of exactly the event `event_id`."""

    def picks(request: FaultedRequest) -> bool:
        events = request.json()
        return isinstance(events, list) and [event["id"] for event in events] == [event_id]

    return picks


async def test_other_tasks_publish_while_a_slow_publish_waits(eventgrid: EventGrid) -> None:
    eventgrid.fail("publish", faults.latency(10), when=carries("slow"))

    async with eventgrid.aio_publisher() as publisher:
        await asyncio.gather(
            publisher.send([CloudEvent(source="/t", type="T", id="slow")]),
            publisher.send([CloudEvent(source="/t", type="T", id="fast")]),
        )

    assert published_at(eventgrid) == [(0, ["fast"]), (10, ["slow"])]


async def test_a_slow_receive_gets_what_another_task_published_meanwhile(
    eventgrid: EventGrid,
) -> None:
    eventgrid.subscription()
    eventgrid.fail("receive", faults.latency(20))

    async with eventgrid.aio_publisher() as publisher, eventgrid.aio_consumer() as consumer:
        receiving = asyncio.create_task(consumer.receive(max_wait_time=10))
        await asyncio.sleep(0)  # the receive starts, and waits out its latency
        await publisher.send([cloud_event(1)])
        received = await receiving

    assert event_ids(received) == ["e1"]
    assert published_at(eventgrid) == [(0, ["e1"])]
    assert eventgrid.clock.now() == 20


async def test_a_task_sees_the_clock_move_only_when_everyone_waits(
    eventgrid: EventGrid,
) -> None:
    eventgrid.fail("publish", faults.latency(60))
    seen: list[float] = []

    async def watch() -> None:
        for _ in range(5):
            seen.append(eventgrid.clock.now())
            await asyncio.sleep(0)

    async with eventgrid.aio_publisher() as publisher:
        await asyncio.gather(publisher.send([cloud_event(1)]), watch())

    assert seen == [0, 0, 0, 0, 0]
    assert eventgrid.clock.now() == 60
