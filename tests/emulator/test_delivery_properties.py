"""The emulator sends a subscription's delivery properties as HTTP headers of its
webhook deliveries, over real HTTP."""

from __future__ import annotations

from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridPublisherClient

from pytest_eventgrid import serve

from ._webhook import FAST, Webhook


def test_delivery_properties_are_headers_over_http(webhook: Webhook) -> None:
    properties = {
        "Authorization": {"value": "Bearer s3cret", "secret": True},
        "Order-Id": {"source_field": "data.orderId"},
    }
    topics = {"orders": {"billing": {"endpoint": webhook.url, "delivery_properties": properties}}}
    with serve(topics=topics, time_scale=FAST) as server:
        webhook.wait_for(lambda: webhook.kinds == ["options"])
        with EventGridPublisherClient(
            server.endpoint, AzureKeyCredential(server.key), namespace_topic="orders"
        ) as publisher:
            publisher.send(CloudEvent(source="/shop", type="Order.Created", data={"orderId": 42}))
        webhook.wait_for(lambda: len(webhook.deliveries) == 1)
        [delivery] = webhook.deliveries
        assert delivery.headers["authorization"] == "Bearer s3cret"
        assert delivery.headers["order-id"] == "42"
