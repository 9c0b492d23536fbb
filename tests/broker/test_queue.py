"""The state machine of one queue subscription: locks, deliveries, settlement, time."""

from __future__ import annotations

import pytest

from pytest_eventgrid._broker import IdGenerator, State, is_decodable_lock_token

from ._support import QueueHarness, ids, tokens

MAX_DELIVERY = "Maximum delivery attempts was exceeded."
TIME_TO_LIVE = "Time to live exceeded."
REJECTED = "Event was rejected by the consumer."


# -- receive ---------------------------------------------------------------------------


def test_receive_locks_up_to_max_events_with_fresh_tokens_and_first_delivery() -> None:
    harness = QueueHarness()
    harness.publish(1, 2, 3, 4, 5)

    first = harness.receive(max_events=3)
    rest = harness.receive(max_events=10)

    assert ids(first) == ["e1", "e2", "e3"]
    assert ids(rest) == ["e4", "e5"]
    handed_out = tokens(first + rest)
    assert len(set(handed_out)) == 5
    assert all(is_decodable_lock_token(token) for token in handed_out)
    assert [delivery.delivery_count for delivery in first + rest] == [1] * 5
    assert harness.receive() == []
    assert set(harness.states().values()) == {State.LOCKED}


def test_available_count_follows_receives_and_releases() -> None:
    harness = QueueHarness()
    harness.publish(1, 2, 3)
    delivery = harness.receive(max_events=2)[0]
    assert harness.queue.available_count == 1

    harness.release(delivery.lock_token)

    assert harness.queue.available_count == 2


# -- lock expiry -----------------------------------------------------------------------


def test_an_expired_lock_makes_the_event_available_with_the_next_delivery_count() -> None:
    harness = QueueHarness(lock_duration=90)
    harness.publish(1)
    first = harness.receive_one()

    harness.advance_to(89.5)
    assert harness.receive() == []
    harness.advance_to(90)
    second = harness.receive_one()

    assert (second.event["id"], second.delivery_count) == ("e1", 2)
    assert second.lock_token != first.lock_token
    [expired] = harness.queue.expired_locks
    assert (expired.lock_token, expired.delivery_count, expired.time) == (first.lock_token, 1, 90)
    assert expired.state is State.AVAILABLE
    assert harness.acknowledge(first.lock_token) == ["TokenLost"]


def test_an_expiry_noticed_late_is_recorded_at_the_instant_the_lock_ended() -> None:
    harness = QueueHarness()
    harness.publish(1)
    harness.receive_one()

    harness.advance_to(1000)

    assert [entry.event["id"] for entry in harness.queue.pending(harness.now)] == ["e1"]
    assert [entry.time for entry in harness.queue.expired_locks] == [60]


# -- release ---------------------------------------------------------------------------


@pytest.mark.parametrize("delay", [0, 10, 60, 600, 3600])
def test_release_redelivers_after_the_delay_with_a_new_token(delay: int) -> None:
    harness = QueueHarness()
    harness.publish(1)
    first = harness.receive_one()
    harness.advance_to(5)

    assert harness.release(first.lock_token, delay=delay) == ["ok"]

    if delay:
        assert harness.states() == {"e1": State.DELAYED}
        harness.advance_to(5 + delay - 0.5)
        assert harness.receive() == []
        harness.advance_to(5 + delay)
    second = harness.receive_one()
    assert (second.event["id"], second.delivery_count) == ("e1", 2)
    assert second.lock_token != first.lock_token
    [released] = harness.queue.released
    assert (released.lock_token, released.release_delay, released.time) == (
        first.lock_token,
        delay,
        5,
    )
    assert released.state is (State.DELAYED if delay else State.AVAILABLE)


def test_a_released_token_is_spent() -> None:
    harness = QueueHarness()
    harness.publish(1)
    token = harness.receive_one().lock_token
    harness.release(token)

    assert harness.acknowledge(token) == ["TokenLost"]
    assert harness.release(token) == ["TokenLost"]


# -- reject and acknowledge ------------------------------------------------------------


@pytest.mark.parametrize(
    ("dead_letter", "store", "state"),
    [(True, "dead_lettered", State.DEAD_LETTERED), (False, "dropped", State.DROPPED)],
)
def test_reject_dead_letters_the_event_or_drops_it(
    dead_letter: bool, store: str, state: State
) -> None:
    harness = QueueHarness(dead_letter=dead_letter)
    harness.publish(1)
    token = harness.receive_one().lock_token

    assert harness.reject(token) == ["ok"]

    [gone] = getattr(harness.queue, store)
    assert (gone.event["id"], gone.state, gone.dead_letter_reason) == ("e1", state, REJECTED)
    [rejected] = harness.queue.rejected
    assert (rejected.lock_token, rejected.state) == (token, state)
    other = "dropped" if dead_letter else "dead_lettered"
    assert getattr(harness.queue, other) == []
    harness.advance_to(3600)
    assert harness.receive() == []


def test_acknowledge_removes_the_event_for_good() -> None:
    harness = QueueHarness()
    harness.publish(1, 2)
    first, _ = harness.receive()

    assert harness.acknowledge(first.lock_token) == ["ok"]

    harness.advance_to(60)
    assert ids(harness.receive()) == ["e2"]
    assert harness.states() == {"e2": State.LOCKED}
    [acknowledged] = harness.queue.acknowledged
    assert (acknowledged.event["id"], acknowledged.state, acknowledged.lock_token) == (
        "e1",
        State.ACKNOWLEDGED,
        first.lock_token,
    )
    assert harness.queue.expired_locks[0].event["id"] == "e2"


# -- renew -----------------------------------------------------------------------------


def test_renew_keeps_the_token_and_extends_the_lock_from_now() -> None:
    harness = QueueHarness(lock_duration=60)
    harness.publish(1)
    token = harness.receive_one().lock_token
    harness.advance_to(50)

    assert harness.renew(token) == ["ok"]

    harness.advance_to(109.5)
    assert harness.receive() == []
    assert harness.queue.find_locked(token) is not None
    harness.advance_to(110)
    assert harness.receive_one().delivery_count == 2
    assert harness.renew(token) == ["TokenLost"]


def test_renew_is_refused_more_than_an_hour_after_the_lock_was_created() -> None:
    harness = QueueHarness(lock_duration=300)
    harness.publish(1)
    token = harness.receive_one().lock_token
    for instant in [*range(290, 3600, 290), 3600]:
        harness.advance_to(instant)
        assert harness.renew(token) == ["ok"], f"renew at {instant}s"

    harness.advance_to(3600.5)

    assert harness.renew(token) == ["TokenLost"]
    # The refusal does not end the lock: it still holds until 3900.
    assert harness.queue.find_locked(token) is not None
    assert harness.acknowledge(token) == ["ok"]


# -- max delivery count ----------------------------------------------------------------


@pytest.mark.parametrize("max_delivery_count", [1, 3])
def test_the_last_allowed_delivery_dead_letters_when_its_lock_expires(
    max_delivery_count: int,
) -> None:
    harness = QueueHarness(max_delivery_count=max_delivery_count)
    harness.publish(1)
    for count in range(1, max_delivery_count + 1):
        assert harness.receive_one().delivery_count == count
        harness.advance_to(harness.now + 60)

    assert harness.receive() == []
    [dead] = harness.queue.dead_lettered
    assert (dead.dead_letter_reason, dead.delivery_count, dead.time) == (
        MAX_DELIVERY,
        max_delivery_count,
        60 * max_delivery_count,
    )
    assert len(harness.queue.expired_locks) == max_delivery_count


@pytest.mark.parametrize("delay", [0, 600])
def test_releasing_the_last_allowed_delivery_dead_letters_at_once(delay: int) -> None:
    harness = QueueHarness(max_delivery_count=2)
    harness.publish(1)
    harness.release(harness.receive_one().lock_token)
    last = harness.receive_one()

    assert harness.release(last.lock_token, delay=delay) == ["ok"]

    assert harness.states() == {}
    [dead] = harness.queue.dead_lettered
    assert (dead.dead_letter_reason, dead.delivery_count) == (MAX_DELIVERY, 2)
    assert [entry.state for entry in harness.queue.released] == [
        State.AVAILABLE,
        State.DEAD_LETTERED,
    ]


def test_max_delivery_count_drops_without_dead_lettering() -> None:
    harness = QueueHarness(max_delivery_count=1, dead_letter=False)
    harness.publish(1)
    harness.release(harness.receive_one().lock_token)

    assert harness.queue.dead_lettered == []
    assert [entry.dead_letter_reason for entry in harness.queue.dropped] == [MAX_DELIVERY]


# -- time-to-live ----------------------------------------------------------------------


def test_time_to_live_dead_letters_an_available_event() -> None:
    harness = QueueHarness(time_to_live=120)
    harness.publish(1)
    harness.advance_to(30)
    harness.publish(2)

    harness.advance_to(120)

    assert ids(harness.receive()) == ["e2"]
    [dead] = harness.queue.dead_lettered
    assert (dead.event["id"], dead.dead_letter_reason, dead.time) == ("e1", TIME_TO_LIVE, 120)
    assert harness.queue.available_count == 0


@pytest.mark.parametrize("noticed_at", [600, 5000], ids=["on time", "late"])
def test_time_to_live_dead_letters_a_delayed_event(noticed_at: float) -> None:
    harness = QueueHarness(time_to_live=600)
    harness.publish(1)
    harness.release(harness.receive_one().lock_token, delay=3600)

    harness.advance_to(noticed_at)

    assert harness.states() == {}
    [dead] = harness.queue.dead_lettered
    assert (dead.dead_letter_reason, dead.delivery_count, dead.time) == (TIME_TO_LIVE, 1, 600)
    # Nothing is left that a waiting receive should wake up for.
    assert harness.queue.next_change() is None


def test_time_to_live_dead_letters_a_locked_event_when_its_lock_ends() -> None:
    harness = QueueHarness(time_to_live=120, lock_duration=60)
    harness.publish(1)
    harness.advance_to(100)
    token = harness.receive_one().lock_token

    harness.advance_to(150)
    assert harness.states() == {"e1": State.LOCKED}
    harness.advance_to(160)

    assert harness.states() == {}
    [dead] = harness.queue.dead_lettered
    assert (dead.dead_letter_reason, dead.time) == (TIME_TO_LIVE, 160)
    assert harness.acknowledge(token) == ["TokenLost"]


def test_time_to_live_drops_without_dead_lettering() -> None:
    harness = QueueHarness(time_to_live=60, dead_letter=False)
    harness.publish(1)
    harness.advance_to(60)

    assert harness.receive() == []
    assert [entry.dead_letter_reason for entry in harness.queue.dropped] == [TIME_TO_LIVE]


def test_next_change_is_the_earliest_lock_expiry_or_end_of_delay() -> None:
    harness = QueueHarness(lock_duration=60)
    assert harness.queue.next_change() is None
    harness.publish(1, 2)
    locked, released = tokens(harness.receive())
    harness.advance_to(5)
    harness.release(released, delay=10)

    assert harness.queue.next_change() == 15
    harness.advance_to(15)
    redelivered = harness.receive_one().lock_token
    assert harness.queue.next_change() == 60
    harness.acknowledge(locked)
    assert harness.queue.next_change() == 75
    harness.acknowledge(redelivered)
    assert harness.queue.next_change() is None


# -- BadToken and TokenLost ------------------------------------------------------------

OPERATIONS = ["acknowledge", "release", "reject", "renew"]


def _settle(harness: QueueHarness, operation: str, *lock_tokens: str) -> list[str]:
    result: list[str] = getattr(harness, operation)(*lock_tokens)
    return result


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "",
        "A" * 80,  # base64, but not the structure of a lock token
        IdGenerator(0).lock_token()[:-4],  # cut short
    ],
)
def test_an_undecodable_token_is_a_bad_token(operation: str, token: str) -> None:
    harness = QueueHarness()

    assert _settle(harness, operation, token) == ["BadToken"]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_token_of_no_lock_is_lost(operation: str) -> None:
    harness = QueueHarness()
    unknown = IdGenerator("another broker").lock_token()

    assert is_decodable_lock_token(unknown)
    assert _settle(harness, operation, unknown) == ["TokenLost"]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("settled_by", ["acknowledge", "release", "reject"])
def test_a_settled_token_is_lost(operation: str, settled_by: str) -> None:
    harness = QueueHarness()
    harness.publish(1)
    token = harness.receive_one().lock_token
    _settle(harness, settled_by, token)

    assert _settle(harness, operation, token) == ["TokenLost"]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_an_expired_token_is_lost(operation: str) -> None:
    harness = QueueHarness()
    harness.publish(1)
    token = harness.receive_one().lock_token
    harness.advance_to(60)

    assert _settle(harness, operation, token) == ["TokenLost"]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_token_twice_in_one_request_is_lost_the_second_time(operation: str) -> None:
    harness = QueueHarness()
    harness.publish(1)
    token = harness.receive_one().lock_token

    assert _settle(harness, operation, token, token) == ["ok", "TokenLost"]


def test_a_mixed_request_answers_each_token_in_order() -> None:
    harness = QueueHarness()
    harness.publish(1, 2)
    first, second = tokens(harness.receive())
    harness.acknowledge(first)

    assert harness.acknowledge("bad", first, second) == ["BadToken", "TokenLost", "ok"]
    assert [entry.event["id"] for entry in harness.queue.acknowledged] == ["e1", "e2"]
