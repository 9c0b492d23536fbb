"""A namespace topic's event retention through the public API and the real SDK clients,
sync and async: the key in `EventGrid`, the marker, `mock_eventgrid()` and a server's
settings; a topic's own on its view; and a subscription's time-to-live bounded by it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from azure.core.messaging import CloudEvent

from pytest_eventgrid import EventGrid, UsageError, mock_eventgrid, serve
from pytest_eventgrid._api import admin_state

DAY = 86400.0
GONE = "Event retention period of the topic exceeded."
TIME_TO_LIVE = "Time to live exceeded."


def order(number: int) -> CloudEvent:  # type: ignore[type-arg]
    return CloudEvent(source="/shop", type="Order.Created", data={"n": number}, id=f"o{number}")


# -- the key --------------------------------------------------------------------------------


def test_topics_keep_events_seven_days_by_default() -> None:
    eventgrid = EventGrid()

    assert eventgrid.topic("test-topic").event_retention_in_days == 7
    assert eventgrid.topic("orders").event_retention_in_days == 7
    assert eventgrid.subscription().settings.time_to_live == 7 * DAY


def test_the_namespace_default_applies_to_every_topic_and_caps_the_time_to_live() -> None:
    eventgrid = EventGrid(event_retention_in_days=2, topics={"orders": ["billing"]})

    assert eventgrid.topic("orders").event_retention_in_days == 2
    assert eventgrid.subscription().settings.time_to_live == 2 * DAY
    assert eventgrid.subscription("billing", topic="orders").settings.time_to_live == 2 * DAY


def test_a_shorter_default_time_to_live_is_kept() -> None:
    eventgrid = EventGrid(event_retention_in_days=2, time_to_live=3600)

    assert eventgrid.subscription().settings.time_to_live == 3600


@pytest.mark.parametrize("days", [0, 8, 2.5, True, "7"])
def test_a_retention_outside_one_to_seven_days_is_refused(days: object) -> None:
    with pytest.raises(UsageError, match=r"event_retention_in_days: got .*integer from 1 to 7"):
        EventGrid(event_retention_in_days=days)  # type: ignore[arg-type]


@pytest.mark.eventgrid(event_retention_in_days=3)
def test_the_marker_key(eventgrid: EventGrid) -> None:
    assert eventgrid.topic("test-topic").event_retention_in_days == 3
    assert eventgrid.subscription().settings.time_to_live == 3 * DAY


def test_mock_eventgrid_takes_the_key() -> None:
    with mock_eventgrid(event_retention_in_days=4) as eventgrid:
        assert eventgrid.topic("orders").event_retention_in_days == 4


def test_a_servers_settings_take_the_key() -> None:
    server = serve(event_retention_in_days=5)  # built, not started

    assert server.eventgrid.topic("orders").event_retention_in_days == 5


def test_the_admin_state_shows_a_topics_retention() -> None:
    eventgrid = EventGrid()
    view = eventgrid.topic("orders").configure(event_retention_in_days=1)

    assert admin_state.topic(view)["event_retention_in_days"] == 1


# -- a topic's own --------------------------------------------------------------------------


def test_a_topic_view_sets_its_own_retention() -> None:
    eventgrid = EventGrid()

    orders = eventgrid.topic("orders").configure(event_retention_in_days=1)

    assert orders.event_retention_in_days == 1
    assert eventgrid.topic("test-topic").event_retention_in_days == 7
    assert orders.subscription("billing").settings.time_to_live == DAY


def test_a_retention_below_a_subscriptions_time_to_live_is_refused() -> None:
    eventgrid = EventGrid()  # its default subscription keeps events 7 days

    with pytest.raises(UsageError) as raised:
        eventgrid.topic("test-topic").configure(event_retention_in_days=1)

    assert str(raised.value).startswith(
        "event_retention_in_days of topic 'test-topic' cannot be 1: the time_to_live of "
        "subscription(s) 'test-subscription' is longer, and the service refuses a retention "
        "shorter than a subscription's eventTimeToLive."
    )
    assert eventgrid.topic("test-topic").event_retention_in_days == 7


def test_a_retention_down_to_the_time_to_live_is_accepted() -> None:
    eventgrid = EventGrid()
    eventgrid.subscription().configure(time_to_live=timedelta(days=1))

    eventgrid.topic("test-topic").configure(event_retention_in_days=1)

    assert eventgrid.topic("test-topic").event_retention_in_days == 1


def test_a_bad_retention_on_the_view_is_refused() -> None:
    with pytest.raises(UsageError, match="event_retention_in_days: got 9"):
        EventGrid().topic("orders").configure(event_retention_in_days=9)


# -- the subscriptions' time-to-live --------------------------------------------------------


def test_a_time_to_live_longer_than_the_retention_is_refused_when_declared() -> None:
    orders = EventGrid().topic("orders").configure(event_retention_in_days=1)

    with pytest.raises(UsageError) as raised:
        orders.subscription("billing", time_to_live=timedelta(days=2))

    assert str(raised.value).startswith(
        "time_to_live of subscription 'billing' (172800 seconds) is longer than the "
        "event_retention_in_days of topic 'orders' (1 days, 86400 seconds): the service "
        "refuses an eventTimeToLive greater than the topic's eventRetentionInDays."
    )
    assert orders.subscriptions == []


def test_a_time_to_live_longer_than_the_retention_is_refused_when_configured() -> None:
    eventgrid = EventGrid(event_retention_in_days=1)

    with pytest.raises(UsageError, match="longer than the event_retention_in_days"):
        eventgrid.subscription().configure(time_to_live=DAY + 60)

    assert eventgrid.subscription().settings.time_to_live == DAY


def test_a_time_to_live_longer_than_the_retention_is_refused_in_the_topology() -> None:
    with pytest.raises(UsageError, match="longer than the event_retention_in_days"):
        EventGrid(
            event_retention_in_days=1,
            topics={"orders": {"billing": {"time_to_live": 2 * DAY}}},
        )


def test_a_time_to_live_shorter_than_the_lock_duration_is_refused() -> None:
    with pytest.raises(UsageError) as raised:
        EventGrid().topic("orders").subscription("billing", lock_duration=120, time_to_live=90)

    assert str(raised.value).startswith(
        "time_to_live (90 seconds) must be at least the lock_duration (120 seconds), as on "
        "the service."
    )


# -- events past the retention are gone -------------------------------------------------


def test_nothing_is_received_once_the_retention_passed() -> None:
    eventgrid = EventGrid(event_retention_in_days=1)
    with eventgrid.publisher() as publisher:
        publisher.send([order(1), order(2)])

    eventgrid.clock.advance(timedelta(days=1))

    with eventgrid.consumer() as consumer:
        assert consumer.receive(max_events=10, max_wait_time=10) == []
    assert eventgrid.topic("test-topic").published == []
    # Never received: the time-to-live (capped to the retention) dead-letters them first.
    assert [e.dead_letter_reason for e in eventgrid.subscription().dead_lettered] == [
        TIME_TO_LIVE,
        TIME_TO_LIVE,
    ]


def test_the_topic_keeps_an_event_until_the_retention_passes() -> None:
    eventgrid = EventGrid(event_retention_in_days=1)
    with eventgrid.publisher() as publisher:
        publisher.send(order(1))
    eventgrid.clock.advance(3600)
    with eventgrid.publisher() as publisher:
        publisher.send(order(2))

    eventgrid.clock.advance(DAY - 3600)

    assert [event.id for event in eventgrid.topic("test-topic").published] == ["o2"]
    with eventgrid.consumer() as consumer:
        assert [d.event.id for d in consumer.receive(max_wait_time=10)] == ["o2"]


def test_an_event_locked_when_the_retention_passes_is_gone() -> None:
    eventgrid = EventGrid(event_retention_in_days=1)
    with eventgrid.publisher() as publisher:
        publisher.send(order(1))
    eventgrid.clock.advance(DAY - 30)
    with eventgrid.consumer() as consumer:
        [received] = consumer.receive(max_wait_time=10)

        eventgrid.clock.advance(60)
        result = consumer.acknowledge(lock_tokens=[received.broker_properties.lock_token])

    assert result.succeeded_lock_tokens == []
    assert [failed.lock_token for failed in result.failed_lock_tokens] == [
        received.broker_properties.lock_token
    ]
    [gone] = eventgrid.subscription().dropped
    assert (gone.id, gone.dead_letter_reason) == ("o1", GONE)
    assert eventgrid.subscription().dead_lettered == []


def test_a_shorter_retention_removes_what_it_no_longer_covers() -> None:
    eventgrid = EventGrid()
    eventgrid.subscription().configure(time_to_live=timedelta(days=1))
    with eventgrid.publisher() as publisher:
        publisher.send(order(1))
    eventgrid.clock.advance(DAY - 30)
    with eventgrid.consumer() as consumer:
        consumer.receive(max_wait_time=10)  # locked for 60 seconds
    eventgrid.clock.advance(40)  # the time-to-live passed; still locked

    eventgrid.topic("test-topic").configure(event_retention_in_days=1)

    assert eventgrid.topic("test-topic").published == []
    assert eventgrid.subscription().locked == []
    assert [e.dead_letter_reason for e in eventgrid.subscription().dropped] == [GONE]


@pytest.mark.asyncio
async def test_nothing_is_received_once_the_retention_passed_async() -> None:
    eventgrid = EventGrid(event_retention_in_days=2)
    async with eventgrid.aio_publisher() as publisher:
        await publisher.send(order(1))

    eventgrid.clock.advance(timedelta(days=2))

    async with eventgrid.aio_consumer() as consumer:
        assert await consumer.receive(max_events=10, max_wait_time=10) == []
    assert eventgrid.topic("test-topic").published == []


@pytest.mark.asyncio
async def test_an_event_locked_when_the_retention_passes_is_gone_async() -> None:
    eventgrid = EventGrid(event_retention_in_days=1)
    async with eventgrid.aio_publisher() as publisher:
        await publisher.send(order(1))
    eventgrid.clock.advance(DAY - 30)
    async with eventgrid.aio_consumer() as consumer:
        [received] = await consumer.receive(max_wait_time=10)

        eventgrid.clock.advance(60)
        result = await consumer.release(lock_tokens=[received.broker_properties.lock_token])

    assert result.succeeded_lock_tokens == []
    assert [e.dead_letter_reason for e in eventgrid.subscription().dropped] == [GONE]


@pytest.mark.asyncio
async def test_a_bad_time_to_live_is_refused_before_any_async_client() -> None:
    eventgrid = EventGrid(event_retention_in_days=1)

    with pytest.raises(UsageError, match="longer than the event_retention_in_days"):
        eventgrid.topic("orders").subscription("billing", time_to_live=timedelta(days=3))
    async with eventgrid.aio_publisher("orders") as publisher:
        await publisher.send(order(1))
    assert eventgrid.topic("orders").subscriptions == []
