"""`chaos.check_idempotency` with a push handler: a namespace push subscription's
deliveries stand for acknowledgements, its retries for redeliveries, and what still waits
for a retry is left in the queue. Sync and async scenarios, with the sync and async
delivery drivers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from azure.core.messaging import CloudEvent

from pytest_eventgrid import EventGrid, chaos

ORDERS = 8
CONSENT = httpx.Response(200, headers={"WebHook-Allowed-Origin": "*"})

Effects = list[Any]
Handler = Callable[[httpx.Request], httpx.Response]


def shipping_handler(effects: Effects, *, idempotent: bool) -> Handler:
    shipped: set[int] = set()

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "OPTIONS":
            return CONSENT
        order = json.loads(request.content)["data"]["order"]
        if not idempotent or order not in shipped:
            shipped.add(order)
            effects.append(("shipped", order))
        return httpx.Response(200)

    return handle


def publish_orders(eventgrid: EventGrid) -> None:
    with eventgrid.publisher("orders") as publisher:
        publisher.send(
            [
                CloudEvent(source="/shop", type="Order.Created", data={"order": n}, id=f"o-{n}")
                for n in range(ORDERS)
            ]
        )


def scenario(*, idempotent: bool) -> Callable[[EventGrid, Effects], None]:
    def run(eventgrid: EventGrid, effects: Effects) -> None:
        eventgrid.topic("orders").subscribe(
            "shipping", shipping_handler(effects, idempotent=idempotent)
        )
        publish_orders(eventgrid)
        eventgrid.deliver(drain=True)

    return run


def test_an_idempotent_push_handler_passes() -> None:
    report = chaos.check_idempotency_sync(scenario(idempotent=True), seed=1)

    report.assert_idempotent()
    assert report.chaos.duplicates > 0  # the chaos did reach the handler
    assert sorted(report.calm.acknowledged) == [f"o-{n}" for n in range(ORDERS)]


def test_a_push_handler_that_repeats_its_work_fails() -> None:
    report = chaos.check_idempotency_sync(scenario(idempotent=False), seed=1)

    assert not report.idempotent
    assert sum(report.extra_effects.values()) == report.chaos.duplicates > 0
    with pytest.raises(AssertionError, match="side effects repeated or new under chaos"):
        report.assert_idempotent()


@pytest.mark.asyncio
async def test_an_async_scenario_with_deliver_async() -> None:
    async def run(eventgrid: EventGrid, effects: Effects) -> None:
        eventgrid.topic("orders").subscribe("shipping", shipping_handler(effects, idempotent=False))
        publish_orders(eventgrid)
        await eventgrid.deliver_async(drain=True)

    report = await chaos.check_idempotency(run, seed=1)

    assert report.extra_effects
    assert report.calm.effects == {("shipped", n): 1 for n in range(ORDERS)}


def test_events_still_waiting_for_a_retry_are_left_in_the_queue() -> None:
    def run(eventgrid: EventGrid, effects: Effects) -> None:
        def failing(request: httpx.Request) -> httpx.Response:
            return CONSENT if request.method == "OPTIONS" else httpx.Response(503)

        eventgrid.topic("orders").subscribe("shipping", failing)
        publish_orders(eventgrid)
        eventgrid.deliver()  # one attempt each; the retries are not driven

    report = chaos.check_idempotency_sync(run, seed=1)

    assert sorted(report.calm.unsettled) == [f"o-{n}" for n in range(ORDERS)]
    assert report.unacknowledged
    assert "events left in the queue after the calm run" in report.explain()


def test_retries_count_as_redeliveries() -> None:
    def run(eventgrid: EventGrid, effects: Effects) -> None:
        answers = iter([503, 200])

        def flaky(request: httpx.Request) -> httpx.Response:
            return CONSENT if request.method == "OPTIONS" else httpx.Response(next(answers))

        eventgrid.topic("orders").subscribe("shipping", flaky)
        with eventgrid.publisher("orders") as publisher:
            publisher.send(CloudEvent(source="/shop", type="Order.Created", data={}, id="o-1"))
        eventgrid.deliver(drain=True)

    report = chaos.check_idempotency_sync(run, chaos={"reorder": True}, seed=1)

    assert report.calm.redeliveries == 1
    assert report.idempotent
