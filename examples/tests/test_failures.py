"""The service survives Event Grid failing: scripted faults, on the fake's clock.

`eventgrid.fail(operation, outcome)` makes the next request of that operation fail the
way the service does: a 503, throttling, a dropped connection, a timeout, a lock token
that was lost. The service's own clients meet the fault (they reach the fake through
interception), and the SDK's retry policy runs as in production; its waits pass on the
virtual clock. A fault that never fires fails the test, so each one below is met.

What the service does about it:

- publishing: the SDK retries a 503 three times; after that, the API answers 503 and
  the caller tries again;
- the worker's loop (`run()`) waits `error_backoff` seconds after a transient failure
  and carries on (0 here, from the environment);
- an event whose acknowledgement failed comes back, so the warehouse ships each order
  only once, however often it is handed over.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from orders import Order, OrderPublisher, OrderWorker, SyncOrderWorker
from orders.api import create_app
from support import ORDER_PROCESSOR, ORDERS_TOPIC, an_order

from pytest_eventgrid import faults

pytestmark = pytest.mark.eventgrid(topic=ORDERS_TOPIC, subscription=ORDER_PROCESSOR)

NEW_ORDER = {
    "order_id": "order-1",
    "customer_id": "customer-7",
    "lines": [{"sku": "sku-42", "quantity": 2}],
}


@pytest.fixture(autouse=True)
def no_real_waiting(monkeypatch):
    """Retry back-off and `Retry-After` pass on the fake clock: refuse a real wait, and
    let the worker retry at once after a failure."""
    monkeypatch.setenv("ORDERS_ERROR_BACKOFF_SECONDS", "0")
    async_sleep = asyncio.sleep

    async def no_waiting(delay, result=None):
        assert delay == 0, f"asyncio.sleep({delay}) would wait for real"
        return await async_sleep(0, result)

    def no_sleeping(delay):
        assert delay == 0, f"time.sleep({delay}) would wait for real"

    monkeypatch.setattr(asyncio, "sleep", no_waiting)
    monkeypatch.setattr(time, "sleep", no_sleeping)


class Warehouse:
    """Ships each order once, however often the worker hands it over (a real one
    would look the order up in its database)."""

    def __init__(self) -> None:
        self.handed_over: list[str] = []
        self.shipped: list[str] = []

    def __call__(self, order: Order) -> None:
        self.handed_over.append(order.order_id)
        if order.order_id not in self.shipped:
            self.shipped.append(order.order_id)


@pytest.fixture
def warehouse() -> Warehouse:
    return Warehouse()


@pytest.fixture
def fulfilment(warehouse):
    """The worker fixture hands orders to the idempotent warehouse."""
    return warehouse


def settled(subscription) -> bool:
    return not (subscription.available or subscription.delayed or subscription.locked)


async def run_until_settled(worker, eventgrid, subscription) -> None:
    """Run the worker's loop, whichever kind it is, until every event was settled."""
    if isinstance(worker, SyncOrderWorker):
        worker.run(stop=lambda: settled(subscription))
        return
    loop = asyncio.create_task(worker.run())
    await eventgrid.until(lambda: settled(subscription))
    loop.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await loop


async def run_forever(worker) -> None:
    """Run the worker's loop, whichever kind it is, until it raises."""
    if isinstance(worker, OrderWorker):
        await worker.run()
    else:
        worker.run(stop=lambda: False)


@asynccontextmanager
async def orders_api() -> AsyncIterator[httpx.AsyncClient]:
    """The orders API, started (settings from the environment) and with a client."""
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://orders.test") as client,
    ):
        yield client


# -- publishing ------------------------------------------------------------------------------


async def test_publishing_rides_out_a_short_503_storm(eventgrid, settings):
    storm = eventgrid.fail("publish", faults.status(503), times=3)

    async with OrderPublisher(settings) as publisher:
        [event] = await publisher.publish(an_order("order-1"))

    assert storm.fired == 3
    assert [call.status for call in eventgrid.calls] == [503, 503, 503, 200]
    assert eventgrid.clock.now() == pytest.approx(4.8)  # the SDK's back-off: 0, 1.6, 3.2 s
    eventgrid.assert_published(id=event.id, subject="orders/order-1", count=1)


async def test_the_api_asks_to_try_again_during_a_long_storm(eventgrid, settings):
    eventgrid.fail("publish", faults.status(503), times=4)  # outlasts the SDK's 3 retries

    async with orders_api() as client:
        refused = await client.post("/orders", json=NEW_ORDER)
        accepted = await client.post("/orders", json=NEW_ORDER)  # the caller tries again

    assert refused.status_code == 503
    assert refused.json() == {"detail": "The order could not be queued; try again."}
    assert accepted.status_code == 202
    eventgrid.assert_published(subject="orders/order-1", count=1)


async def test_publishing_waits_out_throttling(eventgrid, settings):
    throttling = [faults.throttle(retry_after=5), faults.throttle(retry_after=5), faults.ok()]
    eventgrid.fail("publish", throttling)

    async with OrderPublisher(settings) as publisher:
        await publisher.publish(an_order("order-1"))

    assert [(call.time, call.status) for call in eventgrid.calls] == [
        (0, 429),
        (5, 429),
        (10, 200),
    ]


# -- the worker --------------------------------------------------------------------------------


async def test_a_lock_lost_mid_processing_ships_the_order_once(
    eventgrid, publish_orders, process_batch, warehouse, subscription
):
    [event_id] = await publish_orders("order-1")
    eventgrid.fail("acknowledge", faults.lose_tokens())  # the lock ends while the worker works

    first = await process_batch()
    second = await process_batch()  # the order comes back at once

    assert (first.acknowledged, first.lost) == ([], [event_id])
    assert second.acknowledged == [event_id]
    assert warehouse.handed_over == ["order-1", "order-1"]
    assert warehouse.shipped == ["order-1"]
    [acknowledged] = subscription.assert_acknowledged(id=event_id, count=1)
    assert acknowledged.delivery_count == 2


async def test_a_partial_acknowledge_failure_brings_back_only_the_lost_orders(
    eventgrid, publish_orders, process_batch, warehouse, subscription
):
    order_ids = [f"order-{n}" for n in range(10)]
    event_ids = await publish_orders(*order_ids)
    eventgrid.fail("acknowledge", faults.lose_tokens(fraction=0.5))  # seeded: same every run

    first = await process_batch()
    second = await process_batch()

    assert 0 < len(first.lost) < 10  # some acknowledgements failed, not all
    assert sorted(first.acknowledged + first.lost) == sorted(event_ids)
    assert second.received == second.acknowledged == first.lost
    assert warehouse.shipped == order_ids
    subscription.assert_settled_all()


async def test_an_acknowledge_storm_brings_the_orders_back_after_their_locks(
    eventgrid, worker, publish_orders, warehouse, subscription
):
    event_ids = await publish_orders("order-1", "order-2")
    storm = eventgrid.fail("acknowledge", faults.status(503), times=4)  # the SDK gives up

    await run_until_settled(worker, eventgrid, subscription)

    assert storm.fired == 4
    assert warehouse.handed_over == ["order-1", "order-2"] * 2
    assert warehouse.shipped == ["order-1", "order-2"]
    assert eventgrid.clock.now() == 60  # the locks expired; then the orders came back
    acknowledged = subscription.assert_acknowledged(count=2)
    assert [event.id for event in acknowledged] == event_ids
    assert [event.delivery_count for event in acknowledged] == [2, 2]


@pytest.mark.parametrize(
    "outcome",
    [
        faults.read_timeout(),
        faults.connection_reset(),
        faults.status(429),  # throttled with no Retry-After: the SDK does not retry it
        faults.status(503),
    ],
    ids=["read-timeout", "connection-reset", "throttled", "503"],
)
async def test_a_failed_receive_does_not_stop_the_worker(
    eventgrid, worker, publish_orders, warehouse, subscription, outcome
):
    await publish_orders("order-1")
    fault = eventgrid.fail("receive", outcome, times=4)

    await run_until_settled(worker, eventgrid, subscription)

    assert fault.fired == 4
    assert warehouse.shipped == ["order-1"]
    [acknowledged] = subscription.assert_acknowledged(count=1)
    assert acknowledged.delivery_count == 1  # the failed receives locked nothing


async def test_a_refused_key_stops_the_worker(eventgrid, worker, publish_orders, warehouse):
    await publish_orders("order-1")
    eventgrid.fail("receive", faults.status(401))

    with pytest.raises(ClientAuthenticationError) as raised:
        await run_forever(worker)

    assert isinstance(raised.value, HttpResponseError)
    assert raised.value.status_code == 401
    assert warehouse.handed_over == []
