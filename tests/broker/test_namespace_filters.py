"""Queue subscriptions of namespace topics take only what their filter accepts."""

from __future__ import annotations

import pytest

from pytest_eventgrid import EventGrid, UsageError

FILTER = {
    "includedEventTypes": ["Order.Created", "Order.Paid"],
    "filters": [{"operatorType": "NumberGreaterThan", "key": "data.total", "value": 10}],
}


def publish(eventgrid: EventGrid, *events: dict[str, object]) -> None:
    with eventgrid.publisher(topic="orders") as publisher:
        publisher.send(list(events))


def order(event_id: str, event_type: str, total: int) -> dict[str, object]:
    return {
        "id": event_id,
        "source": "/shop",
        "type": event_type,
        "specversion": "1.0",
        "data": {"total": total},
    }


def test_a_filter_declared_in_the_topology_applies_on_publish():
    eventgrid = EventGrid(topics={"orders": {"big": {"filter": FILTER}, "all": {}}})

    publish(
        eventgrid,
        order("1", "Order.Created", 50),
        order("2", "Order.Created", 5),
        order("3", "Order.Shipped", 50),
        order("4", "order.paid", 11),
    )

    topic = eventgrid.topic("orders")
    assert [e.id for e in topic.subscription("big").available] == ["1", "4"]
    assert [e.id for e in topic.subscription("all").available] == ["1", "2", "3", "4"]
    assert [e.id for e in topic.published] == ["1", "2", "3", "4"]


def test_a_filter_set_through_the_view_applies_to_later_publishes():
    eventgrid = EventGrid(topics={"orders": ["big"]})
    eventgrid.topic("orders").subscription("big", filter=FILTER)

    publish(eventgrid, order("1", "Order.Created", 5), order("2", "Order.Paid", 20))

    assert [e.id for e in eventgrid.topic("orders").subscription("big").available] == ["2"]


def test_a_filter_over_the_service_limits_is_a_usage_error():
    too_many = {"filters": [{"operatorType": "IsNotNull", "key": f"data.k{i}"} for i in range(26)]}
    with pytest.raises(UsageError, match="at most 25 advanced filters"):
        EventGrid(topics={"orders": {"big": {"filter": too_many}}})
