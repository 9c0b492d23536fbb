"""The schema a webhook receives: the subscription's, converted if need be, else the
events' own."""

from __future__ import annotations

import json

import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from pytest_eventgrid import EventGrid

from ._support import Endpoint


def publish(eventgrid: EventGrid, topic: str, event: object) -> None:
    with eventgrid.basic_publisher(topic) as publisher:
        publisher.send([event])


def delivered(endpoint: Endpoint) -> tuple[str, object]:
    [request] = endpoint.deliveries
    return request.headers["content-type"], json.loads(request.content)


def test_eventgrid_events_go_to_a_cloudevents_subscription_converted(eventgrid):
    endpoint = Endpoint()
    topic = eventgrid.basic_topic("orders", schema="eventgrid")
    topic.subscribe("hook", endpoint, schema="cloudevents", validate=False)
    publish(
        eventgrid,
        "orders",
        EventGridEvent(
            subject="orders/1",
            event_type="Order.Created",
            data={"id": 1},
            data_version="2.0",
            id="e-1",
        ),
    )

    eventgrid.deliver()

    content_type, body = delivered(endpoint)
    assert content_type == "application/cloudevents+json; charset=utf-8"
    assert body == {
        "specversion": "1.0",
        "id": "e-1",
        "source": (
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
            "pytest-eventgrid/providers/Microsoft.EventGrid/topics/orders"
        ),
        "type": "Order.Created",
        "subject": "orders/1",
        "time": body["time"],
        "data": {"id": 1},
    }


@pytest.mark.parametrize(
    ("event", "content_type"),
    [
        (CloudEvent(source="/shop", type="Order.Created", data={}), "application/cloudevents"),
        (
            EventGridEvent(subject="s", event_type="Order.Created", data={}, data_version="1"),
            "application/json",
        ),
    ],
    ids=["cloudevent", "eventgridevent"],
)
def test_with_no_schema_named_events_go_out_as_they_came_in(eventgrid, event, content_type):
    endpoint = Endpoint()
    eventgrid.basic_topic("orders").subscribe("hook", endpoint, validate=False)
    publish(eventgrid, "orders", event)

    eventgrid.deliver()

    assert delivered(endpoint)[0].startswith(content_type)
