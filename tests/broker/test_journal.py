"""What happens without a request (lock expiry, dead letters) is on the timeline too."""

from __future__ import annotations

from pytest_eventgrid._broker import Broker, Clock, IdGenerator, SubscriptionSettings

from ._support import event


def make_namespace(**settings: object):
    broker = Broker(Clock(), IdGenerator(0))
    namespace = broker.namespace(
        "ns.westus-1.eventgrid.azure.net", defaults=SubscriptionSettings(**settings)
    )
    namespace.subscription("t", "s")
    return broker, namespace


def transitions(broker: Broker) -> list[tuple[float, str, int, str, str]]:
    return [
        (entry.time, entry.operation, entry.status, item.event_id or "", item.outcome)
        for entry in broker.journal.entries()
        if entry.operation in ("lock_expired", "dead_lettered", "dropped")
        for item in entry.items
    ]


def test_a_lock_that_expires_is_recorded_at_the_instant_it_expired():
    broker, namespace = make_namespace()
    namespace.publish("t", [event(1)])
    namespace.receive("t", "s", 1)
    broker.clock.advance(100)

    namespace.receive("t", "s", 1)

    assert transitions(broker) == [(60.0, "lock_expired", 0, "e1", "available again")]


def test_the_last_allowed_delivery_expiring_dead_letters_the_event():
    broker, namespace = make_namespace(max_delivery_count=1)
    namespace.publish("t", [event(1)])
    namespace.receive("t", "s", 1)
    broker.clock.advance(60)

    namespace.receive("t", "s", 1)

    assert transitions(broker) == [
        (60.0, "dead_lettered", 0, "e1", "dead-lettered: Maximum delivery attempts was exceeded.")
    ]


def test_time_to_live_drops_the_event_when_dead_lettering_is_off():
    broker, namespace = make_namespace(time_to_live=60, dead_letter=False)
    namespace.publish("t", [event(1)])
    broker.clock.advance(61)

    namespace.receive("t", "s", 1)

    assert transitions(broker) == [(60.0, "dropped", 0, "e1", "dropped: Time to live exceeded.")]
