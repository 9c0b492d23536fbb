"""Bounded memory with a frozen clock, and views that see what time alone did."""

from __future__ import annotations

from pytest_eventgrid import EventGrid
from pytest_eventgrid._broker import Clock, IdGenerator, SubscriptionQueue, SubscriptionSettings

from ._support import event


def test_settled_locks_do_not_pile_up_in_the_expiry_heap_on_a_frozen_clock():
    queue = SubscriptionQueue("s", SubscriptionSettings(), IdGenerator(0), 0.0)
    for number in range(1_000):
        queue.enqueue([event(number)], 0.0)
        [delivery] = queue.receive(1, 0.0)
        queue.renew_locks([delivery.lock_token], 0.0)
        queue.acknowledge([delivery.lock_token], 0.0)

    assert len(queue._lock_expiry) <= 64
    assert len(queue.acknowledged) == 1_000


def test_history_views_include_what_time_alone_did():
    eventgrid = EventGrid(seed=1, time_to_live=120)
    subscription = eventgrid.subscription()
    with eventgrid.publisher() as publisher, eventgrid.consumer() as consumer:
        publisher.send({"id": "1", "source": "/s", "type": "T", "specversion": "1.0"})
        consumer.receive()

    eventgrid.clock.advance(61)
    assert [e.id for e in subscription.expired_locks] == ["1"]

    eventgrid.clock.advance(60)
    [letter] = subscription.dead_lettered
    assert (letter.id, letter.dead_letter_reason) == ("1", "Time to live exceeded.")


def test_a_clock_listener_sees_every_advance():
    clock = Clock()
    seen: list[float] = []
    clock.add_listener(lambda: seen.append(clock.now()))
    clock.advance(5)
    clock.advance_to(3)  # the past: ignored
    clock.remove_listener(clock._listeners[0])
    clock.advance(1)

    assert seen == [5.0]
