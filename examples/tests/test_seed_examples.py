"""Every async example of the azure-eventgrid guide, run against the fake Event Grid.

The examples (`seed_examples.py`) build their own clients for the guide's endpoint
`https://my-namespace.westus-1.eventgrid.azure.net` with the key "access_key", so the
fake is that namespace and accepts only that key. Examples that loop forever run as
a task until the fake has seen their work done, and are then cancelled. Some
examples sleep for real (`asyncio.sleep(0.1)` per event): that is their own code.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import seed_examples
from azure.core.messaging import CloudEvent
from support import MAX_DELIVERY_REASON

from pytest_eventgrid import EventGrid

pytestmark = pytest.mark.eventgrid(namespace="my-namespace", region="westus", key="access_key")


async def publish(eventgrid: EventGrid, topic: str, *events: CloudEvent[Any]) -> list[str]:
    """Publish `events` to `topic` of the fake; return their ids."""
    async with eventgrid.aio_publisher(topic) as publisher:
        await publisher.send(list(events))
    return [event.id for event in events]


def order_events(count: int) -> list[CloudEvent[Any]]:
    return [
        CloudEvent(source="shop", type="Order.Created", data={"order_id": f"order-{i}"})
        for i in range(1, count + 1)
    ]


async def run_until(
    eventgrid: EventGrid, example: Coroutine[Any, Any, None], done: Callable[[], bool]
) -> None:
    """Run an example that never returns until `done()`, then cancel it."""
    task = asyncio.create_task(example)
    try:
        await eventgrid.until(done)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.mark.eventgrid(topics={"orders-topic": ["order-processor"]})
async def test_publish_events(eventgrid, capsys):
    await seed_examples.publish_events()

    published = eventgrid.topic("orders-topic").published
    assert [(event.source, event.type, event.data) for event in published] == [
        ("orders-service", "Order.Created", {"order_id": f"order-{i}", "total": i * 10.99})
        for i in range(1, 6)
    ]
    assert len(eventgrid.subscription("order-processor", topic="orders-topic").available) == 5
    assert capsys.readouterr().out == "Published 5 events\n"


@pytest.mark.eventgrid(topics={"orders-topic": ["order-processor"]})
async def test_consume_events(eventgrid, capsys):
    subscription = eventgrid.subscription("order-processor", topic="orders-topic")
    await seed_examples.publish_events()
    [failing] = await publish(
        eventgrid, "orders-topic", CloudEvent(source="shop", type="Order.Created", data="ERROR")
    )

    await seed_examples.consume_events()

    published = [event.id for event in eventgrid.topic("orders-topic").published]
    assert [event.id for event in subscription.acknowledged] == published[:5]
    assert [(event.id, event.release_delay) for event in subscription.released] == [(failing, 60)]
    assert [event.id for event in subscription.delayed] == [failing]
    output = capsys.readouterr().out.splitlines()
    assert output[0] == "Published 5 events"
    assert output[1] == "Received 6 events"
    assert output[-2:] == ["Acknowledged 5 events", "Released 1 events"]


@pytest.mark.eventgrid(topics={"orders-topic": ["order-processor"]})
async def test_consume_events_when_there_are_none(eventgrid, capsys):
    await seed_examples.consume_events()

    assert capsys.readouterr().out == "No events received\n"
    assert eventgrid.clock.now() == 30  # the example's max_wait_time, on the virtual clock


@pytest.mark.eventgrid(topics={"topic1": [], "topic2": [], "topic3": []})
async def test_publish_to_multiple_topics(eventgrid, capsys):
    await seed_examples.publish_to_multiple_topics()

    for n in (1, 2, 3):
        published = eventgrid.topic(f"topic{n}").published
        assert [(event.source, event.type, event.data) for event in published] == [
            ("app", f"Type{n}", {"topic": f"topic{n}", "id": i}) for i in range(5)
        ]
    assert capsys.readouterr().out == "Published events to all topics\n"


@pytest.mark.eventgrid(topics={"input-topic": ["processor"], "output-topic": ["archive"]})
async def test_event_processor_pipeline(eventgrid):
    inputs = eventgrid.subscription("processor", topic="input-topic")
    ids = await publish(eventgrid, "input-topic", *order_events(3))

    await run_until(
        eventgrid, seed_examples.processor.run_pipeline(), lambda: len(inputs.acknowledged) == 3
    )

    assert sorted(event.id for event in inputs.acknowledged) == sorted(ids)
    outputs = eventgrid.topic("output-topic").published
    assert [(event.source, event.type) for event in outputs] == [
        ("event-processor", "Processed.Order.Created")
    ] * 3
    assert [event.data["original_data"] for event in outputs] == [
        {"order_id": f"order-{i}"} for i in (1, 2, 3)
    ]
    assert {event.data["processor_id"] for event in outputs} == {"async-processor-1"}
    assert len(eventgrid.subscription("archive", topic="output-topic").available) == 3


@pytest.mark.eventgrid(topics={"topic": [], "input": ["processor"], "output": []})
async def test_context_manager_examples(eventgrid):
    inputs = eventgrid.subscription("processor", topic="input")
    ids = await publish(eventgrid, "input", *order_events(2))

    await seed_examples.context_manager_examples()

    [test_event] = eventgrid.topic("topic").published
    assert (test_event.source, test_event.type, test_event.data) == ("app", "Test", {})
    forwarded = eventgrid.topic("output").published
    assert [(event.source, event.type, event.data) for event in forwarded] == [
        ("transformer", "Transformed.Order.Created", {"original": {"order_id": f"order-{i}"}})
        for i in (1, 2)
    ]
    assert [event.id for event in inputs.acknowledged] == ids


@pytest.mark.eventgrid(topics={"orders-topic": ["order-processor"]})
async def test_robust_async_processing(eventgrid, capsys):
    subscription = eventgrid.subscription("order-processor", topic="orders-topic")
    ids = await publish(eventgrid, "orders-topic", *order_events(2))

    await run_until(
        eventgrid,
        seed_examples.robust_async_processing(),
        lambda: len(subscription.released) == 2,
    )

    # The example hands `event_detail.event` to process_event_async, which reads
    # `.event` again: every event fails, and is released for a minute.
    assert [(event.id, event.release_delay) for event in subscription.released] == [
        (event_id, 60) for event_id in ids
    ]
    assert subscription.acknowledged == []
    assert (
        capsys.readouterr().out.splitlines()
        == ["Unexpected error: 'CloudEvent' object has no attribute 'event'"] * 2
    )


@pytest.mark.eventgrid(topic="orders-topic", subscription="order-processor")
async def test_controlled_concurrent_processing(
    eventgrid, eventgrid_publisher, eventgrid_consumer, capsys
):
    events = order_events(3)
    await eventgrid_publisher.send(events)

    await seed_examples.controlled_concurrent_processing(eventgrid_consumer)

    # The example processes the events and leaves settling them to the reader.
    locked = eventgrid.subscription().locked
    assert [(event.id, event.delivery_count) for event in locked] == [
        (event.id, 1) for event in events
    ]
    assert capsys.readouterr().out.splitlines() == ["Processing event: Order.Created from shop"] * 3


@pytest.mark.eventgrid(topic="orders-topic", subscription="order-processor", max_delivery_count=2)
async def test_optimized_batch_processing(eventgrid, eventgrid_publisher, eventgrid_consumer):
    subscription = eventgrid.subscription()
    failing = CloudEvent(source="shop", type="Order.Created", data={"status": "error"})
    events = [*order_events(5), failing]
    await eventgrid_publisher.send(events)

    await run_until(
        eventgrid,
        seed_examples.optimized_batch_processing(eventgrid_consumer),
        lambda: len(subscription.acknowledged) == 5 and len(subscription.dead_lettered) == 1,
    )

    assert sorted(event.id for event in subscription.acknowledged) == sorted(
        event.id for event in events[:5]
    )
    # Failed events are released with no delay, so they come straight back until
    # the subscription's max delivery count dead-letters them.
    assert [(event.id, event.release_delay) for event in subscription.released] == [
        (failing.id, 0),
        (failing.id, 0),
    ]
    [dead] = subscription.dead_lettered
    assert (dead.id, dead.delivery_count, dead.dead_letter_reason) == (
        failing.id,
        2,
        MAX_DELIVERY_REASON,
    )
