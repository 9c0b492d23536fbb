"""The fixtures exist, wire the real clients to the fake, and follow the marker."""

from __future__ import annotations

import pytest

from ._support import FLAVOURS, Flavour, run, use_asyncio_mode

GOAL = """
import pytest
from azure.core.messaging import CloudEvent

{asyncio_mark}
@pytest.mark.eventgrid(topic="orders", subscription="billing")
async def test_order_is_processed(eventgrid, eventgrid_publisher, eventgrid_consumer):
    await eventgrid_publisher.send([CloudEvent(source="shop", type="Order.Created", data={{"id": 1}})])
    [detail] = await eventgrid_consumer.receive(max_events=10, max_wait_time=10)
    assert detail.broker_properties.delivery_count == 1
    token = detail.broker_properties.lock_token
    result = await eventgrid_consumer.acknowledge(lock_tokens=[token])
    assert result.succeeded_lock_tokens == [token]
    acked = eventgrid.topic("orders").subscription("billing").acknowledged
    assert [e.type for e in acked] == ["Order.Created"]
"""  # noqa: E501 (the goal test, as written)

ROUND_TRIP = """
import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid import aio

$asyncio_mark
$marker
$def test_round_trip(eventgrid, $publisher, $consumer):
    assert type($publisher) is $publisher_class
    assert type($consumer) is $consumer_class
    ${await}${publisher}.send([CloudEvent(source="shop", type="Order.Created", data={})])
    [detail] = ${await}${consumer}.receive(max_events=10, max_wait_time=10)
    ${await}${consumer}.acknowledge(lock_tokens=[detail.broker_properties.lock_token])
    subscription = eventgrid.topic("$topic").subscription("$subscription")
    assert [event.type for event in subscription.acknowledged] == ["Order.Created"]
    assert (eventgrid.default_topic, eventgrid.default_subscription) == ("$topic", "$subscription")
"""

CLASSES = {
    "sync": ("EventGridPublisherClient", "EventGridConsumerClient"),
    "async": ("aio.EventGridPublisherClient", "aio.EventGridConsumerClient"),
}


@pytest.mark.parametrize(
    ("mode", "asyncio_mark"), [("auto", ""), ("strict", "@pytest.mark.asyncio")]
)
def test_the_goal_test_passes_as_written(
    pytester: pytest.Pytester, mode: str, asyncio_mark: str
) -> None:
    use_asyncio_mode(pytester, mode)
    pytester.makepyfile(GOAL.format(asyncio_mark=asyncio_mark))

    run(pytester).assert_outcomes(passed=1)


@FLAVOURS
@pytest.mark.parametrize(
    ("marker", "topic", "subscription"),
    [
        ("", "test-topic", "test-subscription"),
        ('@pytest.mark.eventgrid(topic="orders", subscription="billing")', "orders", "billing"),
        ('@pytest.mark.eventgrid(subscription="billing")', "test-topic", "billing"),
    ],
    ids=["defaults", "marker", "subscription-only"],
)
def test_client_fixtures_use_the_marker_topic_and_subscription(
    pytester: pytest.Pytester, flavour: Flavour, marker: str, topic: str, subscription: str
) -> None:
    publisher_class, consumer_class = CLASSES[flavour.name]
    pytester.makepyfile(
        flavour.render(
            ROUND_TRIP,
            marker=marker,
            topic=topic,
            subscription=subscription,
            publisher_class=publisher_class,
            consumer_class=consumer_class,
        )
    )

    run(pytester).assert_outcomes(passed=1)


def test_eventgrid_fixture_defaults(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_defaults(eventgrid):
            assert eventgrid.endpoint == "https://test-namespace.westus-1.eventgrid.azure.net"
            assert eventgrid.credential.key == "cHl0ZXN0LWV2ZW50Z3JpZC1mYWtlLWtleQ=="
            assert eventgrid.clock.now() == 0
            subscriptions = eventgrid.topic("test-topic").subscriptions
            assert [subscription.name for subscription in subscriptions] == ["test-subscription"]
        """
    )

    run(pytester).assert_outcomes(passed=1)


def test_with_only_topics_in_the_marker_the_client_fixtures_still_share_a_subscription(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest
        from azure.core.messaging import CloudEvent

        @pytest.mark.eventgrid(topics={"orders": ["billing"]})
        def test_it(eventgrid, eventgrid_publisher_sync, eventgrid_consumer_sync):
            eventgrid_publisher_sync.send(CloudEvent(source="/s", type="T", data={}))
            assert len(eventgrid_consumer_sync.receive(max_wait_time=10)) == 1
            names = sorted(topic.name for topic in eventgrid.namespace().topics)
            assert names == ["orders", "test-topic"]
        """
    )

    run(pytester).assert_outcomes(passed=1)
