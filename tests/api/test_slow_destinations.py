"""A destination that answers 30 seconds or more after the attempt started has failed
it, as `TimedOut`, whatever it answered: Event Grid stops waiting at 30 seconds
(delivery-and-retry.md). The work a slow handler did anyway is done twice when the
retry comes. Time passes in the handler (on the fake's clock) or by a `latency()`
fault on the "deliver" operation."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from pytest_eventgrid import EventGrid, faults

CONSENT = httpx.Response(200, headers={"WebHook-Allowed-Origin": "*"})


def order() -> CloudEvent:  # type: ignore[type-arg]
    return CloudEvent(source="/shop", type="Order.Created", id="o-1", data={"n": 1})


def publish(eventgrid: EventGrid) -> None:
    with eventgrid.publisher("orders") as publisher:
        publisher.send(order())


def slow_then_quick(
    eventgrid: EventGrid, seconds: list[float], done: list[str]
) -> Callable[[httpx.Request], httpx.Response]:
    """A handler whose attempts take `seconds` of the fake's time each, in turn."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "OPTIONS":
            return CONSENT
        eventgrid.clock.advance(seconds.pop(0))
        done.append("shipped")
        return httpx.Response(200)

    return handle


def outcomes(eventgrid: EventGrid, subscription: str) -> list[tuple[float, int | None, str]]:
    view = eventgrid.topic("orders").push_subscription(subscription)
    return [(a.time, a.status, a.outcome) for a in view.attempts]


def test_a_handler_that_takes_30_seconds_timed_out_and_is_retried(eventgrid: EventGrid) -> None:
    done: list[str] = []
    eventgrid.topic("orders").subscribe("slow", slow_then_quick(eventgrid, [40, 1], done))
    publish(eventgrid)

    eventgrid.deliver(drain=True)

    # The first attempt started at 0 and timed out; its retry (due at 10 s) went at once.
    assert outcomes(eventgrid, "slow") == [(0, None, "TimedOut"), (40, 200, "Succeeded")]
    assert done == ["shipped", "shipped"]  # the slow handler's work was done anyway
    [attempt, _] = eventgrid.topic("orders").push_subscription("slow").attempts
    assert attempt.error is not None
    assert "the destination took 40 seconds" in attempt.error
    # The timeline shows each answer when it came, in order.
    delivered = [entry for entry in eventgrid.timeline if entry.operation == "deliver"]
    assert [(entry.time, entry.status) for entry in delivered] == [(40, 0), (41, 200)]


def test_a_handler_just_under_30_seconds_succeeds(eventgrid: EventGrid) -> None:
    done: list[str] = []
    eventgrid.topic("orders").subscribe("slowish", slow_then_quick(eventgrid, [29.9], done))
    publish(eventgrid)

    eventgrid.deliver(drain=True)

    assert outcomes(eventgrid, "slowish") == [(0, 200, "Succeeded")]
    assert eventgrid.clock.now() == pytest.approx(29.9)


def test_a_latency_fault_makes_an_event_hub_slow(eventgrid: EventGrid) -> None:
    hub = eventgrid.event_hub("orders-hub")
    eventgrid.topic("orders").subscribe("to-hub", hub)
    eventgrid.fail("deliver", [faults.latency(30), faults.latency(5)], subscription="to-hub")
    publish(eventgrid)

    eventgrid.deliver(drain=True)

    assert outcomes(eventgrid, "to-hub") == [(0, None, "TimedOut"), (30, 201, "Succeeded")]
    # The hub kept the batch of the attempt that timed out too: it comes twice.
    assert [message.properties["aeg-delivery-count"] for message in hub.messages] == ["0", "1"]
    assert eventgrid.clock.now() == 35


@pytest.mark.asyncio
async def test_a_slow_handler_with_deliver_async(eventgrid: EventGrid) -> None:
    done: list[str] = []
    eventgrid.topic("orders").subscribe("slow", slow_then_quick(eventgrid, [31, 0], done))
    async with eventgrid.aio_publisher("orders") as publisher:
        await publisher.send(order())

    attempts = await eventgrid.deliver_async(drain=True)

    assert [a.outcome for a in attempts] == ["TimedOut", "Succeeded"]
    assert done == ["shipped", "shipped"]


def test_a_slow_basic_webhook_follows_the_basic_schedule(eventgrid: EventGrid) -> None:
    seconds = [45.0, 0.0]

    def slow(request: httpx.Request) -> httpx.Response:
        eventgrid.clock.advance(seconds.pop(0))
        return httpx.Response(200)

    hook = eventgrid.basic_topic("shop").subscribe("slow", slow, validate=False)
    with eventgrid.basic_publisher("shop") as publisher:
        publisher.send(EventGridEvent(subject="a", event_type="X", data={}, data_version="1"))

    eventgrid.deliver(drain=True)

    # Basic retries 10 s after the attempt started; that instant had passed already.
    assert [(a.time, a.outcome) for a in hook.attempts] == [(0, "TimedOut"), (45, "Succeeded")]
