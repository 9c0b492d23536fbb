"""`assert_published` and `calls` see what was sent to Basic topics too."""

from __future__ import annotations

import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from pytest_eventgrid import EventGrid, mock_eventgrid
from pytest_eventgrid.match import contains


@pytest.fixture
def fake():
    with mock_eventgrid() as eventgrid:
        yield eventgrid


def send(eventgrid: EventGrid, topic: str, *events: object) -> None:
    with eventgrid.basic_publisher(topic) as publisher:
        publisher.send(list(events))


def test_an_eventgrid_event_is_matched_as_the_cloudevent_it_would_be_delivered_as(fake):
    send(
        fake,
        "orders",
        EventGridEvent(
            subject="orders/1", event_type="Order.Created", data={"id": 1}, data_version="1.0"
        ),
    )

    [event] = fake.assert_published(type="Order.Created", subject="orders/1", data={"id": 1})

    assert event.source.endswith("/providers/Microsoft.EventGrid/topics/orders")
    fake.assert_published(topic="orders", count=1)
    fake.assert_not_published(type="Order.Shipped")


def test_cloudevents_sent_to_a_basic_topic_match_as_sent(fake):
    send(fake, "orders", CloudEvent(source="/shop", type="Order.Paid", data={"total": 3}))

    fake.assert_published(source="/shop", data=contains(total=3))


def test_a_custom_schema_event_matches_on_its_whole_object_as_data(fake):
    fake.basic_topic("legacy", schema="custom")
    send(fake, "legacy", {"kind": "ping", "n": 1})

    fake.assert_published(topic="legacy", data={"kind": "ping", "n": 1})


def test_sends_are_calls(fake):
    send(fake, "orders", CloudEvent(source="/shop", type="Order.Paid", data={}))

    fake.calls.filter("send").assert_called_once()


def test_published_is_typed_so_the_guides_pattern_type_checks() -> None:
    """`[published] = orders.published; published.event_type` (basic.md) and
    `event["user"]` on a custom topic pass `mypy --strict`: the schema is the
    request's, so the items are typed `Any` rather than a union to narrow."""
    from typing import Any, get_type_hints

    from pytest_eventgrid import BasicTopicView, DomainTopicView

    for view in (BasicTopicView, DomainTopicView):
        assert get_type_hints(view.published.fget)["return"] == list[Any]
