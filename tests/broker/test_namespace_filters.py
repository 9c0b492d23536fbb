"""Queue subscriptions of namespace topics take only what their filter accepts."""

from __future__ import annotations

import pytest
from azure.eventgrid import EventGridEvent

from pytest_eventgrid import EventGrid, SubscriptionSettings, UsageError

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


SDK_LIVE_TEST_FILTER = {"includedEventTypes": []}  # how the SDKs deploy their subscriptions


def test_an_empty_list_of_event_types_takes_every_event_through_the_sync_clients():
    eventgrid = EventGrid(topics={"orders": {"live": {"filter": SDK_LIVE_TEST_FILTER}}})

    publish(eventgrid, order("1", "Order.Created", 5), order("2", "Anything.Else", 0))
    with eventgrid.consumer(topic="orders", subscription="live") as consumer:
        received = consumer.receive(max_events=10, max_wait_time=10)

    assert [detail.event.id for detail in received] == ["1", "2"]


@pytest.mark.asyncio
async def test_an_empty_list_of_event_types_takes_every_event_through_the_async_clients():
    eventgrid = EventGrid(topics={"orders": ["live"]})
    eventgrid.topic("orders").subscription("live", filter=SDK_LIVE_TEST_FILTER)

    async with eventgrid.aio_publisher(topic="orders") as publisher:
        await publisher.send([order("1", "Order.Created", 5), order("2", "Anything.Else", 0)])
    async with eventgrid.aio_consumer(topic="orders", subscription="live") as consumer:
        received = await consumer.receive(max_events=10, max_wait_time=10)

    assert [detail.event.id for detail in received] == ["1", "2"]


@pytest.mark.eventgrid(
    topic="orders", topics={"orders": {"live": {"filter": SDK_LIVE_TEST_FILTER}}}
)
def test_an_empty_list_of_event_types_in_the_marker(eventgrid, eventgrid_publisher_sync):
    eventgrid_publisher_sync.send([order("1", "Order.Created", 5), order("2", "Other", 0)])

    assert [e.id for e in eventgrid.subscription("live", topic="orders").available] == ["1", "2"]


FILTER_DOCS = "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/basic/#filters"
STRING_OF_TYPES = {"includedEventTypes": "Order.Created"}
SUBJECT_NUMBER = {"subjectBeginsWith": 5}


@pytest.mark.parametrize("bad", [STRING_OF_TYPES, SUBJECT_NUMBER], ids=["types", "subject"])
def test_a_filter_of_the_wrong_shape_is_refused_where_it_is_declared(bad: dict[str, object]):
    declarations = [
        lambda: EventGrid(topics={"orders": {"big": {"filter": bad}}}),
        lambda: (
            EventGrid(topics={"orders": ["big"]}).topic("orders").subscription("big", filter=bad)
        ),
        lambda: (
            EventGrid(topics={"orders": ["big"]})
            .subscription("big", topic="orders")
            .configure(filter=bad)
        ),
        lambda: SubscriptionSettings(filter=bad),  # type: ignore[arg-type]
        lambda: (
            EventGrid()
            .basic_topic("shop")
            .subscribe("hook", lambda request: 200, validate=False, filter=bad)
        ),
    ]
    for declare in declarations:
        with pytest.raises(UsageError, match=FILTER_DOCS):
            declare()


def test_a_refused_filter_leaves_the_subscription_as_it_was():
    eventgrid = EventGrid(topics={"orders": {"big": {"filter": FILTER}}})
    with pytest.raises(UsageError):
        eventgrid.topic("orders").subscription("big", filter=SUBJECT_NUMBER)

    publish(eventgrid, order("1", "Order.Created", 50), order("2", "Order.Created", 5))

    assert [e.id for e in eventgrid.topic("orders").subscription("big").available] == ["1"]


def test_the_marker_refuses_a_filter_of_the_wrong_shape(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.eventgrid(
            topics={"orders": {"big": {"filter": {"includedEventTypes": "Order.Created"}}}}
        )
        def test_declared(eventgrid):
            pass
        """
    )

    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*UsageError*includedEventTypes: got 'Order.Created'*"])


def test_an_empty_list_of_event_types_takes_every_event_on_a_basic_topic(eventgrid: EventGrid):
    hook = eventgrid.basic_topic("shop").subscribe(
        "hook", lambda request: 200, validate=False, filter=SDK_LIVE_TEST_FILTER
    )
    with eventgrid.basic_publisher("shop") as publisher:
        publisher.send(
            [
                EventGridEvent(subject="a", event_type=kind, data={}, data_version="1")
                for kind in ("Order.Created", "Anything.Else")
            ]
        )
    eventgrid.deliver()

    assert [event["eventType"] for event in hook.delivered] == ["Order.Created", "Anything.Else"]
