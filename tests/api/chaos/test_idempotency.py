"""`chaos.check_idempotency`: a consumer runs calm and under chaos, and the report
compares what it did.

The consumers charge an order per event. Each test runs with an async consumer
loop (`check_idempotency`, stopped by `eventgrid.until_settled()`) and with a
sync one (`check_idempotency_sync`, which loops until the subscription is settled).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from azure.eventgrid import EventGridPublisherClient
from azure.eventgrid.models import ReceiveDetails

from pytest_eventgrid import EventGrid, chaos
from pytest_eventgrid.chaos import ChaosReport

from ._support import cloud_event, lock_tokens, settled

pytestmark = pytest.mark.asyncio

DEFAULT_MIX = (
    "{'duplicates': 0.3, 'reorder': True, 'early_lock_expiry': 0.2, 'short_batches': 0.5, "
    "'token_lost': 0.2}"
)
DOCS = "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/failures/#chaos"
ORDERS = 8
# What seed 0 does to the naive consumer: three duplicates and one lost token.
NAIVE_EXTRA_CHARGES = {
    ("charge", "order-6", 10): 2,
    ("charge", "order-1", 10): 1,
    ("charge", "order-2", 10): 1,
}

Effects = list[Any]
Handler = Callable[[ReceiveDetails, Effects], None]
MakeHandler = Callable[[], Handler]
"""Makes the handler of one run: state it keeps must not leak into the other run."""


def charge(detail: ReceiveDetails, effects: Effects) -> None:
    effects.append(("charge", f"order-{detail.event.data['n']}", 10))


def charge_every_delivery() -> Handler:
    """Naive: a redelivered or duplicated event charges the customer again."""
    return charge


def charge_once_per_event() -> Handler:
    """Idempotent: remembers the events it charged for, by event id."""
    charged: set[str] = set()

    def handle(detail: ReceiveDetails, effects: Effects) -> None:
        if detail.event.id not in charged:
            charged.add(detail.event.id)
            charge(detail, effects)

    return handle


class Scenario:
    """Publish `ORDERS` events, then hand each delivery to a fresh handler and
    acknowledge each batch: until the subscription is settled, or for one batch
    only (`stop_early`)."""

    def __init__(self, flavour: str, handler: MakeHandler, *, stop_early: bool = False) -> None:
        self.flavour = flavour
        self.handler = handler
        self.stop_early = stop_early

    async def check(self, **options: Any) -> ChaosReport:
        if self.flavour == "async":
            return await chaos.check_idempotency(self.run_async, **options)
        return chaos.check_idempotency_sync(self.run_sync, **options)

    def events(self) -> list[Any]:
        return [cloud_event(number) for number in range(ORDERS)]

    async def run_async(self, eventgrid: EventGrid, effects: Effects) -> None:
        handle = self.handler()
        async with eventgrid.aio_publisher() as publisher, eventgrid.aio_consumer() as consumer:
            await publisher.send(self.events())

            async def batch() -> None:
                received = await consumer.receive(max_events=ORDERS, max_wait_time=10)
                for detail in received:
                    handle(detail, effects)
                if received:
                    await consumer.acknowledge(lock_tokens=lock_tokens(received))

            if self.stop_early:
                await batch()
                return

            async def loop() -> None:
                while True:
                    await batch()

            worker = asyncio.create_task(loop())
            await eventgrid.until_settled()
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    def run_sync(self, eventgrid: EventGrid, effects: Effects) -> None:
        handle = self.handler()
        with eventgrid.publisher() as publisher, eventgrid.consumer() as consumer:
            publisher.send(self.events())
            subscription = eventgrid.subscription()
            while not settled(subscription):
                received = consumer.receive(max_events=ORDERS, max_wait_time=10)
                for detail in received:
                    handle(detail, effects)
                if received:
                    consumer.acknowledge(lock_tokens=lock_tokens(received))
                if self.stop_early:
                    return


async def test_a_consumer_that_charges_per_delivery_is_caught(flavour: str) -> None:
    report = await Scenario(flavour, charge_every_delivery).check()

    assert not report.idempotent
    assert report.missing_effects == {}
    assert report.extra_effects == NAIVE_EXTRA_CHARGES
    assert report.unacknowledged == []
    assert report.calm.unsettled == report.chaos.unsettled == []
    lines = report.explain().splitlines()
    assert lines[:5] == [
        f"Under chaos {DEFAULT_MIX} (seed 0) the consumer did not behave as when calm:",
        "  side effects repeated or new under chaos: ('charge', 'order-6', 10) x2",
        "  side effects repeated or new under chaos: ('charge', 'order-1', 10) x1",
        "  side effects repeated or new under chaos: ('charge', 'order-2', 10) x1",
        "  the chaotic run delivered 3 duplicate(s) and redelivered 1 time(s); its timeline:",
    ]
    assert lines[5].split() == ["t=", "0.000s", "create_topic", "test-topic"]
    assert lines[-1] == DOCS
    with pytest.raises(AssertionError) as failed:
        report.assert_idempotent()
    assert str(failed.value) == report.explain()


async def test_a_consumer_that_remembers_event_ids_is_idempotent(flavour: str) -> None:
    report = await Scenario(flavour, charge_once_per_event).check()

    assert report.idempotent, report.explain()
    report.assert_idempotent()
    assert report.explain().splitlines()[0] == (
        f"Under chaos {DEFAULT_MIX} (seed 0) the consumer behaved as when calm."
    )
    assert report.chaos.effects == report.calm.effects
    assert sorted(report.chaos.effects) == [("charge", f"order-{n}", 10) for n in range(ORDERS)]
    # The chaos was real: events came twice and more, yet each was charged once.
    assert report.chaos.duplicates > 0
    assert report.chaos.redeliveries > 0
    assert max(report.chaos.acknowledged.values()) > 1
    assert (report.calm.duplicates, report.calm.redeliveries) == (0, 0)


async def test_a_consumer_that_stops_early_leaves_events_unsettled(flavour: str) -> None:
    scenario = Scenario(flavour, charge_once_per_event, stop_early=True)

    report = await scenario.check(chaos={"short_batches": 1.0})

    assert not report.idempotent
    assert report.calm.unsettled == []  # calm, one batch takes every event
    assert report.unacknowledged == report.chaos.unsettled == ["e4", "e5", "e6", "e7"]
    assert report.extra_effects == {}
    lines = report.explain().splitlines()
    assert lines[:8] == [
        "Under chaos {'short_batches': 1.0} (seed 0) the consumer did not behave as when calm:",
        "  side effects of the calm run missing: ('charge', 'order-4', 10) x1",
        "  side effects of the calm run missing: ('charge', 'order-5', 10) x1",
        "  side effects of the calm run missing: ('charge', 'order-6', 10) x1",
        "  side effects of the calm run missing: ('charge', 'order-7', 10) x1",
        "  events never acknowledged: ['e4', 'e5', 'e6', 'e7']",
        "  events left in the queue after the chaotic run: ['e4', 'e5', 'e6', 'e7']",
        "  the chaotic run delivered 0 duplicate(s) and redelivered 0 time(s); its timeline:",
    ]


async def test_another_seed_takes_other_liberties(flavour: str) -> None:
    report = await Scenario(flavour, charge_every_delivery).check(seed=1)

    assert not report.idempotent
    assert report.seed == 1
    assert "(seed 1)" in report.explain().splitlines()[0]
    assert report.extra_effects != NAIVE_EXTRA_CHARGES


async def test_each_run_gets_a_fresh_fake_with_the_settings(flavour: str) -> None:
    fakes: list[EventGrid] = []

    async def scenario(eventgrid: EventGrid, effects: Effects) -> None:
        fakes.append(eventgrid)
        effects.append(eventgrid.default_topic)

    report = await chaos.check_idempotency(scenario, topic="orders", namespace="shop")

    assert [fake.endpoint for fake in fakes] == ["https://shop.westus-1.eventgrid.azure.net"] * 2
    assert fakes[0] is not fakes[1]
    assert report.idempotent


async def test_the_report_reads_every_namespace_the_fake_served() -> None:
    def scenario(eventgrid: EventGrid, effects: Effects) -> None:
        other = "https://other.westus-1.eventgrid.azure.net"
        transport = eventgrid.transport()
        with EventGridPublisherClient(
            other, eventgrid.credential, namespace_topic="orders", transport=transport
        ) as publisher:
            publisher.send(cloud_event(1))
        with eventgrid.publisher() as publisher:
            publisher.send(cloud_event(2))

    report = chaos.check_idempotency_sync(scenario)

    assert report.calm.published == report.chaos.published == ["e2", "e1"]


async def test_effects_compare_as_a_multiset_of_values() -> None:
    """Mappings compare whatever their key order, lists in order, sets in any order."""
    runs = iter(
        [
            [{"order": "order-1", "lines": ["a", "b"], "tags": {"x", "y"}}, "shipped"],
            ["shipped", {"tags": {"y", "x"}, "lines": ["a", "b"], "order": "order-1"}],
        ]
    )

    def scenario(eventgrid: EventGrid, effects: Effects) -> None:
        effects.extend(next(runs))

    report = chaos.check_idempotency_sync(scenario)

    assert report.idempotent, report.explain()
