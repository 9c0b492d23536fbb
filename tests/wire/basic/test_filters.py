"""Subscription filters on Basic topics and domains, end to end: only what passes
reaches the webhook (semantics §5; the rules are table-tested in tests/broker)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from pytest_eventgrid import EventGrid

from ._support import Endpoint
from .conftest import Deliver

pytestmark = pytest.mark.asyncio


def order(
    number: int, kind: str = "Order.Created", subject: str = "", **data: Any
) -> EventGridEvent:
    return EventGridEvent(
        id=f"e{number}",
        subject=subject or f"orders/{number}",
        event_type=kind,
        data=data,
        data_version="1",
    )


def payment(number: int, kind: str = "Payment.Captured", **fields: Any) -> CloudEvent:
    fields.setdefault("data", {})
    return CloudEvent(source="/payments", type=kind, id=f"c{number}", **fields)


async def delivered_ids(
    eventgrid: EventGrid,
    deliver: Deliver,
    filter: dict[str, Any],
    events: list[Any],
    *,
    topic: str = "orders",
    schema: str | None = None,
) -> list[str]:
    """The ids a subscription with `filter` is sent, of `events` published to `topic`."""
    endpoint = Endpoint()
    view = eventgrid.basic_topic(topic, schema=schema)
    view.subscribe("filtered", endpoint, filter=filter, validate=False)
    with eventgrid.basic_publisher(topic) as publisher:
        publisher.send(events)
    await deliver()
    return [body[0]["id"] if isinstance(body, list) else body["id"] for body in endpoint.bodies()]


async def test_included_event_types_ignore_case(eventgrid: EventGrid, deliver: Deliver) -> None:
    events = [
        order(1, "Order.Created"),
        order(2, "Order.Shipped"),
        order(3, "ORDER.CREATED"),
        order(4, "Order.Cancelled"),
    ]
    ids = await delivered_ids(
        eventgrid, deliver, {"includedEventTypes": ["order.created", "Order.Cancelled"]}, events
    )

    assert ids == ["e1", "e3", "e4"]


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"subjectBeginsWith": "orders/eu/"}, ["e1", "e2"]),
        ({"subjectEndsWith": ".pdf"}, ["e2", "e3"]),
        ({"subjectBeginsWith": "orders/eu/", "subjectEndsWith": ".PDF"}, ["e2"]),
        (
            {"subjectBeginsWith": "orders/eu/", "isSubjectCaseSensitive": True},
            ["e1"],
        ),
    ],
    ids=["begins", "ends", "both", "case-sensitive"],
)
async def test_subject_filters(
    eventgrid: EventGrid, deliver: Deliver, filter: dict[str, Any], expected: list[str]
) -> None:
    events = [
        order(1, subject="orders/eu/1.json"),
        order(2, subject="Orders/EU/2.pdf"),
        order(3, subject="orders/us/3.pdf"),
    ]

    assert await delivered_ids(eventgrid, deliver, filter, events) == expected


async def test_advanced_filters_on_nested_data_all_must_pass(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    events = [
        order(1, customer={"tier": "Gold", "country": "NL"}, total=250),
        order(2, customer={"tier": "gold", "country": "US"}, total=50),
        order(3, customer={"tier": "silver", "country": "NL"}, total=900),
        order(4, total=400),  # no customer: StringIn does not match a missing key
        order(5, customer={"tier": "platinum"}, total=100),
    ]
    filter = {
        "advancedFilters": [
            {
                "operatorType": "StringIn",
                "key": "data.customer.tier",
                "values": ["gold", "platinum"],
            },
            {"operatorType": "NumberGreaterThanOrEquals", "key": "data.total", "value": 100},
        ]
    }

    assert await delivered_ids(eventgrid, deliver, filter, events) == ["e1", "e5"]


async def test_filters_of_cloud_events_read_their_attributes(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    events = [
        payment(1, data={"amount": 30}, extensions={"tenant": "contoso"}, subject="eu/1"),
        payment(2, data={"amount": 30}, extensions={"tenant": "fabrikam"}, subject="eu/2"),
        payment(3, "Payment.Refunded", data={"amount": 30}, extensions={"tenant": "contoso"}),
        payment(4, data={"amount": 5}, extensions={"tenant": "contoso"}, subject="eu/4"),
        payment(5, data={"amount": 99}, extensions={"tenant": "contoso"}, subject="us/5"),
    ]
    filter = {
        "includedEventTypes": ["Payment.Captured"],
        "subjectBeginsWith": "eu/",
        "advancedFilters": [
            {"operatorType": "StringIn", "key": "tenant", "values": ["Contoso"]},
            {"operatorType": "NumberInRange", "key": "data.amount", "values": [[10, 50]]},
        ],
    }

    ids = await delivered_ids(eventgrid, deliver, filter, events, schema="cloudevents")

    assert ids == ["c1"]


async def test_on_a_topic_of_no_fixed_schema_a_filter_reads_each_event_in_its_own(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    # The subscription delivers in the Event Grid schema, the events are CloudEvents:
    # `includedEventTypes` still reads their `type`.
    ids = await delivered_ids(
        eventgrid,
        deliver,
        {"includedEventTypes": ["Payment.Captured"]},
        [payment(1), payment(2, "Payment.Refunded")],
    )

    assert ids == ["c1"]


async def test_a_domain_subscription_sees_every_topic_and_a_topic_subscription_its_own(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    shop = eventgrid.domain("shop")
    everything, orders_only, large_orders = Endpoint(), Endpoint(), Endpoint()
    shop.subscribe("everything", everything, validate=False)
    shop.topic("orders").subscribe("orders-only", orders_only, validate=False)
    shop.topic("orders").subscribe(
        "large-orders",
        large_orders,
        validate=False,
        filter={
            "advancedFilters": [
                {"operatorType": "NumberGreaterThan", "key": "data.total", "value": 100}
            ]
        },
    )
    with eventgrid.basic_publisher("shop") as publisher:
        publisher.send(
            [
                EventGridEvent(
                    topic=topic,
                    id=f"e{n}",
                    subject="s",
                    event_type="T",
                    data={"total": total},
                    data_version="1",
                )
                for n, (topic, total) in enumerate(
                    [("orders", 500), ("refunds", 900), ("orders", 5)]
                )
            ]
        )

    await deliver()

    def ids(endpoint: Endpoint) -> list[str]:
        return [body[0]["id"] for body in endpoint.bodies()]

    assert ids(everything) == ["e0", "e1", "e2"]
    assert ids(orders_only) == ["e0", "e2"]
    assert ids(large_orders) == ["e0"]
