"""The broker driven from several threads at once, under its own lock."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from pytest_eventgrid._broker import Broker, Clock, IdGenerator, SubscriptionQueue

from ._support import event, outcomes

PUBLISHERS = 4
CONSUMERS = 6
EVENTS_PER_PUBLISHER = 500
TOTAL = PUBLISHERS * EVENTS_PER_PUBLISHER


@pytest.fixture(autouse=True)
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads as often as possible, so that races show up."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def run_threads(targets: list[Callable[[], None]]) -> None:
    """Start every target at once; the join timeout only guards against a hang."""
    threads = [threading.Thread(target=target, daemon=True) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"


def test_concurrent_publishers_and_consumers_acknowledge_every_event_exactly_once() -> None:
    broker = Broker(Clock(autojump=False), IdGenerator(0))
    namespace = broker.namespace("ns.westus-1.eventgrid.azure.net")
    namespace.subscription("orders", "billing")
    start = threading.Barrier(PUBLISHERS + CONSUMERS)
    acknowledged: list[object] = []
    handed_out: list[str] = []
    failures: list[str] = []

    def publish(publisher: int) -> Callable[[], None]:
        def run() -> None:
            start.wait()
            for batch in range(0, EVENTS_PER_PUBLISHER, 10):
                numbers = range(batch, batch + 10)
                events = [event(publisher * EVENTS_PER_PUBLISHER + n) for n in numbers]
                broker.locked(lambda events=events: namespace.publish("orders", events))

        return run

    def consume() -> None:
        start.wait()
        while len(acknowledged) < TOTAL:
            deliveries = broker.locked(lambda: namespace.receive("orders", "billing", 7))
            lock_tokens = [delivery.lock_token for delivery in deliveries]
            handed_out.extend(lock_tokens)
            if not lock_tokens:
                continue
            results = broker.locked(
                lambda lock_tokens=lock_tokens: namespace.settle(
                    "acknowledge", "orders", "billing", lock_tokens, SubscriptionQueue.acknowledge
                )
            )
            failures.extend(code for code in outcomes(results) if code != "ok")
            acknowledged.extend(delivery.event["id"] for delivery in deliveries)

    run_threads([publish(number) for number in range(PUBLISHERS)] + [consume] * CONSUMERS)

    assert failures == []
    assert len(handed_out) == len(set(handed_out)) == TOTAL
    assert Counter(acknowledged) == Counter(f"e{n}" for n in range(TOTAL))
    queue = namespace.topic("orders").subscriptions["billing"]
    assert len(queue.acknowledged) == TOTAL
    assert queue.pending(broker.clock.now()) == []
    assert queue.available_count == 0
    operations = Counter(entry.operation for entry in broker.journal)
    assert operations["publish"] == TOTAL // 10
    assert sum(len(entry.items) for entry in broker.journal if entry.operation == "receive") == (
        TOTAL
    )
