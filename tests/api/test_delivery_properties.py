"""Delivery properties: static and dynamic (a JSON path into the event) headers of
webhook deliveries, Basic and namespace, and properties of Event Hubs messages; secret
values; the service's limits; declared too; sync and async."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from pytest_eventgrid import EventGrid, UsageError, mock_eventgrid

ALLOWED = {"WebHook-Allowed-Origin": "eventgrid.azure.net"}
PROPERTIES = {
    "Authorization": {"value": "Bearer s3cret", "secret": True},
    "Channel": "web",
    "Order-Id": {"source_field": "data.orderId"},
    "Rush": {"source_field": "data.rush"},
    "Origin-Subject": {"source_field": "subject"},
}


class Hook:
    """A webhook as a callable: consents to the handshakes, keeps each delivery."""

    def __init__(self) -> None:
        self.deliveries: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> Any:
        if request.method == "OPTIONS":
            return httpx.Response(200, headers=ALLOWED)
        body = request.read()
        if request.headers.get("aeg-event-type") == "SubscriptionValidation":
            return {
                "validationResponse": httpx.Response(200, content=body).json()[0]["data"][
                    "validationCode"
                ]
            }
        self.deliveries.append(request)
        return 200


class AsyncHook(Hook):
    async def __call__(self, request: httpx.Request) -> Any:
        return super().__call__(request)


def order(number: int = 1, **data: Any) -> CloudEvent:  # type: ignore[type-arg]
    return CloudEvent(
        source="/shop",
        type="Order.Created",
        subject=f"/orders/{number}",
        data={"orderId": number, **data},
        id=f"order-{number}",
    )


def publish(eventgrid: EventGrid, *events: CloudEvent) -> None:  # type: ignore[type-arg]
    with eventgrid.publisher("orders") as publisher:
        publisher.send(list(events))


def custom(request: httpx.Request) -> dict[str, str]:
    wanted = {"authorization", "channel", "order-id", "rush", "origin-subject"}
    return {name: value for name, value in request.headers.items() if name in wanted}


# -- namespace push ----------------------------------------------------------------------------


def test_namespace_webhook_deliveries_carry_static_and_dynamic_headers(
    eventgrid: EventGrid,
) -> None:
    hook = Hook()
    eventgrid.topic("orders").subscribe("hook", hook, delivery_properties=PROPERTIES)
    publish(eventgrid, order(7, rush=True), order(8, rush={"not": "a scalar"}))
    eventgrid.deliver()
    first, second = (custom(request) for request in hook.deliveries)
    assert first == {
        "authorization": "Bearer s3cret",  # a secret is sent as it is
        "channel": "web",
        "order-id": "7",  # a number, as JSON writes it
        "rush": "true",
        "origin-subject": "/orders/7",
    }
    assert "rush" not in second  # an object is not a header value: left out
    assert second["order-id"] == "8"


def test_a_batch_takes_its_first_events_values(eventgrid: EventGrid) -> None:
    hook = Hook()
    eventgrid.topic("orders").subscribe(
        "hook",
        hook,
        max_events_per_batch=5,
        delivery_properties={"Order-Id": {"source_field": "data.orderId"}},
    )
    publish(eventgrid, order(1), order(2))
    eventgrid.deliver()
    [request] = hook.deliveries
    assert request.headers["order-id"] == "1"


@pytest.mark.asyncio
async def test_namespace_headers_with_deliver_async(eventgrid: EventGrid) -> None:
    hook = AsyncHook()
    eventgrid.topic("orders").subscribe("hook", hook, delivery_properties={"Channel": "web"})
    async with eventgrid.aio_publisher("orders") as publisher:
        await publisher.send(order(1))
    await eventgrid.deliver_async()
    [request] = hook.deliveries
    assert request.headers["channel"] == "web"


def test_event_hub_messages_carry_properties_and_a_partition_key(eventgrid: EventGrid) -> None:
    hub = eventgrid.event_hub("orders-hub")
    eventgrid.topic("orders").subscribe(
        "to-hub",
        hub,
        max_events_per_batch=10,
        delivery_properties={
            "PartitionKey": {"source_field": "data.customer"},
            "Tenant": "contoso",
            "Missing": {"source_field": "data.nothing.here"},
        },
    )
    publish(eventgrid, order(1, customer="c-1"), order(2, customer="c-2"))
    eventgrid.deliver()
    [batch] = hub.batches
    assert [m.partition_key for m in batch.messages] == ["c-1", "c-2"]  # each its own
    assert batch.messages[0].properties["Tenant"] == "contoso"
    assert "PartitionKey" not in batch.messages[0].properties
    assert "Missing" not in batch.messages[0].properties  # no value found: left out


@pytest.mark.asyncio
async def test_event_hub_properties_with_deliver_async(eventgrid: EventGrid) -> None:
    hub = eventgrid.event_hub("orders-hub")
    eventgrid.topic("orders").subscribe("to-hub", hub, delivery_properties={"PartitionKey": "p1"})
    async with eventgrid.aio_publisher("orders") as publisher:
        await publisher.send(order(1))
    await eventgrid.deliver_async()
    assert [m.partition_key for m in hub.messages] == ["p1"]


# -- Basic webhooks ----------------------------------------------------------------------------


def test_basic_webhook_deliveries_carry_headers(eventgrid: EventGrid) -> None:
    hook = Hook()
    eventgrid.basic_topic("shop").subscribe(
        "hook",
        hook,
        delivery_properties={"Channel": "web", "Order-Id": {"source_field": "data.orderId"}},
    )
    with eventgrid.basic_publisher("shop") as publisher:
        publisher.send(EventGridEvent("/orders/3", "Order.Created", {"orderId": "A-3"}, "1.0"))
    eventgrid.deliver()
    [request] = hook.deliveries
    assert (request.headers["channel"], request.headers["order-id"]) == ("web", "A-3")


@pytest.mark.asyncio
async def test_basic_webhook_headers_with_deliver_async(eventgrid: EventGrid) -> None:
    hook = AsyncHook()
    eventgrid.basic_topic("shop").subscribe(
        "hook", hook, delivery_properties={"Subject": {"source_field": "subject"}}
    )
    async with eventgrid.aio_basic_publisher("shop") as publisher:
        await publisher.send(EventGridEvent("/orders/3", "Order.Created", {}, "1.0"))
    await eventgrid.deliver_async()
    [request] = hook.deliveries
    assert request.headers["subject"] == "/orders/3"


def test_the_view_shows_them_as_the_service_does_a_secret_hidden(eventgrid: EventGrid) -> None:
    view = eventgrid.basic_topic("shop").subscribe(
        "hook", Hook(), validate=False, delivery_properties=PROPERTIES
    )
    assert view.delivery_properties[:3] == [
        {
            "name": "Authorization",
            "type": "Static",
            "properties": {"value": None, "isSecret": True},
        },
        {"name": "Channel", "type": "Static", "properties": {"value": "web", "isSecret": False}},
        {"name": "Order-Id", "type": "Dynamic", "properties": {"sourceField": "data.orderId"}},
    ]


def test_the_services_mapping_list_is_taken_too(eventgrid: EventGrid) -> None:
    mappings = [
        {"name": "somestaticname", "type": "Static", "properties": {"value": "somestaticvalue"}},
        {"name": "somedynamicname", "type": "Dynamic", "properties": {"sourceField": "subject"}},
    ]
    hub = eventgrid.event_hub("orders-hub")
    view = eventgrid.topic("orders").subscribe("to-hub", hub, delivery_properties=mappings)
    assert [m["name"] for m in view.delivery_properties] == ["somestaticname", "somedynamicname"]
    publish(eventgrid, order(4))
    eventgrid.deliver()
    properties = hub.messages[0].properties
    assert (properties["somestaticname"], properties["somedynamicname"]) == (
        "somestaticvalue",
        "/orders/4",
    )


# -- declared ----------------------------------------------------------------------------------


@pytest.mark.eventgrid(
    topics={
        "orders": {
            "to-hub": {"endpoint": {"event_hub": "h"}, "delivery_properties": {"Tenant": "t1"}}
        }
    },
    basic_topics={
        "shop": {
            "subscriptions": {
                "hook": {
                    "endpoint": "https://hook.test/api",
                    "delivery_properties": {"Channel": "web"},
                }
            }
        }
    },
)
def test_declared_everywhere(eventgrid: EventGrid) -> None:
    push = eventgrid.topic("orders").push_subscription("to-hub")
    assert push.delivery_properties[0]["name"] == "Tenant"
    [hook] = eventgrid.basic_topic("shop").subscriptions
    assert hook.delivery_properties[0]["properties"]["value"] == "web"


def test_a_bad_declaration_names_the_place() -> None:
    bad = {
        "orders": {
            "to-hub": {"endpoint": {"event_hub": "h"}, "delivery_properties": {"aeg-x": "1"}}
        }
    }
    with (
        pytest.raises(UsageError, match=r"topics=\{'orders': \{'to-hub': \.\.\.\}\}.*aeg-"),
        mock_eventgrid(topics=bad),
    ):
        pass


# -- limits and shapes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        (
            {f"H{i}": "v" for i in range(11)},
            "has 11 delivery properties; the service takes at most 10",
        ),
        ({"Big": "x" * 4097}, r"value is 4097 bytes; the service takes at most 4096 \(4K\)"),
        ({"aeg-subscription-name": "x"}, "the aeg- prefix is the service's own"),
        ({"Content-Type": "text/plain"}, "written by the delivery itself"),
        ({"Bad Name": "x"}, "an HTTP header name"),
        ({"H" * 256: "x"}, "is 256 characters; the fake takes at most 255"),
        ({"Channel": "a", "channel": "b"}, "sets 'channel' twice"),
        ({"Channel": 5}, r"\['Channel'\]: got 5"),
        ({"Channel": {"value": "a", "secret": "yes"}}, r"\['Channel'\] secret: got 'yes'"),
        ({"Channel": {"source_field": "data..["}}, "is not a JSON path"),
        ({"Channel": {"value": "a", "source_field": "subject"}}, r"\['Channel'\]: got"),
        ("Channel: web", "Expected a mapping of header names"),
        ([{"name": "X", "type": "Computed", "properties": {}}], "item type: got 'Computed'"),
    ],
)
def test_misuse_is_a_usage_error_with_the_limit(
    eventgrid: EventGrid, properties: Any, message: str
) -> None:
    with pytest.raises(UsageError, match=message) as raised:
        eventgrid.topic("orders").subscribe(
            "to-hub", {"event_hub": "h"}, delivery_properties=properties
        )
    assert "subscribe(delivery_properties=)" in str(raised.value)
    assert "namespace-push/#delivery-properties" in str(raised.value)


def test_basic_misuse_links_the_webhooks_guide(eventgrid: EventGrid) -> None:
    with pytest.raises(UsageError, match="webhooks/#delivery-properties"):
        eventgrid.basic_topic("shop").subscribe(
            "hook", Hook(), validate=False, delivery_properties={"aeg-x": "1"}
        )


def test_a_dynamic_value_over_the_limit_is_left_out(eventgrid: EventGrid) -> None:
    hook = Hook()
    eventgrid.topic("orders").subscribe(
        "hook", hook, delivery_properties={"Note": {"source_field": "data.note"}}
    )
    publish(eventgrid, order(1, note="x" * 4097))
    eventgrid.deliver()
    assert "note" not in hook.deliveries[0].headers
