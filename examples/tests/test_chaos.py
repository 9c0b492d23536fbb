"""The worker under chaos: is charging for orders idempotent?

Event Grid delivers at least once. An event may come twice (a duplicate), out of
order, or again after its lock expired early or its acknowledgement came back
`TokenLost`; a receive may return fewer events than are waiting. Whatever does the
work behind the worker must give the same result however often it sees an order.

`chaos.check_idempotency(scenario, **settings)` runs the scenario twice, each time
in a fresh fake built with `settings` (as `mock_eventgrid(**settings)` does): once
calm, once taking those liberties on purpose (seeded, so a failure reproduces).
The scenario records the side effects it causes in `effects`; the report compares
the two runs and says what differed. Every client the service builds reaches the
fake of the run, so a scenario only points the service's settings at it. Anything
that remembers (here `Billing`) is built inside the scenario, so that the chaotic
run does not start with the calm run's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import pytest
from orders import Order, OrderPublisher, OrderWorker, Settings, SyncOrderWorker
from orders.models import order_created_event
from support import ORDER_PROCESSOR, ORDERS_TOPIC, an_order

from pytest_eventgrid import Clock, EventGrid, chaos

ORDER_IDS = [f"order-{n}" for n in range(8)]
# Each run's fake: the service's namespace, with its topic and subscription.
SERVICE = {"namespace": "contoso-orders", "topics": {ORDERS_TOPIC: [ORDER_PROCESSOR]}}
# A call to the payment provider takes virtual time, so a lock that chaos ends early
# can end while the worker is still busy with its batch.
SECONDS_PER_CHARGE = 5


class Billing:
    """Charges each order once, however often the worker hands it over (a real one
    would keep the orders it charged for in its database)."""

    def __init__(self, effects: list, clock: Clock) -> None:
        self.effects = effects
        self.clock = clock
        self.charged: set[str] = set()

    def __call__(self, order: Order) -> None:
        if order.order_id in self.charged:
            return
        self.clock.advance(SECONDS_PER_CHARGE)
        self.charged.add(order.order_id)
        self.effects.append(("charged", order.customer_id, order.order_id))


class NaiveBilling(Billing):
    """Charges the customer every time it is called: a redelivery charges again."""

    def __call__(self, order: Order) -> None:
        self.clock.advance(SECONDS_PER_CHARGE)
        self.effects.append(("charged", order.customer_id, order.order_id))


@pytest.fixture
def service_settings(monkeypatch: pytest.MonkeyPatch) -> Callable[[EventGrid], Settings]:
    """Point the service's environment at one run's fake, and read its settings."""

    def point_at(eventgrid: EventGrid) -> Settings:
        monkeypatch.setenv("ORDERS_EVENTGRID_ENDPOINT", eventgrid.endpoint)
        monkeypatch.setenv("ORDERS_EVENTGRID_KEY", eventgrid.credential.key)
        monkeypatch.setenv("ORDERS_EVENTGRID_TOPIC", ORDERS_TOPIC)
        monkeypatch.setenv("ORDERS_EVENTGRID_SUBSCRIPTION", ORDER_PROCESSOR)
        return Settings.from_env()

    return point_at


def worker_scenario(service_settings, billing: type[Billing]):
    """Orders come in through the service's publisher; the asyncio worker charges for
    them until Event Grid has nothing left for it."""

    async def scenario(eventgrid: EventGrid, effects: list) -> None:
        settings = service_settings(eventgrid)
        async with OrderPublisher(settings) as publisher:
            await publisher.publish(*(an_order(order_id) for order_id in ORDER_IDS))

        async with OrderWorker(settings, billing(effects, eventgrid.clock)) as worker:
            loop = asyncio.create_task(worker.run())
            await eventgrid.until_settled(ORDER_PROCESSOR, topic=ORDERS_TOPIC)
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop

    return scenario


async def test_the_worker_charges_each_order_once_under_chaos(service_settings):
    report = await chaos.check_idempotency(worker_scenario(service_settings, Billing), **SERVICE)

    report.assert_idempotent()
    assert sorted(report.chaos.effects) == [
        ("charged", "customer-7", order_id) for order_id in ORDER_IDS
    ]
    # Not a quiet run: orders came back, and Billing saw them again.
    assert report.chaos.duplicates + report.chaos.redeliveries > 0


def test_the_sync_worker_charges_each_order_once_under_chaos(service_settings):
    def scenario(eventgrid: EventGrid, effects: list) -> None:
        settings = service_settings(eventgrid)
        with eventgrid.publisher(ORDERS_TOPIC) as publisher:  # orders arrive
            publisher.send([order_created_event(an_order(order_id)) for order_id in ORDER_IDS])
        subscription = eventgrid.topic(ORDERS_TOPIC).subscription(ORDER_PROCESSOR)

        def drained() -> bool:
            return not (subscription.available or subscription.delayed or subscription.locked)

        with SyncOrderWorker(settings, Billing(effects, eventgrid.clock)) as worker:
            worker.run(stop=drained)

    report = chaos.check_idempotency_sync(scenario, **SERVICE)

    report.assert_idempotent()
    assert report.chaos.duplicates + report.chaos.redeliveries > 0


async def test_charging_on_every_delivery_is_caught(service_settings):
    report = await chaos.check_idempotency(
        worker_scenario(service_settings, NaiveBilling), **SERVICE
    )

    assert not report.idempotent
    lines = report.explain().splitlines()
    assert lines[0] == (
        "Under chaos {'duplicates': 0.3, 'reorder': True, 'early_lock_expiry': 0.2, "
        "'short_batches': 0.5, 'token_lost': 0.2} (seed 0) the consumer did not behave "
        "as when calm:"
    )
    # Some orders were delivered more than once, and the naive billing charged each
    # delivery. The report names them, then shows the timeline, to see how.
    effect_lines = [line for line in lines[1:] if line.startswith("  side effects")]
    assert effect_lines
    assert all(
        line.startswith("  side effects repeated or new under chaos: ('charged', 'customer-7', ")
        for line in effect_lines
    )
    assert any(line.startswith("  the chaotic run delivered ") for line in lines)
    with pytest.raises(AssertionError, match="did not behave as when calm"):
        report.assert_idempotent()
