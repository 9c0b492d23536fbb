"""The emulator pushes to webhooks by itself, over real HTTP: the handshake, the
deliveries, the retry schedule and dead letters, to a real local webhook server."""

from __future__ import annotations

import time
from typing import Any

from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent, EventGridPublisherClient

from pytest_eventgrid import EventGridServer, serve

from ._waits import eventually
from ._webhook import FAST, Webhook


def subscribed(webhook: Webhook, schema: str | None = None, **settings: Any) -> dict[str, Any]:
    declaration: dict[str, Any] = {
        "subscriptions": {"billing": {"endpoint": webhook.url, **settings}}
    }
    if schema is not None:
        declaration["schema"] = schema
    return {"orders": declaration}


def order(number: int = 1) -> EventGridEvent:
    return EventGridEvent(
        subject=f"orders/{number}", event_type="Order.Created", data={"n": number}, data_version="1"
    )


def publish(server: EventGridServer, *events: Any) -> None:
    with EventGridPublisherClient(
        server.basic_endpoint("orders"), AzureKeyCredential(server.key)
    ) as publisher:
        publisher.send(list(events))


def test_the_webhook_gets_the_handshake_then_the_events(webhook: Webhook) -> None:
    with serve(basic_topics=subscribed(webhook), time_scale=FAST) as server:
        webhook.wait_for(lambda: webhook.kinds == ["validation"])
        publish(server, order(1), order(2))
        webhook.wait_for(lambda: len(webhook.deliveries) == 2)
        billing = server.eventgrid.basic_topic("orders").subscription("billing")
        eventually(lambda: len(billing.attempts) == 2)

    assert webhook.kinds == ["validation", "delivery", "delivery"]
    delivery = webhook.deliveries[0]
    assert delivery.headers["aeg-event-type"] == "Notification"
    assert delivery.headers["aeg-subscription-name"] == "BILLING"
    assert [event["data"] for request in webhook.deliveries for event in request.body] == [
        {"n": 1},
        {"n": 2},
    ]
    assert billing.validation == "succeeded"
    assert [(a.status, a.outcome) for a in billing.attempts] == [(200, "Succeeded")] * 2
    operations = [
        (e.operation, e.subscription, e.status)
        for e in server.eventgrid.timeline
        if e.topic == "orders"
    ]
    assert operations == [
        ("validate", "billing", 200),
        ("send", None, 200),
        ("deliver", "billing", 200),
        ("deliver", "billing", 200),
    ]


def test_a_cloudevents_subscription_gets_the_abuse_protection_handshake(
    webhook: Webhook,
) -> None:
    with serve(basic_topics=subscribed(webhook, "cloudevents"), time_scale=FAST) as server:
        webhook.wait_for(lambda: webhook.kinds == ["options"])
        publish(server, CloudEvent(source="/shop", type="Order.Created", data={"n": 1}))
        webhook.wait_for(lambda: len(webhook.deliveries) == 1)

    assert webhook.deliveries[0].headers["content-type"].startswith("application/cloudevents")
    assert webhook.deliveries[0].body["type"] == "Order.Created"


def test_a_busy_webhook_is_retried_on_the_schedule(webhook: Webhook) -> None:
    webhook.statuses = [503]
    with serve(basic_topics=subscribed(webhook), time_scale=FAST) as server:
        publish(server, order())
        webhook.wait_for(lambda: len(webhook.deliveries) == 2)
        billing = server.eventgrid.basic_topic("orders").subscription("billing")
        eventually(lambda: len(billing.attempts) == 2)

    first, retry = billing.attempts
    assert [(a.status, a.delivery_count) for a in (first, retry)] == [(503, 0), (200, 1)]
    assert retry.time - first.time >= 30  # a 503 waits 30 s at least (10 s scheduled)
    assert webhook.deliveries[1].headers["aeg-delivery-count"] == "1"
    assert [e.status for e in server.eventgrid.timeline if e.operation == "deliver"] == [503, 200]


def test_a_failing_webhook_ends_in_a_dead_letter(webhook: Webhook) -> None:
    webhook.statuses = [500] * 10
    declared = subscribed(webhook, max_delivery_attempts=3)
    with serve(basic_topics=declared, time_scale=FAST) as server:
        publish(server, order())
        billing = server.eventgrid.basic_topic("orders").subscription("billing")
        eventually(lambda: billing.dead_lettered)
        timeline = server.eventgrid.timeline

    [dead] = billing.dead_lettered
    assert (dead.reason, dead.delivery_attempts) == ("MaxDeliveryAttemptsExceeded", 3)
    assert (dead.last_delivery_outcome, billing.pending) == ("GenericError", 0)
    assert [a.delivery_count for a in billing.attempts] == [0, 1, 2]
    assert len(webhook.deliveries) == 3
    deliveries = [e for e in timeline if e.operation == "deliver"]
    assert [(e.status, e.detail) for e in deliveries] == [(500, "refused")] * 3


def test_a_failed_handshake_means_no_deliveries_and_does_not_stop_the_server(
    webhook: Webhook,
) -> None:
    webhook.handshake = False
    with serve(basic_topics=subscribed(webhook), time_scale=FAST) as server:
        billing = server.eventgrid.basic_topic("orders").subscription("billing")
        eventually(lambda: billing.validation == "failed")
        publish(server, order())
        server.eventgrid.assert_published(type="Order.Created")

    assert webhook.kinds == ["validation"]
    assert (billing.attempts, billing.pending) == ([], 0)
    [validate] = [e for e in server.eventgrid.timeline if e.operation == "validate"]
    assert (validate.status, validate.detail) == (404, "refused")


def test_an_unreachable_webhook_fails_its_handshake_at_once() -> None:
    declared = {"orders": {"subscriptions": {"billing": {"endpoint": "http://127.0.0.1:9/x"}}}}
    with serve(basic_topics=declared) as server:
        billing = server.eventgrid.basic_topic("orders").subscription("billing")
        eventually(lambda: billing.validation == "failed")
        [validate] = [e for e in server.eventgrid.timeline if e.operation == "validate"]
    assert validate.status == 0
    assert "ConnectError" in validate.detail


def test_on_a_virtual_clock_a_retry_waits_for_an_advance(webhook: Webhook) -> None:
    webhook.statuses = [503]
    with serve(basic_topics=subscribed(webhook), clock="virtual") as server:
        publish(server, order())
        webhook.wait_for(lambda: len(webhook.deliveries) == 1)
        billing = server.eventgrid.basic_topic("orders").subscription("billing")
        eventually(lambda: billing.pending == 1)
        server.eventgrid.clock.advance(29)  # the retry is not due yet: nothing is sent
        assert len(webhook.deliveries) == 1
        server.eventgrid.clock.advance(1)
        webhook.wait_for(lambda: len(webhook.deliveries) == 2)
        eventually(lambda: len(billing.delivered) == 1)
    assert [(a.status, a.time) for a in billing.attempts] == [(503, 0.0), (200, 30.0)]


def test_after_a_reset_the_declared_subscription_shakes_hands_again(webhook: Webhook) -> None:
    with serve(basic_topics=subscribed(webhook), time_scale=FAST) as server:
        webhook.wait_for(lambda: webhook.kinds == ["validation"])
        server.reset()
        webhook.wait_for(lambda: webhook.kinds == ["validation", "validation"])
        publish(server, order())
        webhook.wait_for(lambda: len(webhook.deliveries) == 1)
        billing = server.eventgrid.basic_topic("orders").subscription("billing")
        eventually(lambda: len(billing.delivered) == 1)


def test_a_delivery_in_flight_at_stop_is_kept_as_never_sent(webhook: Webhook) -> None:
    webhook.holding = True
    server = serve(basic_topics=subscribed(webhook), time_scale=FAST).start()
    try:
        publish(server, order())
        webhook.wait_for(lambda: len(webhook.deliveries) == 1)
        started = time.monotonic()
        server.stop()
        took = time.monotonic() - started
    finally:
        webhook.hold.set()
        server.stop()
    billing = server.eventgrid.basic_topic("orders").subscription("billing")
    assert (billing.attempts, billing.pending) == ([], 1)
    assert took < 2
