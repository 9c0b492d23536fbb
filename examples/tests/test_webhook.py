"""Event Grid pushes order events to the webhook receiver (`orders.webhook`).

The receiver, a FastAPI app, is subscribed to the Basic custom topic "orders"; the
fake calls it in process at the subscription's URL. Events go out through the real
Basic `EventGridPublisherClient`, sync and async in turn (see `publish`), and
`await eventgrid.deliver_async()` pushes what is due: the handshake of a new
subscription first, then the events. With `drain=True` it follows Event Grid's
retry schedule on the virtual clock until every event is delivered or
dead-lettered, so retries take no real time.

Most tests run twice more: on an Event Grid-schema topic (validation handshake,
`EventGridEvent`s) and on a CloudEvents-schema topic (`OPTIONS` handshake,
`CloudEvent`s); see `schema`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from orders import ORDER_CREATED, TransientError
from orders.webhook import WEBHOOK_PATH, create_webhook
from support import an_order

from pytest_eventgrid import (
    CloudEventFactory,
    EventGrid,
    EventGridEventFactory,
    WebhookValidationError,
)

ORDERS = "orders"  # the Basic custom topic, https://orders.westus-1.eventgrid.azure.net
WEBHOOK = "orders-webhook"
WEBHOOK_URL = f"https://orders.example.com{WEBHOOK_PATH}"

# Why Event Grid dead-lettered a pushed event (`deadLetterReason`), as the fake reports it.
NOT_RETRIED = "NonRetriableDeliveryFailure"
MAX_ATTEMPTS = "MaxDeliveryAttemptsExceeded"


@pytest.fixture(params=["eventgrid", "cloudevents"])
def schema(request: pytest.FixtureRequest) -> str:
    """The input schema of the orders topic, and so of its webhook deliveries."""
    return str(request.param)


@pytest.fixture
def subscribe(eventgrid: EventGrid, schema: str, fulfilment):
    """Subscribe the webhook app, handing orders to `fulfilment`, to the orders topic."""

    def subscribe(webhook=None, **settings: Any):
        topic = eventgrid.basic_topic(ORDERS, schema=schema)
        return topic.subscribe(
            WEBHOOK, webhook or create_webhook(fulfilment), url=WEBHOOK_URL, **settings
        )

    return subscribe


@pytest.fixture
def webhook_subscription(subscribe):
    """The webhook's event subscription, with the default delivery settings."""
    return subscribe()


@pytest.fixture
def event(
    schema: str,
    cloud_event_factory: CloudEventFactory,
    eventgrid_event_factory: EventGridEventFactory,
) -> Callable[..., Any]:
    """Build an event in the topic's schema: `event(type, data, subject=...)`."""

    def build(event_type: str, data: object, **fields: Any) -> Any:
        if schema == "cloudevents":
            return cloud_event_factory(
                type=event_type, source="/services/orders", data=data, **fields
            )
        return eventgrid_event_factory(event_type=event_type, data=data, **fields)

    return build


@pytest.fixture
def order_created(event: Callable[..., Any]) -> Callable[[str], Any]:
    """Build the `Order.Created` event of a valid order, in the topic's schema."""
    return lambda order_id: event(
        ORDER_CREATED, an_order(order_id).to_dict(), subject=f"orders/{order_id}"
    )


@pytest.fixture(params=["sync", "async"])
def publish(
    request: pytest.FixtureRequest, eventgrid: EventGrid
) -> Callable[..., Awaitable[list[str]]]:
    """Publish events to the orders topic in one request, with the sync or the async
    Basic publisher; return their ids."""

    async def publish(*events: Any) -> list[str]:
        if request.param == "async":
            async with eventgrid.aio_basic_publisher(ORDERS) as client:
                await client.send(list(events))
        else:
            with eventgrid.basic_publisher(ORDERS) as client:
                client.send(list(events))
        return [event.id for event in events]

    return publish


def outcomes(attempts) -> list[tuple[float, int | None, str]]:
    """(virtual time, status, outcome) of each delivery attempt."""
    return [(attempt.time, attempt.status, attempt.outcome) for attempt in attempts]


async def test_the_webhook_passes_the_handshake_of_a_new_subscription(eventgrid, subscribe):
    subscription = subscribe()
    # Subscribed from async code, an ASGI app gets its handshake at the next deliver_async().
    assert subscription.validation == "pending"

    assert await eventgrid.deliver_async() == []

    assert subscription.validation == "succeeded"
    handshakes = [entry for entry in eventgrid.timeline if entry.operation == "validate"]
    assert [(entry.subscription, entry.status, entry.detail) for entry in handshakes] == [
        (WEBHOOK, 200, "accepted")
    ]


@pytest.mark.parametrize("schema", ["cloudevents"])
async def test_a_webhook_that_refuses_event_grid_gets_no_events(
    eventgrid, subscribe, publish, order_created, fulfilment
):
    subscription = subscribe(create_webhook(fulfilment, allowed_origins=["events.contoso.com"]))
    await publish(order_created("order-1"))

    # The handshake runs with the first delivery; the service would not create the
    # subscription, so the delivery fails loudly instead of passing with nothing sent.
    with pytest.raises(WebhookValidationError, match="got 403"):
        await eventgrid.deliver_async(drain=True)

    assert subscription.validation == "failed"
    assert subscription.attempts == []
    assert fulfilment.attempts == []


async def test_a_new_order_is_pushed_to_the_webhook_and_processed(
    eventgrid, publish, order_created, webhook_subscription, fulfilment
):
    [event_id] = await publish(order_created("order-1"))

    attempts = await eventgrid.deliver_async()

    assert fulfilment.fulfilled == ["order-1"]
    assert outcomes(attempts) == [(0, 200, "Succeeded")]
    [delivered] = webhook_subscription.delivered
    assert (delivered["id"], delivered["data"]) == (event_id, an_order("order-1").to_dict())
    assert webhook_subscription.dead_lettered == []
    assert webhook_subscription.pending == 0


async def test_an_event_published_twice_is_processed_once(
    eventgrid, publish, order_created, webhook_subscription, fulfilment
):
    event = order_created("order-1")
    await publish(event)
    await publish(event)  # the publisher timed out and sent it again: Event Grid has it twice

    await eventgrid.deliver_async()

    assert eventgrid.calls.filter("send").call_count == 2
    assert [delivered["id"] for delivered in webhook_subscription.delivered] == [event.id] * 2
    assert fulfilment.attempts == ["order-1"]


@pytest.mark.parametrize(
    ("error", "status", "outcome", "retry_at"),
    [
        (TransientError("warehouse unavailable"), 503, "Busy", 30),
        (RuntimeError("a bug"), 500, "GenericError", 10),
    ],
    ids=["transient-503", "unexpected-500"],
)
async def test_a_failed_order_is_retried_on_event_grids_schedule(
    error,
    status,
    outcome,
    retry_at,
    eventgrid,
    publish,
    order_created,
    webhook_subscription,
    fulfilment,
):
    fulfilment.fail("order-1", error)
    await publish(order_created("order-1"))

    attempts = await eventgrid.deliver_async(drain=True)

    # Event Grid waits 10 s after a first failure, and at least 30 s after a 503.
    assert outcomes(attempts) == [(0, status, outcome), (retry_at, 200, "Succeeded")]
    assert [attempt.delivery_count for attempt in attempts] == [0, 1]
    assert eventgrid.clock.now() == retry_at
    assert fulfilment.attempts == ["order-1", "order-1"]
    assert fulfilment.fulfilled == ["order-1"]


@pytest.mark.parametrize("schema", ["eventgrid"])
async def test_a_retry_waits_until_it_is_due(
    eventgrid, publish, order_created, webhook_subscription, fulfilment
):
    fulfilment.fail("order-1", TransientError("warehouse unavailable"))
    await publish(order_created("order-1"))

    first = await eventgrid.deliver_async()
    eventgrid.clock.advance(29)
    too_early = await eventgrid.deliver_async()
    eventgrid.clock.advance(1)
    retry = await eventgrid.deliver_async()

    assert outcomes([*first, *too_early, *retry]) == [(0, 503, "Busy"), (30, 200, "Succeeded")]
    assert webhook_subscription.pending == 0


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        (ORDER_CREATED, {"order_id": "order-9", "customer_id": "customer-7", "lines": []}),
        (ORDER_CREATED, "not an order"),
        ("Order.Deleted", an_order("order-9").to_dict()),
    ],
    ids=["no-lines", "not-an-object", "unexpected-type"],
)
async def test_an_event_that_is_not_an_order_is_dead_lettered_at_once(
    event_type, data, eventgrid, publish, event, webhook_subscription, fulfilment
):
    [event_id] = await publish(event(event_type, data))

    attempts = await eventgrid.deliver_async(drain=True)

    assert outcomes(attempts) == [(0, 400, "BadRequest")]
    [dead] = webhook_subscription.dead_lettered
    assert (dead.event["id"], dead.reason, dead.delivery_attempts, dead.last_delivery_outcome) == (
        event_id,
        NOT_RETRIED,
        1,
        "BadRequest",
    )
    assert fulfilment.attempts == []
    assert eventgrid.clock.now() == 0


async def test_an_order_that_keeps_failing_is_dead_lettered_after_max_attempts(
    eventgrid, subscribe, publish, order_created, fulfilment
):
    subscription = subscribe(max_delivery_attempts=3)
    fulfilment.fail("order-1", *[TransientError("warehouse unavailable")] * 3)
    [event_id] = await publish(order_created("order-1"))

    attempts = await eventgrid.deliver_async(drain=True)

    assert outcomes(attempts) == [(0, 503, "Busy"), (30, 503, "Busy"), (60, 503, "Busy")]
    [dead] = subscription.dead_lettered
    assert (dead.event["id"], dead.reason, dead.delivery_attempts, dead.last_delivery_outcome) == (
        event_id,
        MAX_ATTEMPTS,
        3,
        "Busy",
    )
    assert subscription.delivered == []
    assert fulfilment.fulfilled == []


async def test_a_batch_is_retried_whole_and_orders_done_before_are_skipped(
    eventgrid, subscribe, publish, order_created, fulfilment
):
    subscription = subscribe(max_events_per_batch=10)
    fulfilment.fail("order-2", TransientError("warehouse unavailable"))
    ids = await publish(order_created("order-1"), order_created("order-2"))

    attempts = await eventgrid.deliver_async(drain=True)

    assert outcomes(attempts) == [(0, 503, "Busy"), (30, 200, "Succeeded")]
    assert [[event["id"] for event in attempt.events] for attempt in attempts] == [ids, ids]
    assert [event["id"] for event in subscription.delivered] == ids
    assert fulfilment.attempts == ["order-1", "order-2", "order-2"]
    assert fulfilment.fulfilled == ["order-1", "order-2"]


async def test_the_subscription_filter_keeps_other_events_from_the_webhook(
    eventgrid, subscribe, publish, event, order_created, fulfilment
):
    subscription = subscribe(filter={"includedEventTypes": [ORDER_CREATED]})
    [shipped, created] = await publish(
        event("Order.Shipped", {"order_id": "order-1"}), order_created("order-2")
    )

    await eventgrid.deliver_async(drain=True)

    assert [delivered["id"] for delivered in subscription.delivered] == [created]
    assert shipped not in {delivered["id"] for delivered in subscription.delivered}
    assert subscription.dead_lettered == []
    assert fulfilment.fulfilled == ["order-2"]
