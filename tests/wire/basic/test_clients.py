"""The real SDK's Basic publishers, sync and async (the `door` fixture), end to end:
schemas, what `published` gives back, domains, partner channels, and how the SDK
raises the service's errors."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from pytest_eventgrid import EventGrid

from ._support import SUBSCRIPTION_PATH, BasicDoor

pytestmark = pytest.mark.asyncio

WHEN = datetime(2030, 1, 1, 12, 30, tzinfo=timezone.utc)


def order(number: int = 1, **fields: object) -> EventGridEvent:
    return EventGridEvent(
        id=f"e{number}",
        subject=f"orders/{number}",
        event_type="Order.Created",
        data={"number": number},
        data_version="1.0",
        event_time=WHEN,
        **fields,  # type: ignore[arg-type]
    )


def payment(number: int = 1, **fields: object) -> CloudEvent:
    fields.setdefault("source", "/payments")
    fields.setdefault("data", {"number": number})
    return CloudEvent(type="Payment.Captured", id=f"c{number}", time=WHEN, **fields)


async def test_eventgrid_events_come_back_as_eventgrid_events(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    orders = eventgrid.basic_topic("orders")
    publisher = await door.publisher("orders")

    await publisher.send([order(1), order(2)])

    first, second = orders.published
    assert isinstance(first, EventGridEvent)
    assert (first.id, first.subject, first.event_type) == ("e1", "orders/1", "Order.Created")
    assert (first.data, first.data_version, first.event_time) == ({"number": 1}, "1.0", WHEN)
    assert first.topic == f"{SUBSCRIPTION_PATH}/topics/orders"
    assert first.metadata_version == "1"
    assert second.id == "e2"


async def test_cloud_events_come_back_as_cloud_events(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    payments = eventgrid.basic_topic("payments")
    publisher = await door.publisher("payments")

    await publisher.send(payment(1, subject="p/1", extensions={"tenant": "contoso"}))
    await publisher.send(CloudEvent(source="/files", type="File.Uploaded", data=b"\x00\x01"))

    captured, uploaded = payments.published
    assert isinstance(captured, CloudEvent)
    assert (captured.id, captured.source, captured.type) == ("c1", "/payments", "Payment.Captured")
    assert (captured.data, captured.subject, captured.time) == ({"number": 1}, "p/1", WHEN)
    assert captured.extensions == {"tenant": "contoso"}
    assert uploaded.data == b"\x00\x01"  # sent as data_base64


async def test_custom_schema_events_come_back_as_dicts(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    audit = eventgrid.basic_topic("audit", schema="custom")
    publisher = await door.publisher("audit")

    await publisher.send([{"user": "ada", "action": "login"}, {"user": "bob"}])

    assert audit.published == [{"user": "ada", "action": "login"}, {"user": "bob"}]


async def test_an_invalid_event_is_raised_as_http_response_error(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    orders = eventgrid.basic_topic("orders")
    publisher = await door.publisher("orders")
    # A dict that is neither a whole EventGridEvent nor a CloudEvent is sent as it is.
    incomplete = {"id": "e1", "subject": "s", "eventType": "T", "data": {}, "eventTime": "now"}

    with pytest.raises(HttpResponseError) as raised:
        await publisher.send([incomplete])

    assert raised.value.status_code == 400
    assert raised.value.error is not None
    assert raised.value.error.code == "BadRequest"
    assert raised.value.error.message.startswith(
        "Required property 'dataVersion' not found in JSON. Path '[0]'. Report '"
    )
    assert [detail.code for detail in raised.value.error.details] == ["InputJsonInvalid"]
    assert orders.published == []


async def test_a_cloud_event_to_an_eventgrid_schema_topic_is_refused(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    orders = eventgrid.basic_topic("orders", schema="eventgrid")
    publisher = await door.publisher("orders")

    with pytest.raises(HttpResponseError) as raised:
        await publisher.send(payment())

    assert raised.value.status_code == 400
    assert raised.value.error is not None
    assert raised.value.error.message.startswith(
        "This resource is configured for 'EventGridEvent' schema. Received unexpected "
        "property 'source' in JSON which does not conform to the expected schema. Report '"
    )
    assert orders.published == []


async def test_an_event_over_the_limit_is_raised_as_413(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    uploads = eventgrid.basic_topic("uploads")
    publisher = await door.publisher("uploads")

    with pytest.raises(HttpResponseError) as raised:
        await publisher.send(payment(data="x" * 1_049_600))

    assert raised.value.status_code == 413
    assert raised.value.error is not None
    assert (raised.value.error.code, raised.value.error.message) == (
        "RequestEntityTooLarge",
        "The maximum size (1049600) has been exceeded.",
    )
    assert [detail.code for detail in raised.value.error.details] == ["PayloadTooLarge"]
    assert uploads.published == []


async def test_an_endpoint_without_api_events_is_raised_as_resource_not_found(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    orders = eventgrid.basic_topic("orders")
    publisher = await door.publisher("orders", endpoint=f"https://{orders.host}/")

    with pytest.raises(ResourceNotFoundError) as raised:
        await publisher.send(order())

    # The SDK replaces the service's 404 with its own advice, chained from it.
    assert raised.value.message == (
        "Resource not found. For Event Grid Namespaces, please specify the namespace_topic "
        "name on the client. For Event Grid Basic, do not specify the namespace_topic name."
    )
    service = raised.value.__cause__
    assert isinstance(service, ResourceNotFoundError)
    assert service.status_code == 404
    assert service.error is not None
    assert service.error.message.startswith(
        "No HTTP resource was found that matches the request URI "
        f"'https://{orders.host}/?api-version=2018-01-01'. Report '"
    )
    assert orders.published == []


async def test_a_domain_routes_eventgrid_events_by_topic(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    shop = eventgrid.domain("shop")
    publisher = await door.publisher("shop")
    resource = f"{SUBSCRIPTION_PATH}/domains/shop/topics/refunds"

    await publisher.send(
        [order(1, topic="orders"), order(2, topic=resource), order(3, topic="orders")]
    )

    assert [event.id for event in shop.topic("orders").published] == ["e1", "e3"]
    assert [event.id for event in shop.topic("refunds").published] == ["e2"]
    assert [event.id for event in shop.published] == ["e1", "e2", "e3"]
    # The service stamps the domain topic's full resource id.
    assert {event.topic for event in shop.topic("orders").published} == {
        f"{SUBSCRIPTION_PATH}/domains/shop/topics/orders"
    }


async def test_a_domain_routes_cloud_events_by_source(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    shop = eventgrid.domain("shop")
    publisher = await door.publisher("shop")

    await publisher.send([payment(1, source="payments"), payment(2, source="refunds")])

    assert [event.id for event in shop.topic("payments").published] == ["c1"]
    assert [event.id for event in shop.topic("refunds").published] == ["c2"]
    assert shop.topic("orders").published == []


async def test_a_domain_eventgrid_event_must_name_its_domain_topic(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    shop = eventgrid.domain("shop")
    publisher = await door.publisher("shop")

    with pytest.raises(HttpResponseError) as raised:
        await publisher.send([order(1, topic="orders"), order(2)])

    assert raised.value.status_code == 400
    assert raised.value.error is not None
    assert raised.value.error.message.startswith(
        "The 'topic' property is required for events published to a domain: it names "
        "the domain topic. Path '[1]'. Report '"
    )
    assert shop.published == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("topic", "https://my-source.azurewebsites.net/"),
        ("source", "https://my-source.azurewebsites.net/"),
        ("source", "http://localHost"),
        ("source", "urn:shop:orders"),
    ],
)
async def test_a_domain_refuses_an_absolute_uri_as_domain_topic(
    eventgrid: EventGrid, door: BasicDoor, field: str, value: str
) -> None:
    # ISSUE MicrosoftDocs/azure-docs#43468, Azure/azure-sdk-for-net#25510.
    shop = eventgrid.domain("shop")
    publisher = await door.publisher("shop")
    event = order(1, topic=value) if field == "topic" else payment(1, source=value)

    with pytest.raises(HttpResponseError) as raised:
        await publisher.send([event])

    assert raised.value.status_code == 400
    assert raised.value.error is not None
    assert raised.value.error.code == "BadRequest"
    assert raised.value.error.message.startswith(
        "Required property 'topic' needs to either be a full resource id or should be just "
        f"the name of the domain topic. Found: {value}. Report '"
    )
    assert raised.value.error.details[0].code == "InputJsonInvalid"
    assert shop.published == []


async def test_a_domain_takes_a_full_resource_id_or_a_relative_name(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    shop = eventgrid.domain("shop")
    publisher = await door.publisher("shop")
    resource = f"{SUBSCRIPTION_PATH}/domains/shop/topics/refunds"

    await publisher.send([payment(1, source=resource), payment(2, source="payments")])

    assert [event.id for event in shop.topic("refunds").published] == ["c1"]
    assert [event.id for event in shop.topic("payments").published] == ["c2"]


async def test_a_partner_namespace_keeps_each_requests_channel(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    contoso = eventgrid.partner_namespace("contoso")
    publisher = await door.publisher("contoso")

    await publisher.send(payment(1), channel_name="crm")
    await publisher.send([payment(2), payment(3)])
    await publisher.send(order(4), channel_name="erp")

    assert contoso.channels == ["crm", None, "erp"]  # one per request
    assert [getattr(event, "id", None) for event in contoso.published] == ["c1", "c2", "c3", "e4"]


async def test_a_topic_nobody_declared_is_created_by_its_first_publish(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    publisher = await door.publisher("https://events.westus-1.eventgrid.azure.net/api/events")

    await publisher.send(order())

    assert [event.id for event in eventgrid.basic_topic("events").published] == ["e1"]


async def test_the_sync_client_ignores_transport_and_is_intercepted(eventgrid: EventGrid) -> None:
    class Unreachable:
        """A transport that must never be used."""

        def send(self, request: object, **kwargs: object) -> object:
            raise AssertionError("the sync Basic client used the transport it was given")

    orders = eventgrid.basic_topic("orders")

    with eventgrid.basic_publisher("orders", transport=Unreachable()) as publisher:
        publisher.send(order())

    assert [event.id for event in orders.published] == ["e1"]
