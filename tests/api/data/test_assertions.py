"""What the assertion helpers match, what they return, and which events they look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from unittest import mock

import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient

from pytest_eventgrid import EventGrid, UsageError
from pytest_eventgrid.match import ANY, contains, regex

ORDER = CloudEvent(
    id="order-1",
    source="/shop/orders",
    type="com.shop.order.created",
    subject="orders/1",
    data={"total": 12, "customer": {"name": "Ann", "email": "ann@example.com"}, "tags": ["vip"]},
    extensions={"tenant": "contoso"},
)


@pytest.fixture
def publisher(eventgrid: EventGrid) -> Iterator[EventGridPublisherClient]:
    with eventgrid.publisher() as client:
        yield client


@pytest.fixture
def consumer(eventgrid: EventGrid) -> Iterator[EventGridConsumerClient]:
    with eventgrid.consumer() as client:
        yield client


@pytest.mark.parametrize(
    "criteria",
    [
        {"type": "com.shop.order.created", "source": "/shop/orders", "id": "order-1"},
        {"data": {"total": 12, "customer": ANY, "tags": ["vip"]}},
        {"data": contains(total=12)},
        {"data": contains({"customer": {"email": regex(r"@example\.com$")}})},
        {"data": contains(tags=contains(["vip"]))},
        {"data": lambda data: data["total"] > 10, "subject": re.compile(r"^orders/\d+$")},
        {"data": dict, "subject": contains("orders")},
        {"extensions": {"tenant": "contoso"}, "subject": mock.ANY},
    ],
)
def test_matching_criteria_find_the_event(
    eventgrid: EventGrid, publisher: EventGridPublisherClient, criteria: dict[str, object]
) -> None:
    publisher.send([ORDER])

    [found] = eventgrid.assert_published(**criteria)

    assert (found.id, found.data) == ("order-1", ORDER.data)


@pytest.mark.parametrize(
    "criteria",
    [
        {"data": {"total": 12}},  # exact: the other keys are unexpected
        {"data": contains(customer={"name": "Bob"})},
        {"data": contains(tags=contains(["gold"]))},
        {"subject": None},
        {"extensions": {}},
        {"data": lambda data: data["missing"]},
    ],
)
def test_criteria_that_do_not_match_fail(
    eventgrid: EventGrid, publisher: EventGridPublisherClient, criteria: dict[str, object]
) -> None:
    publisher.send([ORDER])

    with pytest.raises(AssertionError, match="No event published to any topic matches"):
        eventgrid.assert_published(**criteria)
    eventgrid.assert_not_published(**criteria)


def test_count_asks_for_exactly_that_many(
    eventgrid: EventGrid, publisher: EventGridPublisherClient
) -> None:
    publisher.send([ORDER, ORDER])

    assert len(eventgrid.assert_published(count=2)) == 2
    assert eventgrid.assert_published(type="other", count=0) == []
    with pytest.raises(AssertionError, match="Expected 3 events published to any topic"):
        eventgrid.assert_published(count=3)
    with pytest.raises(UsageError, match="count takes an int or None, got '2'"):
        eventgrid.assert_published(count="2")


@pytest.mark.eventgrid(topics={"refunds": ["audit"]})
def test_topic_narrows_the_search_and_labels_the_candidates(eventgrid: EventGrid) -> None:
    with eventgrid.publisher() as orders, eventgrid.publisher("refunds") as refunds:
        orders.send([ORDER])
        refunds.send([CloudEvent(id="refund-1", source="/shop/refunds", type="refund")])

    assert [e.id for e in eventgrid.assert_published(topic="refunds")] == ["refund-1"]
    refund_topic = eventgrid.topic("refunds")
    assert [e.id for e in refund_topic.assert_published(topic="refunds")] == ["refund-1"]
    with pytest.raises(AssertionError) as failure:
        eventgrid.assert_published(type="missing")
    assert "  1. id='order-1' type='com.shop.order.created' source='/shop/orders' " in str(
        failure.value
    )
    assert "on topic 'test-topic'" in str(failure.value)
    assert "on topic 'refunds'" in str(failure.value)
    with pytest.raises(UsageError, match="topic='orders' does not fit topic 'refunds'"):
        eventgrid.topic("refunds").assert_published(topic="orders")


def test_a_subscription_sees_what_was_published_while_it_existed(
    eventgrid: EventGrid, publisher: EventGridPublisherClient
) -> None:
    publisher.send([CloudEvent(id="early", source="/shop", type="t")])
    late = eventgrid.topic("test-topic").subscription("late")
    publisher.send([CloudEvent(id="later", source="/shop", type="t")])

    assert [e.id for e in late.assert_published()] == ["later"]
    assert [e.id for e in eventgrid.subscription().assert_published()] == ["early", "later"]
    late.assert_not_published(id="early")


def test_settlement_assertions_return_the_subscription_events(
    eventgrid: EventGrid, publisher: EventGridPublisherClient, consumer: EventGridConsumerClient
) -> None:
    publisher.send([ORDER, CloudEvent(id="order-2", source="/shop/orders", type="t")])
    first, second = consumer.receive(max_events=2)
    consumer.release(lock_tokens=[first.broker_properties.lock_token], release_delay=60)
    consumer.acknowledge(lock_tokens=[second.broker_properties.lock_token])
    subscription = eventgrid.subscription()

    [released] = subscription.assert_released(delay=60, id="order-1")
    assert (released.state, released.release_delay) == ("delayed", 60)
    [acknowledged] = subscription.assert_acknowledged(count=1)
    assert acknowledged.id == "order-2"
    subscription.assert_settled_all(id="order-2")
    with pytest.raises(AssertionError, match="1 is not"):
        subscription.assert_settled_all()

    eventgrid.clock.advance(60)
    [again] = consumer.receive(max_events=1)
    consumer.reject(lock_tokens=[again.broker_properties.lock_token])

    assert [e.id for e in subscription.assert_rejected()] == ["order-1"]
    [dead] = subscription.assert_dead_lettered(reason=contains("rejected"))
    assert dead.delivery_count == 2
    subscription.assert_settled_all()


def test_long_candidate_lists_are_cut(
    eventgrid: EventGrid, publisher: EventGridPublisherClient
) -> None:
    publisher.send([CloudEvent(id=f"e-{n}", source="/s", type="t") for n in range(12)])

    with pytest.raises(AssertionError) as failure:
        eventgrid.assert_published(type="other")

    lines = str(failure.value).splitlines()
    assert lines[4:6] == [
        "  1. id='e-0' type='t' source='/s' -- differs in type",
        "  2. id='e-1' type='t' source='/s' -- differs in type",
    ]
    assert lines[13:15] == [
        "  10. id='e-9' type='t' source='/s' -- differs in type",
        "  ... and 2 more",
    ]


# -- near misses: where the events went instead -------------------------------------------


def test_a_subscription_made_after_the_publish_names_the_events_it_missed(
    eventgrid: EventGrid, publisher: EventGridPublisherClient
) -> None:
    publisher.send([ORDER])
    late = eventgrid.subscription("late")

    with pytest.raises(AssertionError) as published:
        late.assert_published(id="order-1")
    with pytest.raises(AssertionError) as acknowledged:
        late.assert_acknowledged()

    for raised in (published, acknowledged):
        assert (
            "Near misses:\n"
            "  1 event published to topic 'test-topic' before subscription 'late' existed (a "
            "subscription is given only the events published after it exists)\n"
        ) in str(raised.value)


def test_the_same_topic_on_another_host_is_a_near_miss_of_a_topic_view(
    eventgrid: EventGrid,
) -> None:
    other = "https://other.westus-1.eventgrid.azure.net"
    with EventGridPublisherClient(
        other, eventgrid.credential, namespace_topic="test-topic", transport=eventgrid.transport()
    ) as client:
        client.send([ORDER])

    with pytest.raises(AssertionError) as raised:
        eventgrid.topic("test-topic").assert_published()

    assert (
        "Near misses:\n  1 event published to topic 'test-topic' on "
        "other.westus-1.eventgrid.azure.net (the same topic, another host)\n"
    ) in str(raised.value)
    # The whole fake covers every host: there, the event is found.
    eventgrid.assert_published(topic="test-topic", id="order-1")


def test_near_misses_are_only_named_when_nothing_matched(
    eventgrid: EventGrid, publisher: EventGridPublisherClient
) -> None:
    publisher.send([ORDER])
    with eventgrid.publisher("test-topik") as client:
        client.send([ORDER])

    with pytest.raises(AssertionError) as raised:
        eventgrid.topic("test-topic").assert_published(count=2)

    assert "Near misses" not in str(raised.value)
