"""Fixtures of the order service's tests.

The `eventgrid` fixture of pytest-eventgrid is a fake Event Grid namespace; every
Event Grid client the service builds reaches it, so the service only needs its
settings (environment variables) to point at the fake's endpoint and key.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid.aio import EventGridPublisherClient
from orders import BatchReport, OrderWorker, Settings, SyncOrderWorker
from orders.models import order_created_event
from support import ORDER_PROCESSOR, ORDERS_TOPIC, Fulfilment, an_order

from pytest_eventgrid import EventGrid, SubscriptionView


@pytest.fixture
def settings(eventgrid: EventGrid, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The service's settings, read from an environment that points at the fake."""
    monkeypatch.setenv("ORDERS_EVENTGRID_ENDPOINT", eventgrid.endpoint)
    monkeypatch.setenv("ORDERS_EVENTGRID_KEY", eventgrid.credential.key)
    monkeypatch.setenv("ORDERS_EVENTGRID_TOPIC", ORDERS_TOPIC)
    monkeypatch.setenv("ORDERS_EVENTGRID_SUBSCRIPTION", ORDER_PROCESSOR)
    return Settings.from_env()


@pytest.fixture
def subscription(eventgrid: EventGrid) -> SubscriptionView:
    """The worker's subscription, as the fake sees it."""
    return eventgrid.topic(ORDERS_TOPIC).subscription(ORDER_PROCESSOR)


@pytest.fixture
def fulfilment() -> Fulfilment:
    return Fulfilment()


@pytest.fixture
async def publish_orders(
    eventgrid_publisher: EventGridPublisherClient,
) -> Callable[..., Awaitable[list[str]]]:
    """Publish an `Order.Created` event per order id, as the API would; return event ids."""

    async def publish(*order_ids: str) -> list[str]:
        events: list[CloudEvent[object]] = [order_created_event(an_order(i)) for i in order_ids]
        await eventgrid_publisher.send(events)
        return [event.id for event in events]

    return publish


@pytest.fixture(params=["async", "sync"])
async def worker(
    request: pytest.FixtureRequest, settings: Settings, fulfilment: Fulfilment
) -> AsyncIterator[OrderWorker | SyncOrderWorker]:
    """The service's worker, asyncio and sync in turn, handing orders to `fulfilment`."""
    if request.param == "async":
        async with OrderWorker(settings, fulfilment) as async_worker:
            yield async_worker
    else:
        with SyncOrderWorker(settings, fulfilment) as sync_worker:
            yield sync_worker


@pytest.fixture
def process_batch(worker: OrderWorker | SyncOrderWorker) -> Callable[[], Awaitable[BatchReport]]:
    """Run one batch of `worker`, whichever kind it is."""

    async def process() -> BatchReport:
        report = worker.process_batch()
        return await report if inspect.isawaitable(report) else report

    return process
