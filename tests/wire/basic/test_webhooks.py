"""Push delivery to webhooks of every kind (a callable, a FastAPI app, a WSGI app, a
real server on loopback), through `deliver()` and `deliver_async()`: what each
request carries, and what the subscription view shows."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import httpx
import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from pytest_eventgrid import EventGrid, UsageError, WebhookValidationError

from ._support import (
    CLOUDEVENT_SINGLE,
    CLOUDEVENTS_BATCH,
    EVENTGRID_JSON,
    SUBSCRIPTION_PATH,
    BasicDoor,
    Endpoint,
    asgi_app,
)
from .conftest import Deliver

pytestmark = pytest.mark.asyncio


def order(number: int = 1) -> EventGridEvent:
    return EventGridEvent(
        id=f"e{number}",
        subject=f"orders/{number}",
        event_type="Order.Created",
        data={"number": number},
        data_version="2.0",
    )


def payment(number: int = 1) -> CloudEvent:
    return CloudEvent(
        source="/payments", type="Payment.Captured", data={"number": number}, id=f"c{number}"
    )


def aeg_headers(request: httpx.Request) -> dict[str, str]:
    """The Event Grid headers of a request, and its content type."""
    return {
        name: value
        for name, value in request.headers.items()
        if name.startswith("aeg-") or name == "content-type"
    }


async def test_eventgrid_events_arrive_one_array_per_request(
    eventgrid: EventGrid, door: BasicDoor, deliver: Deliver, webhook: Any, endpoint: Endpoint
) -> None:
    orders = eventgrid.basic_topic("orders")
    handler = orders.subscribe("order-handler", webhook)
    publisher = await door.publisher("orders")
    await publisher.send([order(1), order(2)])

    attempts = await deliver()

    assert handler.validation == "succeeded"
    assert [(a.status, a.outcome, a.delivery_count) for a in attempts] == [
        (200, "Succeeded", 0),
        (200, "Succeeded", 0),
    ]
    first, second = endpoint.deliveries
    assert aeg_headers(first) == {
        "aeg-event-type": "Notification",
        "aeg-subscription-name": "ORDER-HANDLER",
        "aeg-delivery-count": "0",
        "aeg-output-event-id": "e1",
        "aeg-data-version": "2.0",
        "aeg-metadata-version": "1",
        "content-type": EVENTGRID_JSON,
    }
    assert aeg_headers(second)["aeg-output-event-id"] == "e2"
    [delivered] = json.loads(first.content)
    assert delivered == {
        "id": "e1",
        "subject": "orders/1",
        "data": {"number": 1},
        "eventType": "Order.Created",
        "eventTime": delivered["eventTime"],
        "dataVersion": "2.0",
        "topic": f"{SUBSCRIPTION_PATH}/topics/orders",
        "metadataVersion": "1",
    }
    assert [event["id"] for event in handler.delivered] == ["e1", "e2"]
    assert handler.pending == 0
    assert handler.dead_lettered == []


async def test_cloud_events_arrive_one_object_per_request(
    eventgrid: EventGrid, door: BasicDoor, deliver: Deliver, webhook: Any, endpoint: Endpoint
) -> None:
    payments = eventgrid.basic_topic("payments", schema="cloudevents")
    handler = payments.subscribe("payment-handler", webhook)
    publisher = await door.publisher("payments")
    await publisher.send([payment(1), payment(2)])

    await deliver()

    assert handler.validation == "succeeded"
    first, second = endpoint.deliveries
    assert aeg_headers(first) == {
        "aeg-event-type": "Notification",
        "aeg-subscription-name": "PAYMENT-HANDLER",
        "aeg-delivery-count": "0",
        "aeg-output-event-id": "c1",
        "aeg-data-version": "",
        "aeg-metadata-version": "1.0",
        "content-type": CLOUDEVENT_SINGLE,
    }
    event = json.loads(first.content)
    assert {name: event[name] for name in ("id", "source", "type", "specversion", "data")} == {
        "id": "c1",
        "source": "/payments",
        "type": "Payment.Captured",
        "specversion": "1.0",
        "data": {"number": 1},
    }
    assert json.loads(second.content)["id"] == "c2"


async def test_batched_cloud_events_arrive_as_arrays(
    eventgrid: EventGrid, deliver: Deliver, endpoint: Endpoint
) -> None:
    payments = eventgrid.basic_topic("payments", schema="cloudevents")
    payments.subscribe("batched", endpoint, max_events_per_batch=2)
    with eventgrid.basic_publisher("payments") as publisher:
        publisher.send([payment(1), payment(2), payment(3)])

    await deliver()

    assert [aeg_headers(r)["content-type"] for r in endpoint.deliveries] == [CLOUDEVENTS_BATCH] * 2
    # A batch of one is still an array: the subscription batches.
    assert [[e["id"] for e in body] for body in endpoint.bodies()] == [["c1", "c2"], ["c3"]]
    assert [aeg_headers(r)["aeg-output-event-id"] for r in endpoint.deliveries] == ["c1", "c3"]


async def test_requests_go_to_the_url_given_for_an_app(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    endpoint = Endpoint()
    app = asgi_app(endpoint)  # serves /api/events only
    orders = eventgrid.basic_topic("orders")
    elsewhere = orders.subscribe("elsewhere", app, url="https://hooks.test/other")
    right = orders.subscribe("right", app, url="https://hooks.test/api/events")

    with pytest.raises(WebhookValidationError) as raised:
        await deliver()

    assert (elsewhere.validation, right.validation) == ("failed", "succeeded")
    assert "subscription 'elsewhere' (topic 'orders') at https://hooks.test/other: the POST" in (
        str(raised.value)
    )
    assert "'right'" not in str(raised.value)
    assert {str(request.url) for request in endpoint.requests} == {"https://hooks.test/api/events"}


async def test_nothing_is_sent_before_deliver(
    eventgrid: EventGrid, deliver: Deliver, endpoint: Endpoint
) -> None:
    orders = eventgrid.basic_topic("orders")
    handler = orders.subscribe("hook", endpoint)
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order())

    assert (endpoint.deliveries, handler.pending, handler.attempts) == ([], 1, [])
    assert len(await deliver()) == 1
    assert await deliver() == []  # nothing is due any more


async def test_a_subscription_sees_only_what_was_published_after_it(
    eventgrid: EventGrid, deliver: Deliver, endpoint: Endpoint
) -> None:
    orders = eventgrid.basic_topic("orders")
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order(1))
        handler = orders.subscribe("late", endpoint)
        publisher.send(order(2))

    await deliver()

    assert [event["id"] for event in handler.delivered] == ["e2"]


async def test_each_subscription_gets_its_own_copy(eventgrid: EventGrid, deliver: Deliver) -> None:
    billing, shipping = Endpoint(), Endpoint(500)
    orders = eventgrid.basic_topic("orders")
    orders.subscribe("billing", billing)
    orders.subscribe("shipping", shipping)
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order())

    attempts = await deliver()

    assert sorted((a.subscription, a.status) for a in attempts) == [
        ("billing", 200),
        ("shipping", 500),
    ]
    assert orders.subscription("billing").delivered != []
    assert orders.subscription("shipping").pending == 1


async def test_a_destination_that_raises_fails_the_attempt(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    def broken(request: httpx.Request) -> int:
        raise RuntimeError("the handler has a bug")

    orders = eventgrid.basic_topic("orders")
    handler = orders.subscribe("broken", broken, validate=False)
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order())

    [attempt] = await deliver()

    assert (attempt.status, attempt.outcome) == (None, "TimedOut")
    assert attempt.error == "RuntimeError: the handler has a bug"
    assert handler.pending == 1  # to be retried


async def test_a_url_that_refuses_the_connection_fails_the_attempt(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    with socket.socket() as probe:  # a port nothing listens on once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    orders = eventgrid.basic_topic("orders")
    handler = orders.subscribe("gone", f"http://127.0.0.1:{port}/api/events", validate=False)
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order())

    [attempt] = await deliver()

    assert (attempt.status, attempt.outcome) == (None, "TimedOut")
    assert attempt.error is not None
    assert attempt.error.startswith("ConnectError: ")
    assert handler.pending == 1


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (lambda: None, 200),
        (lambda: 202, 202),
        (lambda: {"ok": True}, 200),
        (lambda: httpx.Response(204), 204),
    ],
    ids=["None", "status", "JSON", "httpx.Response"],
)
async def test_a_function_may_answer_in_several_forms(
    eventgrid: EventGrid, deliver: Deliver, answer: Any, status: int
) -> None:
    orders = eventgrid.basic_topic("orders")
    handler = orders.subscribe("hook", lambda request: answer(), validate=False)
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order())

    [attempt] = await deliver()

    assert (attempt.status, attempt.outcome) == (status, "Succeeded")
    assert len(handler.delivered) == 1


async def test_an_async_function_is_a_destination(eventgrid: EventGrid, deliver: Deliver) -> None:
    seen: list[str] = []

    async def handler(request: httpx.Request) -> int:
        await asyncio.sleep(0)
        seen.append(json.loads(request.content)[0]["id"])
        return 200

    orders = eventgrid.basic_topic("orders")
    orders.subscribe("async-hook", handler, validate=False)
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order())

    await deliver()

    assert seen == ["e1"]


@pytest.mark.parametrize("kind", ["asgi", "callable"])
async def test_sync_deliver_inside_a_running_loop_refuses_what_needs_the_loop(
    eventgrid: EventGrid, kind: str
) -> None:
    endpoint = Endpoint()

    async def async_handler(request: httpx.Request) -> Any:
        return endpoint.respond(request)

    target = asgi_app(endpoint) if kind == "asgi" else async_handler
    what = "An ASGI destination" if kind == "asgi" else "An async destination"
    orders = eventgrid.basic_topic("orders")
    handler = orders.subscribe("hook", target)
    assert handler.validation == "pending"  # cannot run from here: it waits for delivery
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order())

    with pytest.raises(UsageError) as raised:
        eventgrid.deliver()

    assert str(raised.value) == (
        f"{what} is called through the event loop, and one is running: inside async code "
        "use `await eventgrid.deliver_async()`. See "
        "https://pytest-eventgrid.readthedocs.io/en/latest/guide/webhooks/#delivering"
    )
    assert (handler.validation, handler.pending, endpoint.requests) == ("pending", 1, [])
    # Nothing was lost: the async door delivers it.
    [attempt] = await eventgrid.deliver_async()
    assert (handler.validation, attempt.outcome, handler.pending) == ("succeeded", "Succeeded", 0)


async def test_a_deliver_call_reports_its_attempts_and_the_view_keeps_them_all(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    endpoint = Endpoint(503)
    orders = eventgrid.basic_topic("orders")
    handler = orders.subscribe("hook", endpoint)
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order())

    first = await deliver()
    eventgrid.clock.advance(30)
    second = await deliver()

    assert [(a.time, a.status, a.delivery_count) for a in first] == [(0.0, 503, 0)]
    assert [(a.time, a.status, a.delivery_count) for a in second] == [(30.0, 200, 1)]
    assert handler.attempts == first + second
    assert [a.events[0]["id"] for a in handler.attempts] == ["e1", "e1"]
    assert [a.subscription for a in handler.attempts] == ["hook", "hook"]
    assert [r.headers["aeg-delivery-count"] for r in endpoint.deliveries] == ["0", "1"]
