"""The emulator pushes from namespace push subscriptions by itself, over real HTTP:
the abuse-protection handshake, CloudEvents deliveries and the namespace retry schedule,
to a real local webhook server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridPublisherClient

from pytest_eventgrid import serve

from .test_push import FAST, HANG_GUARD, Webhook, _handler, wait_until


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hook))
    hook.url = f"http://127.0.0.1:{http.server_address[1]}/api/events"
    thread = threading.Thread(target=http.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield hook
    http.shutdown()
    http.server_close()
    thread.join(HANG_GUARD)


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
        wait_until(lambda: len(billing.attempts) == 2)
        audit = server.eventgrid.topic("orders").subscription("audit")

        first, retry = billing.attempts
        assert [(a.status, a.delivery_count) for a in (first, retry)] == [(500, 0), (200, 1)]
        assert retry.time - first.time >= 10  # the namespace schedule: 0 s, then 10 s
        delivery = webhook.deliveries[0]
        assert delivery.headers["content-type"] == "application/cloudevents+json; charset=utf-8"
        assert delivery.headers["aeg-subscription-name"] == "BILLING"
        assert delivery.body["data"] == {"n": 1}
        assert [event.type for event in audit.available] == ["Order.Created"]  # pull too
