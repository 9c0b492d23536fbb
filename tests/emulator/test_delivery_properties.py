"""The emulator sends a subscription's delivery properties as HTTP headers of its
webhook deliveries, over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridPublisherClient

from pytest_eventgrid import serve

from .test_push import FAST, HANG_GUARD, Webhook, _handler


@pytest.fixture
def hook() -> Iterator[Webhook]:
    webhook = Webhook()
    http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(webhook))
    webhook.url = f"http://127.0.0.1:{http.server_address[1]}/api/events"
    thread = threading.Thread(target=http.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield webhook
    http.shutdown()
    http.server_close()
    thread.join(HANG_GUARD)


def test_delivery_properties_are_headers_over_http(hook: Webhook) -> None:
    properties = {
        "Authorization": {"value": "Bearer s3cret", "secret": True},
        "Order-Id": {"source_field": "data.orderId"},
    }
    topics = {"orders": {"billing": {"endpoint": hook.url, "delivery_properties": properties}}}
    with serve(topics=topics, time_scale=FAST) as server:
        hook.wait_for(lambda: hook.kinds == ["options"])
        with EventGridPublisherClient(
            server.endpoint, AzureKeyCredential(server.key), namespace_topic="orders"
        ) as publisher:
            publisher.send(CloudEvent(source="/shop", type="Order.Created", data={"orderId": 42}))
        hook.wait_for(lambda: len(hook.deliveries) == 1)
        [delivery] = hook.deliveries
        assert delivery.headers["authorization"] == "Bearer s3cret"
        assert delivery.headers["order-id"] == "42"
