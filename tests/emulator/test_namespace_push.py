"""The emulator pushes from namespace push subscriptions by itself, over real HTTP:
the abuse-protection handshake, CloudEvents deliveries and the namespace retry schedule,
to a real local webhook server."""

from __future__ import annotations

from typing import Any

from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridPublisherClient

from pytest_eventgrid import serve

from ._waits import eventually
from ._webhook import FAST, Webhook


def declared(webhook: Webhook, **settings: Any) -> dict[str, Any]:
    return {"orders": {"billing": {"endpoint": webhook.url, **settings}, "audit": None}}


def test_a_namespace_push_subscription_is_delivered_over_http(webhook: Webhook) -> None:
    webhook.statuses = [500]
    with serve(topics=declared(webhook), time_scale=FAST) as server:
        webhook.wait_for(lambda: webhook.kinds == ["options"])
        with EventGridPublisherClient(
            server.endpoint, AzureKeyCredential(server.key), namespace_topic="orders"
        ) as publisher:
            publisher.send(CloudEvent(source="/shop", type="Order.Created", data={"n": 1}))
        webhook.wait_for(lambda: len(webhook.deliveries) == 2)
        billing = server.eventgrid.topic("orders").push_subscription("billing")
        eventually(lambda: len(billing.attempts) == 2)
        audit = server.eventgrid.topic("orders").subscription("audit")

        first, retry = billing.attempts
        assert [(a.status, a.delivery_count) for a in (first, retry)] == [(500, 0), (200, 1)]
        assert retry.time - first.time >= 10  # the namespace schedule: 0 s, then 10 s
        delivery = webhook.deliveries[0]
        assert delivery.headers["content-type"] == "application/cloudevents+json; charset=utf-8"
        assert delivery.headers["aeg-subscription-name"] == "BILLING"
        assert delivery.body["data"] == {"n": 1}
        assert [event.type for event in audit.available] == ["Order.Created"]  # pull too
