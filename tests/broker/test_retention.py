"""A namespace topic's event retention (`eventRetentionInDays`) in the broker: what
the topic keeps, how it bounds the subscriptions' time-to-live, and the events it
removes from the queues (counted, never timed)."""

from __future__ import annotations

import pytest

from pytest_eventgrid import UsageError
from pytest_eventgrid._broker import Broker, Clock, IdGenerator, Namespace, State
from pytest_eventgrid._broker._queue import REASON_RETENTION, QueuedEvent
from pytest_eventgrid._broker._settings import (
    DAY,
    SubscriptionSettings,
    retention_days,
)

from ._support import QueueHarness, event, tokens
from .test_complexity import TouchCounter

TIME_TO_LIVE = "Time to live exceeded."


def make_namespace(days: int = 7, **settings: object) -> Namespace:
    broker = Broker(Clock(autojump=False), IdGenerator(0), retention_days=days)
    return broker.namespace("ns.westus-1.eventgrid.azure.net", **settings)


def advance(namespace: Namespace, seconds: float) -> None:
    namespace.broker.clock.advance(seconds)


def held(namespace: Namespace, topic: str = "orders") -> list[object]:
    """The ids of the events `topic` still keeps."""
    now = namespace.broker.clock.now()
    return [stored["id"] for stored in namespace.topic(topic).held(now)]


# -- the setting ------------------------------------------------------------------------


@pytest.mark.parametrize("days", [1, 4, 7])
def test_a_retention_is_whole_days_from_one_to_seven(days: int) -> None:
    assert retention_days(days) == days


@pytest.mark.parametrize("days", [0, 8, -1, 1.5, True, "7", None])
def test_a_retention_outside_one_to_seven_days_is_refused(days: object) -> None:
    with pytest.raises(UsageError, match=r"event_retention_in_days: got .*integer from 1 to 7"):
        retention_days(days)


def test_a_topic_keeps_events_seven_days_by_default() -> None:
    namespace = make_namespace()

    assert namespace.topic("orders").retention_days == 7
    assert namespace.subscription("orders", "billing").retention == 7 * DAY


def test_new_topics_take_the_namespaces_retention() -> None:
    namespace = make_namespace(days=2)

    assert namespace.topic("orders").retention_days == 2
    assert namespace.subscription("orders", "billing").retention == 2 * DAY


# -- the subscriptions' time-to-live ----------------------------------------------------


def test_the_default_time_to_live_is_capped_to_the_retention() -> None:
    namespace = make_namespace(days=3)

    queue = namespace.subscription("orders", "billing")

    assert queue.settings.time_to_live == 3 * DAY


def test_a_shorter_default_time_to_live_stays() -> None:
    namespace = make_namespace(days=3, defaults=SubscriptionSettings(time_to_live=3600))

    assert namespace.subscription("orders", "billing").settings.time_to_live == 3600


def test_a_time_to_live_longer_than_the_retention_is_refused() -> None:
    namespace = make_namespace(days=1)

    with pytest.raises(UsageError) as raised:
        namespace.subscription(
            "orders", "billing", settings=SubscriptionSettings(time_to_live=DAY + 1)
        )

    assert str(raised.value).startswith(
        "time_to_live of subscription 'billing' (86401 seconds) is longer than the "
        "event_retention_in_days of topic 'orders' (1 days, 86400 seconds)"
    )
    assert "guide/#retention" in str(raised.value)
    assert "billing" not in namespace.topic("orders").subscriptions


def test_a_time_to_live_as_long_as_the_retention_is_accepted() -> None:
    namespace = make_namespace(days=1)

    queue = namespace.subscription(
        "orders", "billing", settings=SubscriptionSettings(time_to_live=DAY)
    )

    assert queue.settings.time_to_live == DAY


def test_a_reconfigured_time_to_live_longer_than_the_retention_is_refused() -> None:
    namespace = make_namespace(days=1)
    queue = namespace.subscription("orders", "billing")

    with pytest.raises(UsageError, match="longer than the event_retention_in_days"):
        namespace.subscription(
            "orders", "billing", settings=SubscriptionSettings(time_to_live=2 * DAY)
        )

    assert queue.settings.time_to_live == DAY


def test_a_retention_below_a_subscriptions_time_to_live_is_refused() -> None:
    namespace = make_namespace()
    namespace.subscription("orders", "billing")  # 7 days
    namespace.subscription("orders", "audit", settings=SubscriptionSettings(time_to_live=DAY))
    topic = namespace.topic("orders")

    with pytest.raises(UsageError) as raised:
        topic.set_retention_days(2, namespace.broker.clock.now())

    assert str(raised.value).startswith(
        "event_retention_in_days of topic 'orders' cannot be 2: the time_to_live of "
        "subscription(s) 'billing' is longer"
    )
    assert topic.retention_days == 7


# -- what the topic keeps ---------------------------------------------------------------


def test_the_topic_keeps_an_event_until_its_retention_ends() -> None:
    namespace = make_namespace(days=1)
    namespace.publish("orders", [event(1), event(2)])
    advance(namespace, 3600)
    namespace.publish("orders", [event(3)])

    advance(namespace, DAY - 3600 - 1)
    assert held(namespace) == ["e1", "e2", "e3"]

    advance(namespace, 1)  # one day after the first publish
    assert held(namespace) == ["e3"]

    advance(namespace, 3600)
    assert held(namespace) == []


def test_a_shorter_retention_removes_older_events_at_once() -> None:
    namespace = make_namespace()
    namespace.subscription("orders", "billing", settings=SubscriptionSettings(time_to_live=DAY))
    namespace.publish("orders", [event(1)])
    advance(namespace, 2 * DAY)
    namespace.publish("orders", [event(2)])
    topic = namespace.topic("orders")

    topic.set_retention_days(1, namespace.broker.clock.now())

    assert held(namespace) == ["e2"]
    assert topic.retention_days == 1


# -- what the queues keep -------------------------------------------------------------------


def test_an_event_never_received_is_dead_lettered_at_its_time_to_live_first() -> None:
    namespace = make_namespace(days=1)  # time-to-live capped to one day: both end together
    queue = namespace.subscription("orders", "billing")
    namespace.publish("orders", [event(1)])

    advance(namespace, DAY)
    queue.tick(namespace.broker.clock.now())

    [dead] = queue.dead_lettered
    assert (dead.dead_letter_reason, dead.time, queue.dropped) == (TIME_TO_LIVE, DAY, [])


def test_a_locked_event_is_gone_when_the_retention_ends() -> None:
    harness = QueueHarness(time_to_live=DAY)
    harness.queue.retention = DAY
    harness.publish(1)
    harness.advance_to(DAY - 30)
    [delivery] = harness.receive()

    harness.advance_to(DAY)  # the lock would end at DAY + 30

    assert harness.queue.pending(harness.now) == []
    [gone] = harness.queue.dropped
    assert (gone.state, gone.dead_letter_reason, gone.time) == (
        State.DROPPED,
        REASON_RETENTION,
        DAY,
    )
    assert harness.acknowledge(delivery.lock_token) == ["TokenLost"]
    assert harness.queue.dead_lettered == []


def test_a_locked_event_past_its_time_to_live_is_still_dead_lettered_when_its_lock_ends() -> None:
    harness = QueueHarness(time_to_live=3600)
    harness.queue.retention = DAY
    harness.publish(1)
    harness.advance_to(3600 - 30)
    harness.receive()

    harness.advance_to(3600 + 30)
    harness.queue.tick(harness.now)

    [dead] = harness.queue.dead_lettered
    assert (dead.dead_letter_reason, dead.time, harness.queue.dropped) == (TIME_TO_LIVE, 3630, [])


def test_a_locked_event_renewed_past_the_retention_is_gone_at_the_retention() -> None:
    harness = QueueHarness(time_to_live=3600)
    harness.queue.retention = 3600 + 120
    harness.publish(1)
    harness.advance_to(3600 - 30)
    [delivery] = harness.receive()
    for instant in (3600 + 20, 3600 + 70):
        harness.advance_to(instant)
        assert harness.renew(delivery.lock_token) == ["ok"]

    harness.advance_to(3600 + 120)
    harness.queue.tick(harness.now)

    [gone] = harness.queue.dropped
    assert (gone.dead_letter_reason, gone.time) == (REASON_RETENTION, 3720)
    assert harness.renew(delivery.lock_token) == ["TokenLost"]


@pytest.mark.parametrize("state", ["available", "delayed", "locked"])
def test_a_shorter_retention_empties_the_queue_of_older_events(state: str) -> None:
    harness = QueueHarness(time_to_live=2 * DAY)
    harness.publish(1)
    harness.advance_to(DAY)
    if state != "available":
        [delivery] = harness.receive()
        if state == "delayed":
            assert harness.release(delivery.lock_token, delay=600) == ["ok"]

    harness.queue.set_retention(DAY / 2, harness.now)

    assert harness.queue.pending(harness.now) == []
    assert harness.queue.available_count == 0
    [gone] = harness.queue.dropped
    assert (gone.dead_letter_reason, gone.time) == (REASON_RETENTION, DAY)


def test_a_shorter_retention_removes_a_later_event_when_its_retention_ends() -> None:
    harness = QueueHarness(time_to_live=2 * DAY)
    harness.publish(1)
    harness.queue.set_retention(DAY, harness.now)

    harness.advance_to(DAY - 1)
    assert len(harness.queue.pending(harness.now)) == 1
    harness.advance_to(DAY)
    assert harness.queue.pending(harness.now) == []
    assert [s.dead_letter_reason for s in harness.queue.dropped] == [REASON_RETENTION]


def test_a_longer_retention_keeps_a_locked_event_until_the_new_instant() -> None:
    harness = QueueHarness(time_to_live=3600)
    harness.queue.retention = 3600
    harness.queue.set_retention(3600 + 3600, 0.0)
    harness.publish(1)
    harness.advance_to(3600 - 30)
    [delivery] = harness.receive()

    harness.advance_to(3600 + 10)
    assert harness.renew(delivery.lock_token) == ["ok"]
    assert harness.acknowledge(delivery.lock_token) == ["ok"]
    assert harness.queue.dropped == []


def test_a_retention_removal_is_on_the_timeline() -> None:
    namespace = make_namespace(days=1)
    namespace.subscription("orders", "billing")
    namespace.publish("orders", [event(1)])
    advance(namespace, DAY - 30)
    namespace.receive("orders", "billing", 1)

    advance(namespace, 60)
    namespace.receive("orders", "billing", 1)

    [entry] = [e for e in namespace.broker.journal.entries() if e.operation == "dropped"]
    assert (entry.time, entry.status, entry.items[0].outcome) == (
        DAY,
        0,
        f"dropped: {REASON_RETENTION}",
    )


# -- cost ---------------------------------------------------------------------------------


BATCH = 100


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> TouchCounter:
    counting = TouchCounter(QueuedEvent.__dict__["state"])
    monkeypatch.setattr(QueuedEvent, "state", counting)
    return counting


@pytest.mark.parametrize("with_locks", [False, True])
def test_the_retention_touches_only_the_events_it_removes(
    counter: TouchCounter, with_locks: bool
) -> None:
    touched = {}
    for depth in (1_000, 20_000):
        harness = QueueHarness(time_to_live=3600)
        harness.queue.retention = 3600
        harness.publish(*range(BATCH))
        harness.advance_to(1)
        harness.queue.enqueue([event(0)] * depth, harness.now)  # kept: one second younger
        harness.advance_to(3600 - 30)
        if with_locks:
            assert len(tokens(harness.receive(BATCH))) == BATCH
        harness.advance_to(3600)

        touched[depth] = counter.count(lambda h=harness: h.queue.tick(h.now))

        removed = harness.queue.dropped if with_locks else harness.queue.dead_lettered
        assert len(removed) == BATCH
    assert touched[1_000] == touched[20_000] <= 2 * BATCH
