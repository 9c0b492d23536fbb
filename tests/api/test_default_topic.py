"""`topics=` declares more topology; the default topic and subscription stay."""

from __future__ import annotations

import pytest
from azure.core.messaging import CloudEvent

from pytest_eventgrid import EventGrid


def names(eventgrid: EventGrid) -> dict[str, list[str]]:
    return {
        topic.name: [subscription.name for subscription in topic.subscriptions]
        for topic in eventgrid.namespace().topics
    }


def test_topics_without_topic_keeps_the_default_topic_and_subscription() -> None:
    eventgrid = EventGrid(topics={"orders": ["billing"]})

    assert (eventgrid.default_topic, eventgrid.default_subscription) == (
        "test-topic",
        "test-subscription",
    )
    assert names(eventgrid) == {"test-topic": ["test-subscription"], "orders": ["billing"]}


def test_the_default_subscription_sees_what_the_helpers_publish() -> None:
    eventgrid = EventGrid(topics={"orders": ["billing"]})

    with eventgrid.publisher() as publisher:
        publisher.send(CloudEvent(source="/shop", type="Order.Created", data={}))

    assert [event.type for event in eventgrid.subscription().available] == ["Order.Created"]


def test_topics_may_also_configure_the_default_subscription() -> None:
    eventgrid = EventGrid(topics={"test-topic": {"test-subscription": {"lock_duration": 120}}})

    assert eventgrid.subscription().settings.lock_duration == 120
    assert names(eventgrid) == {"test-topic": ["test-subscription"]}


@pytest.mark.eventgrid(topics={"orders": ["billing"]})
def test_the_marker_keeps_them_too(eventgrid: EventGrid) -> None:
    assert names(eventgrid) == {"test-topic": ["test-subscription"], "orders": ["billing"]}
