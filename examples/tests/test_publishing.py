"""New orders become `Order.Created` events on the orders topic.

`OrderPublisher` and the API build their own Event Grid client from the settings,
with no `transport=`: the `eventgrid` fixture intercepts it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from orders import ORDER_CREATED, OrderPublisher
from orders.api import create_app
from support import ORDER_PROCESSOR, ORDERS_TOPIC, an_order

from pytest_eventgrid.match import contains

pytestmark = pytest.mark.eventgrid(topic=ORDERS_TOPIC, subscription=ORDER_PROCESSOR, key="s3cret")

NEW_ORDER = {
    "order_id": "order-1",
    "customer_id": "customer-7",
    "lines": [{"sku": "sku-42", "quantity": 2}],
}


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


async def test_the_publisher_sends_one_order_created_event_per_order(eventgrid, settings):
    async with OrderPublisher(settings) as publisher:
        sent = await publisher.publish(an_order("order-1"), an_order("order-2"))

    eventgrid.calls.filter("publish").assert_called_once()  # both orders in one request
    published = eventgrid.topic(ORDERS_TOPIC).published
    assert [event.id for event in published] == [event.id for event in sent]
    eventgrid.assert_published(
        type=ORDER_CREATED,
        source="/services/orders",
        subject="orders/order-1",
        data=NEW_ORDER,
        count=1,
    )
    eventgrid.assert_published(subject="orders/order-2", data=contains(order_id="order-2"))


async def test_posting_an_order_publishes_it_for_the_worker(settings, eventgrid_consumer_sync):
    async with orders_api() as client:
        response = await client.post("/orders", json=NEW_ORDER)

    [received] = eventgrid_consumer_sync.receive(max_events=10, max_wait_time=10)
    assert response.status_code == 202
    assert response.json() == {"order_id": "order-1", "event_id": received.event.id}
    assert (received.event.type, received.event.data) == ("Order.Created", NEW_ORDER)


async def test_an_invalid_order_is_refused_and_nothing_is_published(eventgrid, settings):
    async with orders_api() as client:
        response = await client.post("/orders", json={**NEW_ORDER, "lines": []})

    assert response.status_code == 422
    eventgrid.calls.assert_not_called()  # refused before it reached Event Grid


async def test_the_api_answers_503_when_event_grid_refuses_the_order(
    eventgrid, settings, monkeypatch
):
    monkeypatch.setenv("ORDERS_EVENTGRID_KEY", "an-old-key")

    async with orders_api() as client:
        response = await client.post("/orders", json=NEW_ORDER)

    assert response.status_code == 503
    assert response.json() == {"detail": "The order could not be queued; try again."}
    [refused] = eventgrid.calls
    assert (refused.operation, refused.topic, refused.status) == ("publish", ORDERS_TOPIC, 401)
    assert refused.detail.startswith("Unauthorized: The request authorization key is not")
    eventgrid.assert_not_published()
