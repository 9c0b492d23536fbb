"""The order of redelivery: an event that comes back takes its original place.

Recorded service traffic shows a receive of `maxEvents=1` returning an older event
whose lock expired (deliveryCount 2) before one published after it (semantics §11).
"""

from __future__ import annotations

from pytest_eventgrid._broker import State

from ._support import QueueHarness, ids, tokens

MAX_DELIVERY = "Maximum delivery attempts was exceeded."
TIME_TO_LIVE = "Time to live exceeded."


def test_an_expired_lock_puts_the_event_back_ahead_of_later_publishes() -> None:
    harness = QueueHarness()
    harness.publish(1)
    harness.receive_one()
    harness.advance_to(30)
    harness.publish(2)
    harness.advance_to(60)

    again = harness.receive(max_events=1)
    then = harness.receive(max_events=1)

    assert [(d.event["id"], d.delivery_count) for d in again + then] == [("e1", 2), ("e2", 1)]


def test_a_released_event_goes_back_to_its_place() -> None:
    harness = QueueHarness()
    harness.publish(1, 2, 3, 4)
    first, second = harness.receive(max_events=2)

    assert harness.release(second.lock_token, first.lock_token) == ["ok", "ok"]

    assert ids(harness.receive()) == ["e1", "e2", "e3", "e4"]


def test_events_whose_delay_ends_keep_publish_order_whatever_order_they_return_in() -> None:
    harness = QueueHarness()
    harness.publish(1, 2, 3)
    received = harness.receive()
    harness.release(received[2].lock_token)  # e3: at once
    harness.release(received[0].lock_token, delay=10)  # e1: at 10

    harness.advance_to(10)

    assert ids(harness.receive()) == ["e1", "e3"]


def test_a_delay_that_ends_after_a_lock_expiry_still_keeps_publish_order() -> None:
    harness = QueueHarness()
    harness.publish(1, 2)
    first, _ = harness.receive()  # both locked until 60
    harness.advance_to(55)
    harness.release(first.lock_token, delay=10)  # e1 available at 65, after e2's expiry

    harness.advance_to(70)

    assert [(d.event["id"], d.delivery_count) for d in harness.receive()] == [
        ("e1", 2),
        ("e2", 2),
    ]


def test_transitions_noticed_late_happen_in_time_order() -> None:
    harness = QueueHarness(max_delivery_count=1, time_to_live=60)
    harness.publish(1, 2)  # e2 expires at 60, while waiting
    harness.advance_to(10)
    harness.receive(max_events=1)  # e1: its only delivery, locked until 70
    seen: list[tuple[str, object, float]] = []
    harness.queue.on_transition = lambda kind, snapshot: seen.append(
        (kind, snapshot.event["id"], snapshot.time)
    )

    harness.advance_to(100)
    harness.queue.tick(harness.now)

    assert seen == [("dead_lettered", "e2", 60.0), ("dead_lettered", "e1", 70.0)]
    assert [(s.event["id"], s.dead_letter_reason) for s in harness.queue.dead_lettered] == [
        ("e2", TIME_TO_LIVE),
        ("e1", MAX_DELIVERY),
    ]


def test_an_event_published_while_others_wait_goes_behind_them() -> None:
    harness = QueueHarness()
    harness.publish(1, 2)
    held = harness.receive(max_events=1)
    harness.publish(3)
    harness.release(*tokens(held))

    assert ids(harness.receive()) == ["e1", "e2", "e3"]
    assert set(harness.states().values()) == {State.LOCKED}


def test_pending_lists_available_events_in_publish_order() -> None:
    harness = QueueHarness()
    harness.publish(1, 2, 3)
    first = harness.receive(max_events=1)
    harness.release(*tokens(first))

    assert [s.event["id"] for s in harness.queue.pending(harness.now)] == ["e1", "e2", "e3"]
