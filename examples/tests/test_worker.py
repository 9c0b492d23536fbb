"""The worker settles every event the way its outcome calls for.

Most tests run twice, with the asyncio `OrderWorker` and with `SyncOrderWorker`
(see the `worker` fixture). Time is the fake's virtual clock: a receive that waits
for a release delay or a lock to expire moves it at once, so nothing sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from azure.eventgrid import EventGridPublisherClient
from orders import ORDER_CREATED, OrderWorker, SyncOrderWorker, TransientError, order_created_event
from support import MAX_DELIVERY_REASON, ORDER_PROCESSOR, ORDERS_TOPIC, REJECTED_REASON, an_order

from pytest_eventgrid.match import contains

pytestmark = pytest.mark.eventgrid(topic=ORDERS_TOPIC, subscription=ORDER_PROCESSOR)


async def test_a_processed_order_is_acknowledged(
    publish_orders, process_batch, fulfilment, subscription
):
    [event_id] = await publish_orders("order-1")

    report = await process_batch()

    assert report.acknowledged == [event_id]
    assert fulfilment.fulfilled == ["order-1"]
    subscription.assert_acknowledged(id=event_id, data=contains(order_id="order-1"), count=1)
    subscription.assert_settled_all()


async def test_a_receive_takes_at_most_max_events(
    cloud_event_factory, eventgrid_publisher, process_batch, fulfilment, subscription
):
    # 12 order events; "{n}" counts 0, 1, 2, ... in the id and in the data.
    events = cloud_event_factory.batch(
        12, type=ORDER_CREATED, id="event-{n}", data=an_order("order-{n}").to_dict()
    )
    await eventgrid_publisher.send(events)

    reports = [await process_batch(), await process_batch()]

    assert [len(report.acknowledged) for report in reports] == [10, 2]  # max_events is 10
    assert fulfilment.fulfilled == [f"order-{n}" for n in range(12)]
    subscription.assert_acknowledged(id="event-11", data=contains(order_id="order-11"), count=1)
    subscription.assert_settled_all()


@pytest.mark.parametrize(
    "error", [TransientError("warehouse unavailable"), RuntimeError("a bug")], ids=repr
)
async def test_a_failed_order_is_released_and_redelivered_after_the_delay(
    error, eventgrid, publish_orders, process_batch, fulfilment, subscription
):
    fulfilment.fail("order-1", error)
    [event_id] = await publish_orders("order-1")

    first = await process_batch()

    assert first.released == [event_id]
    subscription.assert_released(id=event_id, delay=60, count=1)
    assert [event.id for event in subscription.delayed] == [event_id]

    # The delay ends at the instant this receive's 60 s wait does: the service answers
    # that receive empty, and the next one gets the event.
    second = await process_batch()

    assert second.received == []
    assert eventgrid.clock.now() == 60

    third = await process_batch()

    assert third.acknowledged == [event_id]
    assert eventgrid.clock.now() == 60
    [acknowledged] = subscription.assert_acknowledged(id=event_id, count=1)
    assert acknowledged.delivery_count == 2
    assert fulfilment.attempts == ["order-1", "order-1"]


# Events the worker cannot take: each builds one with the `cloud_event_factory`.
POISON = {
    "no-lines": lambda events: events(
        type=ORDER_CREATED, data={"order_id": "order-9", "customer_id": "customer-7", "lines": []}
    ),
    "not-an-object": lambda events: events(type=ORDER_CREATED, data="not an order"),
    "unexpected-type": lambda events: events(
        type="Order.Deleted", data=an_order("order-9").to_dict()
    ),
    # A storage event, routed to the orders topic by a misconfigured subscription.
    "blob-created": lambda events: events.blob_created(),
}


@pytest.mark.parametrize("make_poison", POISON.values(), ids=POISON.keys())
async def test_a_poison_message_is_rejected_and_dead_lettered(
    make_poison, cloud_event_factory, eventgrid_publisher, process_batch, fulfilment, subscription
):
    poison = make_poison(cloud_event_factory)
    await eventgrid_publisher.send([poison])

    report = await process_batch()

    assert report.rejected == [poison.id]
    assert fulfilment.attempts == []
    subscription.assert_rejected(id=poison.id, count=1)
    subscription.assert_dead_lettered(id=poison.id, reason=REJECTED_REASON, count=1)


async def test_an_event_whose_worker_died_is_redelivered_when_its_lock_expires(
    eventgrid, eventgrid_consumer, publish_orders, process_batch, subscription
):
    [event_id] = await publish_orders("order-1")
    # Another replica receives the event and dies before settling it.
    [abandoned] = await eventgrid_consumer.receive(max_events=1)

    # The lock ends at the instant this receive's 60 s wait does: as the service does,
    # the fake answers that receive empty, and the next one gets the event again.
    empty = await process_batch()

    assert empty.received == []
    assert eventgrid.clock.now() == subscription.settings.lock_duration == 60

    report = await process_batch()

    assert report.acknowledged == [event_id]
    [expired] = subscription.expired_locks
    assert expired.lock_token == abandoned.broker_properties.lock_token
    assert subscription.acknowledged[0].delivery_count == 2


async def test_processing_that_outlasts_the_lock_loses_it_and_the_order_comes_back(
    eventgrid, publish_orders, process_batch, fulfilment, subscription
):
    fulfilment.stall("order-1", eventgrid, seconds=61)
    [event_id] = await publish_orders("order-1")

    first = await process_batch()

    assert (first.acknowledged, first.lost) == ([], [event_id])
    assert [event.id for event in subscription.expired_locks] == [event_id]

    second = await process_batch()

    assert second.acknowledged == [event_id]
    # At-least-once delivery: the handler saw the order twice, so it must be idempotent.
    assert fulfilment.fulfilled == ["order-1", "order-1"]


@pytest.mark.eventgrid(max_delivery_count=3)
async def test_an_order_that_keeps_failing_is_dead_lettered_after_max_deliveries(
    eventgrid, publish_orders, process_batch, fulfilment, subscription
):
    fulfilment.fail("order-1", *[TransientError("warehouse unavailable")] * 3)
    [event_id] = await publish_orders("order-1")

    reports = [await process_batch() for _ in range(5)]

    # Each release delay ends as the next receive's wait does, so every other receive
    # comes back empty (as the service answers).
    released = [[event_id], [], [event_id], [], [event_id]]
    assert [report.released for report in reports] == released
    assert eventgrid.clock.now() == 120  # two release delays of 60 s
    subscription.assert_released(id=event_id, delay=60, count=3)
    [dead] = subscription.assert_dead_lettered(id=event_id, reason=MAX_DELIVERY_REASON, count=1)
    assert dead.delivery_count == 3
    subscription.assert_settled_all()


def drained(subscription) -> bool:
    return not (subscription.available or subscription.delayed or subscription.locked)


async def test_the_worker_loop_drains_the_subscription(
    eventgrid,
    settings,
    publish_orders,
    eventgrid_publisher,
    cloud_event_factory,
    fulfilment,
    subscription,
):
    fulfilment.fail("order-3", TransientError("warehouse unavailable"))
    await publish_orders("order-1", "order-2", "order-3")
    poison = cloud_event_factory(type=ORDER_CREATED, data={})
    await eventgrid_publisher.send([poison])

    async with OrderWorker(settings, fulfilment) as worker:
        loop = asyncio.create_task(worker.run())
        await eventgrid.until(lambda: drained(subscription))
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop

    assert sorted(fulfilment.fulfilled) == ["order-1", "order-2", "order-3"]
    subscription.assert_acknowledged(type=ORDER_CREATED, count=3)
    subscription.assert_released(subject="orders/order-3", delay=60, count=1)
    subscription.assert_dead_lettered(id=poison.id, reason=REJECTED_REASON, count=1)
    subscription.assert_settled_all()
    assert eventgrid.clock.now() == 60  # order-3 came back after its release delay


def test_the_sync_worker_runs_until_told_to_stop(
    eventgrid, settings, eventgrid_publisher_sync: EventGridPublisherClient, subscription
):
    eventgrid_publisher_sync.send([order_created_event(an_order(f"order-{i}")) for i in (1, 2)])
    handled = []

    with SyncOrderWorker(settings, lambda order: handled.append(order.order_id)) as worker:
        worker.run(stop=lambda: drained(subscription))

    assert handled == ["order-1", "order-2"]
    assert [event.data["order_id"] for event in subscription.acknowledged] == handled
    subscription.assert_settled_all()
    assert eventgrid.clock.now() == 0
