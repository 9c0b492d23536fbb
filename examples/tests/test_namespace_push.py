"""Event Grid pushes order events from a namespace topic to the webhook receiver.

The same FastAPI receiver (`orders.webhook`) that the Basic topic pushes to is
subscribed here to the namespace topic as a push subscription: the namespace
publisher sends `Order.Created`, and `await eventgrid.deliver_async()` pushes what is
due. Namespaces retry on their own schedule (attempts at 0 s, 10 s, 30 s, 1 min,
5 min, then every 5 min), count attempts against `max_delivery_count`, and give
dead letters `deadLetterProperties`; with `drain=True` the whole schedule runs on the
virtual clock.
"""

from __future__ import annotations

import pytest
from orders import ORDER_CREATED, TransientError
from orders.models import order_created_event
from orders.webhook import WEBHOOK_PATH, create_webhook
from support import ORDER_PROCESSOR, ORDERS_TOPIC, an_order

from pytest_eventgrid.match import contains

pytestmark = pytest.mark.eventgrid(topic=ORDERS_TOPIC, subscription=ORDER_PROCESSOR)
PUSH = "orders-push"
WEBHOOK_URL = f"https://orders.example.com{WEBHOOK_PATH}"


def outcomes(attempts) -> list[tuple[float, int | None, str]]:
    """(virtual time, status, outcome) of each delivery attempt."""
    return [(attempt.time, attempt.status, attempt.outcome) for attempt in attempts]


async def test_an_order_published_to_the_namespace_is_pushed_to_the_webhook(
    eventgrid, eventgrid_publisher, fulfilment
):
    subscription = eventgrid.topic(ORDERS_TOPIC).subscribe(
        PUSH, create_webhook(fulfilment), url=WEBHOOK_URL
    )
    await eventgrid_publisher.send(order_created_event(an_order("order-1")))

    attempts = await eventgrid.deliver_async()

    assert subscription.validation == "succeeded"  # the CloudEvents handshake ran first
    assert fulfilment.fulfilled == ["order-1"]
    assert outcomes(attempts) == [(0, 200, "Succeeded")]
    subscription.assert_delivered(type=ORDER_CREATED, data=contains({"order_id": "order-1"}))


async def test_a_transient_failure_is_retried_on_the_namespace_schedule(
    eventgrid, eventgrid_publisher, fulfilment
):
    fulfilment.fail("order-1", TransientError("warehouse unavailable"), RuntimeError("a bug"))
    eventgrid.topic(ORDERS_TOPIC).subscribe(PUSH, create_webhook(fulfilment), url=WEBHOOK_URL)
    await eventgrid_publisher.send(order_created_event(an_order("order-1")))

    attempts = await eventgrid.deliver_async(drain=True)

    # 503 waits at least 30 s; the 500 that follows takes the next slot, 1 min.
    assert outcomes(attempts) == [
        (0, 503, "Busy"),
        (30, 500, "GenericError"),
        (60, 200, "Succeeded"),
    ]
    assert fulfilment.fulfilled == ["order-1"]


async def test_a_delivery_that_outlasts_event_grids_wait_is_retried_but_ships_once(
    eventgrid, eventgrid_publisher, fulfilment
):
    # The warehouse takes 40 s: Event Grid stops waiting at 30 s, so the attempt timed
    # out although the order shipped. The retry brings the same event; the webhook knows
    # its id and answers 200 without shipping again.
    fulfilment.stall("order-1", eventgrid, 40)
    eventgrid.topic(ORDERS_TOPIC).subscribe(PUSH, create_webhook(fulfilment), url=WEBHOOK_URL)
    await eventgrid_publisher.send(order_created_event(an_order("order-1")))

    attempts = await eventgrid.deliver_async(drain=True)

    assert outcomes(attempts) == [(0, None, "TimedOut"), (40, 200, "Succeeded")]
    assert fulfilment.fulfilled == ["order-1"]


async def test_an_order_that_keeps_failing_is_dead_lettered_after_max_delivery_count(
    eventgrid, eventgrid_publisher, fulfilment
):
    fulfilment.fail("order-1", *[RuntimeError("a bug")] * 3)
    subscription = eventgrid.topic(ORDERS_TOPIC).subscribe(
        PUSH, create_webhook(fulfilment), url=WEBHOOK_URL, max_delivery_count=3
    )
    await eventgrid_publisher.send(order_created_event(an_order("order-1")))

    attempts = await eventgrid.deliver_async(drain=True)

    assert [attempt.time for attempt in attempts] == [0, 10, 30]
    [dead] = subscription.dead_lettered
    assert dead.dead_letter_properties["deadletterreason"] == (
        "Maximum delivery attempts was exceeded."
    )
    assert dead.dead_letter_properties["deliveryattempts"] == 3
    assert fulfilment.fulfilled == []


async def test_an_invalid_order_is_dead_lettered_at_once(
    eventgrid, eventgrid_publisher, fulfilment
):
    subscription = eventgrid.topic(ORDERS_TOPIC).subscribe(
        PUSH, create_webhook(fulfilment), url=WEBHOOK_URL
    )
    event = order_created_event(an_order("order-1"))
    event.data = {"order_id": "order-1"}  # no customer, no lines: the webhook answers 400
    await eventgrid_publisher.send(event)

    attempts = await eventgrid.deliver_async(drain=True)

    assert outcomes(attempts) == [(0, 400, "BadRequest")]
    [dead] = subscription.dead_lettered
    assert dead.dead_letter_properties["deadletterreason"] == "Undeliverable due to client error"
    assert dead.dead_letter_properties["deliveryresult"] == "BadRequest"
