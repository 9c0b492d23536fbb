"""The assertions of a push subscription view: `assert_delivered()`,
`assert_not_delivered()` and `assert_dead_lettered()`, on namespace push and Basic
webhooks, after sync and async deliveries."""

from __future__ import annotations

import json

import httpx
import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from pytest_eventgrid import EventGrid, PushSubscriptionView, UsageError
from pytest_eventgrid.match import contains, regex

CONSENT = httpx.Response(200, headers={"WebHook-Allowed-Origin": "*"})
DOCS = "https://pytest-eventgrid.readthedocs.io/en/latest/guide/assertions/"


def refuses_bad_orders(request: httpx.Request) -> httpx.Response:
    """A handler that consents, takes orders, and answers 400 to one marked bad."""
    if request.method == "OPTIONS":
        return CONSENT
    return httpx.Response(400 if json.loads(request.content)["data"].get("bad") else 200)


def order(number: int, **data: object) -> CloudEvent:  # type: ignore[type-arg]
    return CloudEvent(
        source="/shop", type="Order.Created", id=f"o-{number}", data={"n": number, **data}
    )


def publish(eventgrid: EventGrid, *events: CloudEvent) -> None:  # type: ignore[type-arg]
    with eventgrid.publisher("orders") as publisher:
        publisher.send(list(events))


@pytest.fixture
def hook(eventgrid: EventGrid) -> PushSubscriptionView:
    return eventgrid.topic("orders").subscribe("hook", refuses_bad_orders)


def test_delivered_events_match_and_are_returned(
    eventgrid: EventGrid, hook: PushSubscriptionView
) -> None:
    publish(eventgrid, order(1), order(2), order(3, bad=True))
    eventgrid.deliver()

    matches = hook.assert_delivered(type="Order.Created", count=2)

    assert [event.id for event in matches] == ["o-1", "o-2"]
    assert [event.data for event in hook.assert_delivered(data={"n": 2})] == [{"n": 2}]
    hook.assert_not_delivered(data=contains({"bad": True}))


def test_a_miss_lists_the_delivered_events_and_the_subscription(
    eventgrid: EventGrid, hook: PushSubscriptionView
) -> None:
    publish(eventgrid, order(1), order(3, bad=True))
    eventgrid.deliver()

    with pytest.raises(AssertionError) as raised:
        hook.assert_delivered(data={"n": 2})

    message = str(raised.value)
    assert message.startswith("No event delivered by push subscription 'hook' matches.")
    assert "1. id='o-1' type='Order.Created' source='/shop' -- differs in data" in message
    assert (
        "Push subscription now: validation=succeeded attempts=2 delivered=1 pending=0 "
        "dead_lettered=1 dropped=0"
    ) in message
    assert "no attempt was made" not in message
    assert message.endswith(f"See {DOCS}#push-assert-delivered")


def test_a_miss_before_any_delivery_says_to_deliver(
    eventgrid: EventGrid, hook: PushSubscriptionView
) -> None:
    publish(eventgrid, order(1))

    with pytest.raises(AssertionError, match=r"pending=1") as raised:
        hook.assert_delivered(type="Order.Created")

    assert "deliver them with eventgrid.deliver()" in str(raised.value)


def test_assert_not_delivered_fails_on_a_delivered_match(
    eventgrid: EventGrid, hook: PushSubscriptionView
) -> None:
    publish(eventgrid, order(1))
    eventgrid.deliver()

    with pytest.raises(AssertionError, match="o-1"):
        hook.assert_not_delivered(type="Order.Created")


def test_dead_letters_match_on_their_reason(
    eventgrid: EventGrid, hook: PushSubscriptionView
) -> None:
    publish(eventgrid, order(1), order(3, bad=True))
    eventgrid.deliver()

    [letter] = hook.assert_dead_lettered(reason="NonRetriableDeliveryFailure")

    assert letter.id == "o-3"
    with pytest.raises(AssertionError, match="differs in reason") as raised:
        hook.assert_dead_lettered(reason=regex("MaxDelivery"))
    assert str(raised.value).endswith(f"See {DOCS}#push-assert-dead-lettered")


def test_count_must_be_an_int(eventgrid: EventGrid, hook: PushSubscriptionView) -> None:
    with pytest.raises(UsageError, match="count takes an int or None, got '1'"):
        hook.assert_delivered(count="1")  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_after_an_async_drain(eventgrid: EventGrid) -> None:
    answers = iter([503, 200])

    def flaky(request: httpx.Request) -> httpx.Response:
        return CONSENT if request.method == "OPTIONS" else httpx.Response(next(answers))

    hook = eventgrid.topic("orders").subscribe("flaky", flaky)
    async with eventgrid.aio_publisher("orders") as publisher:
        await publisher.send(order(1))

    await eventgrid.deliver_async(drain=True)

    hook.assert_delivered(id="o-1", count=1)
    assert [attempt.status for attempt in hook.attempts] == [503, 200]


def test_basic_webhooks_match_event_grid_events_as_cloudevents(eventgrid: EventGrid) -> None:
    shop = eventgrid.basic_topic("shop")
    hook = shop.subscribe("hook", lambda request: 200, validate=False)
    with eventgrid.basic_publisher("shop") as publisher:
        publisher.send(
            EventGridEvent(
                subject="orders/1", event_type="Order.Created", data={"n": 1}, data_version="1"
            )
        )
    eventgrid.deliver()

    [event] = hook.assert_delivered(type="Order.Created", subject="orders/1")

    assert event.source.endswith("/providers/Microsoft.EventGrid/topics/shop")
    assert event.data == {"n": 1}


def test_event_hub_subscriptions_assert_too(eventgrid: EventGrid) -> None:
    hub = eventgrid.event_hub("orders-hub")
    to_hub = eventgrid.topic("orders").subscribe("to-hub", hub)
    publish(eventgrid, order(1))
    eventgrid.deliver()

    to_hub.assert_delivered(id="o-1")
