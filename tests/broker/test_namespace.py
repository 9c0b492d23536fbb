"""Namespaces and topics: fan-out, topology, and the journal of what happened."""

from __future__ import annotations

import pytest

from pytest_eventgrid._broker import (
    Broker,
    Clock,
    IdGenerator,
    JournalEntry,
    Namespace,
    NotFound,
    SubscriptionQueue,
    SubscriptionSettings,
)

from ._support import event, ids, outcomes, tokens


def make_namespace(**settings: object) -> Namespace:
    broker = Broker(Clock(autojump=False), IdGenerator(0))
    return broker.namespace("ns.westus-1.eventgrid.azure.net", **settings)


def receive(namespace: Namespace, subscription: str, topic: str = "orders") -> list[object]:
    with namespace.broker.lock:
        return ids(namespace.receive(topic, subscription, 100))


def test_publish_fans_out_to_every_subscription() -> None:
    namespace = make_namespace()
    for name in ("billing", "shipping", "audit"):
        namespace.subscription("orders", name)

    namespace.publish("orders", [event(1), event(2)])

    for name in ("billing", "shipping", "audit"):
        assert receive(namespace, name) == ["e1", "e2"], name


def test_subscriptions_settle_independently() -> None:
    namespace = make_namespace()
    namespace.subscription("orders", "billing")
    namespace.subscription("orders", "shipping")
    namespace.publish("orders", [event(1)])
    [delivery] = namespace.receive("orders", "billing", 1)

    namespace.settle(
        "acknowledge", "orders", "billing", [delivery.lock_token], SubscriptionQueue.acknowledge
    )

    assert receive(namespace, "billing") == []
    assert receive(namespace, "shipping") == ["e1"]


def test_a_subscription_sees_only_events_published_after_it_was_created() -> None:
    namespace = make_namespace()
    namespace.subscription("orders", "early")
    namespace.publish("orders", [event(1)])
    namespace.subscription("orders", "late")
    namespace.publish("orders", [event(2)])

    assert receive(namespace, "early") == ["e1", "e2"]
    assert receive(namespace, "late") == ["e2"]
    assert [stored["id"] for stored in namespace.topic("orders").published] == ["e1", "e2"]


def test_a_topic_keeps_what_was_published_without_subscriptions() -> None:
    namespace = make_namespace()

    namespace.publish("orders", [event(1)])

    topic = namespace.topic("orders", create=False)
    assert [stored["id"] for stored in topic.published] == ["e1"]
    assert topic.subscriptions == {}


def test_without_auto_create_unknown_names_are_not_found() -> None:
    namespace = make_namespace(auto_create=False)
    namespace.subscription("orders", "billing")

    with pytest.raises(NotFound, match=r"^Topic 'payments' is not found$") as topic_error:
        namespace.publish("payments", [event(1)])
    with pytest.raises(NotFound, match=r"^Event subscription 'audit' is not found$"):
        namespace.receive("orders", "audit", 1)

    assert (topic_error.value.kind, topic_error.value.name) == ("Topic", "payments")
    assert list(namespace.topics) == ["orders"]


def test_with_auto_create_a_receive_creates_the_subscription() -> None:
    namespace = make_namespace()

    assert namespace.receive("orders", "billing", 1) == []

    assert list(namespace.topic("orders").subscriptions) == ["billing"]


def test_subscriptions_get_the_namespace_defaults_or_their_own_settings() -> None:
    defaults = SubscriptionSettings(lock_duration=120)
    namespace = make_namespace(defaults=defaults)
    custom = SubscriptionSettings(max_delivery_count=3)

    assert namespace.subscription("orders", "billing").settings == defaults
    assert namespace.subscription("orders", "audit", settings=custom).settings == custom
    # Settings given again update the existing subscription.
    assert namespace.subscription("orders", "billing", settings=custom).settings == custom


def test_the_journal_records_each_operation_with_its_items() -> None:
    namespace = make_namespace()
    journal = namespace.broker.journal
    namespace.subscription("orders", "billing")
    namespace.publish("orders", [event(1), event(2)])
    first, second = namespace.receive("orders", "billing", 2)
    namespace.broker.clock.advance(5)

    results = namespace.settle(
        "release",
        "orders",
        "billing",
        [first.lock_token, "bad"],
        lambda queue, lock_tokens, now: queue.release(lock_tokens, now, 10.0),
        detail="delay=10s",
    )

    assert outcomes(results) == ["ok", "BadToken"]
    assert [(entry.time, entry.operation) for entry in journal] == [
        (0, "create_topic"),
        (0, "create_subscription"),
        (0, "publish"),
        (0, "receive"),
        (5, "release"),
    ]
    publish, receive_entry, release = journal.entries()[2:]
    assert [item.event_id for item in publish.items] == ["e1", "e2"]
    assert [item.lock_token for item in receive_entry.items] == tokens([first, second])
    assert [item.delivery_count for item in receive_entry.items] == [1, 1]
    assert [(item.event_id, item.outcome) for item in release.items] == [
        ("e1", "ok"),
        (None, "BadToken"),
    ]
    assert (release.subscription, release.detail) == ("billing", "delay=10s")


def test_an_empty_receive_leaves_no_journal_entry() -> None:
    namespace = make_namespace()
    namespace.subscription("orders", "billing")
    before = len(namespace.broker.journal)

    namespace.receive("orders", "billing", 10)

    assert len(namespace.broker.journal) == before


def test_journal_listeners_see_each_new_entry_until_removed() -> None:
    namespace = make_namespace()
    seen: list[str] = []

    def listener(entry: JournalEntry) -> None:
        seen.append(entry.operation)

    namespace.broker.journal.add_listener(listener)
    namespace.publish("orders", [event(1)])
    namespace.broker.journal.remove_listener(listener)
    namespace.publish("orders", [event(2)])

    assert seen == ["create_topic", "publish"]


def test_the_broker_creates_each_namespace_once() -> None:
    broker = Broker(Clock(), IdGenerator(0))

    first = broker.namespace("a.westus-1.eventgrid.azure.net", key="k")
    again = broker.namespace("a.westus-1.eventgrid.azure.net", key="other")

    assert again is first
    assert first.key == "k"
    assert broker.locked(lambda: sorted(broker.namespaces)) == ["a.westus-1.eventgrid.azure.net"]
