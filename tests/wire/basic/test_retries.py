"""The retry schedule, dead letters, time-to-live and batching of push delivery, on
the virtual clock (semantics §4.4), through `deliver()` and `deliver_async()`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.eventgrid import EventGridEvent

from pytest_eventgrid import EventGrid
from pytest_eventgrid._api.basic_views import PushSubscriptionView

from ._support import Endpoint
from .conftest import Deliver

pytestmark = pytest.mark.asyncio

# delivery-and-retry.md: 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, then 12 h.
SCHEDULE = [10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 43200]


def order(number: int = 1, data: object = None) -> EventGridEvent:
    return EventGridEvent(
        id=f"e{number}",
        subject=f"orders/{number}",
        event_type="Order.Created",
        data={"number": number} if data is None else data,
        data_version="1",
    )


def publish(eventgrid: EventGrid, *events: EventGridEvent) -> None:
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(list(events))


def subscribe(eventgrid: EventGrid, endpoint: Endpoint, **settings: Any) -> PushSubscriptionView:
    """Subscribe `endpoint` to the topic `orders`, with no handshake."""
    return eventgrid.basic_topic("orders").subscribe("hook", endpoint, validate=False, **settings)


async def test_failures_are_retried_along_the_schedule(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    endpoint = Endpoint(*[500] * 10)
    handler = subscribe(eventgrid, endpoint)
    publish(eventgrid, order())

    attempts = await deliver(drain=True)

    times = [sum(SCHEDULE[:n]) for n in range(11)]
    assert [a.time for a in attempts] == times
    assert [a.delivery_count for a in attempts] == list(range(11))
    assert [a.outcome for a in attempts] == ["GenericError"] * 10 + ["Succeeded"]
    assert [r.headers["aeg-delivery-count"] for r in endpoint.deliveries] == [
        str(n) for n in range(11)
    ]
    assert eventgrid.clock.now() == times[-1]
    assert (len(handler.delivered), handler.pending) == (1, 0)


@pytest.mark.parametrize(
    ("status", "outcome", "waits"),
    [
        (500, "GenericError", [10, 30]),
        (429, "Busy", [10, 30]),
        (503, "Busy", [30, 30]),  # at least 30 s
        (408, "TimedOut", [120, 120]),  # at least 2 min
        (404, "NotFound", [300, 300]),  # at least 5 min
    ],
)
async def test_some_statuses_wait_longer_than_the_schedule(
    eventgrid: EventGrid, deliver: Deliver, status: int, outcome: str, waits: list[int]
) -> None:
    subscribe(eventgrid, Endpoint(status, status))
    publish(eventgrid, order())

    attempts = await deliver(drain=True)

    assert [(a.time, a.status, a.outcome) for a in attempts] == [
        (0, status, outcome),
        (waits[0], status, outcome),
        (sum(waits), 200, "Succeeded"),
    ]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(400, "BadRequest"), (401, "Unauthorized"), (403, "Forbidden"), (413, "PayloadTooLarge")],
)
async def test_some_statuses_are_dead_lettered_at_once(
    eventgrid: EventGrid, deliver: Deliver, status: int, outcome: str
) -> None:
    endpoint = Endpoint(status)
    handler = subscribe(eventgrid, endpoint)
    publish(eventgrid, order())

    [attempt] = await deliver(drain=True)

    assert (attempt.status, attempt.outcome) == (status, outcome)
    [dead] = handler.dead_lettered
    assert (dead.reason, dead.delivery_attempts, dead.last_delivery_outcome) == (
        "NonRetriableDeliveryFailure",
        1,
        outcome,
    )
    assert (dead.published_at, dead.last_attempt_at) == (0, 0)
    assert dead.event["id"] == "e1"
    assert (handler.pending, handler.delivered, eventgrid.clock.now()) == (0, [], 0)


@pytest.mark.parametrize("status", [200, 201, 202, 203, 204])
async def test_every_2xx_the_service_names_is_a_success(
    eventgrid: EventGrid, deliver: Deliver, status: int
) -> None:
    handler = subscribe(eventgrid, Endpoint(status))
    publish(eventgrid, order())

    [attempt] = await deliver()

    assert (attempt.status, attempt.outcome) == (status, "Succeeded")
    assert len(handler.delivered) == 1


async def test_a_redirect_is_a_failure(eventgrid: EventGrid, deliver: Deliver) -> None:
    handler = subscribe(eventgrid, Endpoint(302))
    publish(eventgrid, order())

    [attempt] = await deliver()

    assert (attempt.status, attempt.outcome, handler.pending) == (302, "GenericError", 1)


async def test_an_event_is_dead_lettered_after_max_delivery_attempts(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    endpoint = Endpoint(*[500] * 3)
    handler = subscribe(eventgrid, endpoint, max_delivery_attempts=3)
    publish(eventgrid, order())

    attempts = await deliver(drain=True)

    assert [a.time for a in attempts] == [0, 10, 40]
    [dead] = handler.dead_lettered
    assert (dead.reason, dead.delivery_attempts, dead.last_delivery_outcome) == (
        "MaxDeliveryAttemptsExceeded",
        3,
        "GenericError",
    )
    assert (dead.published_at, dead.last_attempt_at) == (0, 40)
    assert (handler.pending, len(endpoint.deliveries)) == (0, 3)


async def test_time_to_live_is_checked_when_the_next_attempt_is_due(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    endpoint = Endpoint(*[500] * 10)
    handler = subscribe(eventgrid, endpoint, event_time_to_live=60)
    publish(eventgrid, order())

    for wait in (0, 10, 30):  # attempts at 0, 10, 40
        eventgrid.clock.advance(wait)
        assert len(await deliver()) == 1
    eventgrid.clock.advance(59)  # t=99: the next attempt is due at 100
    assert await deliver() == []
    assert (handler.pending, handler.dead_lettered) == (1, [])
    eventgrid.clock.advance(1)

    assert await deliver() == []  # no attempt: the event expired

    [dead] = handler.dead_lettered
    assert (dead.reason, dead.delivery_attempts, dead.last_attempt_at) == (
        "TimeToLiveExceeded",
        3,
        40,
    )
    assert (handler.pending, len(endpoint.deliveries)) == (0, 3)


async def test_an_event_can_expire_before_its_first_attempt(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    endpoint = Endpoint()
    handler = subscribe(eventgrid, endpoint, event_time_to_live=60)
    publish(eventgrid, order())
    eventgrid.clock.advance(60)
    publish(eventgrid, order(2))
    eventgrid.clock.advance(0.5)

    [attempt] = await deliver()

    assert attempt.events[0]["id"] == "e2"
    [dead] = handler.dead_lettered
    assert (dead.event["id"], dead.reason, dead.delivery_attempts) == (
        "e1",
        "TimeToLiveExceeded",
        0,
    )
    assert (dead.last_delivery_outcome, dead.last_attempt_at) == ("NotAttempted", None)


async def test_time_to_live_ends_a_drain_before_the_attempts_run_out(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    handler = subscribe(eventgrid, Endpoint(*[500] * 30), event_time_to_live=3600)
    publish(eventgrid, order())

    attempts = await deliver(drain=True)

    # 0, 10, 40, 100, 400, 1000, 2800; the next one (6400) is past the hour.
    assert [a.time for a in attempts] == [0, 10, 40, 100, 400, 1000, 2800]
    [dead] = handler.dead_lettered
    assert dead.reason == "TimeToLiveExceeded"
    assert eventgrid.clock.now() == 6400


async def test_without_dead_lettering_an_undeliverable_event_is_dropped(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    handler = subscribe(eventgrid, Endpoint(400), dead_letter=False)
    publish(eventgrid, order())

    await deliver(drain=True)

    assert handler.dead_lettered == []
    [dropped] = handler.dropped
    assert (dropped.event["id"], dropped.reason) == ("e1", "NonRetriableDeliveryFailure")


async def test_deliver_without_drain_sends_only_what_is_due_now(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    endpoint = Endpoint(500)
    handler = subscribe(eventgrid, endpoint)
    publish(eventgrid, order())

    assert len(await deliver()) == 1
    eventgrid.clock.advance(9)
    assert await deliver() == []
    eventgrid.clock.advance(1)
    [attempt] = await deliver()

    assert (attempt.time, attempt.outcome, attempt.delivery_count) == (10, "Succeeded", 1)
    assert handler.pending == 0


async def test_a_drain_covers_every_subscription_in_time_order(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    orders = eventgrid.basic_topic("orders")
    orders.subscribe("fast", Endpoint(500), validate=False)
    orders.subscribe("slow", Endpoint(404), validate=False)
    publish(eventgrid, order())

    attempts = await deliver(drain=True)

    assert [(a.time, a.subscription) for a in attempts] == [
        (0, "fast"),
        (0, "slow"),
        (10, "fast"),
        (300, "slow"),
    ]


# -- batching ----------------------------------------------------------------------------------


async def test_max_events_per_batch_bounds_each_request(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    endpoint = Endpoint()
    subscribe(eventgrid, endpoint, max_events_per_batch=3)
    publish(eventgrid, *(order(n) for n in range(7)))

    attempts = await deliver()

    assert [[e["id"] for e in body] for body in endpoint.bodies()] == [
        ["e0", "e1", "e2"],
        ["e3", "e4", "e5"],
        ["e6"],
    ]
    assert [len(a.events) for a in attempts] == [3, 3, 1]


async def test_the_preferred_batch_size_closes_a_batch_early(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    endpoint = Endpoint()
    subscribe(eventgrid, endpoint, max_events_per_batch=100, preferred_batch_size_in_kilobytes=1)
    # About 450 bytes each: two fit in a kilobyte, three do not; a bigger one goes alone.
    publish(
        eventgrid,
        *(order(n, data="x" * 200) for n in range(5)),
        order(9, data="x" * 3000),
        order(10, data="x" * 200),
    )

    await deliver()

    assert [[e["id"] for e in body] for body in endpoint.bodies()] == [
        ["e0", "e1"],
        ["e2", "e3"],
        ["e4"],
        ["e9"],
        ["e10"],
    ]
    assert all(len(request.content) <= 1024 for request in endpoint.deliveries[:3])


async def test_a_batch_succeeds_or_fails_whole(eventgrid: EventGrid, deliver: Deliver) -> None:
    endpoint = Endpoint(503)
    handler = subscribe(eventgrid, endpoint, max_events_per_batch=2)
    publish(eventgrid, order(1), order(2))

    attempts = await deliver(drain=True)

    assert [(a.time, a.status, [e["id"] for e in a.events]) for a in attempts] == [
        (0, 503, ["e1", "e2"]),
        (30, 200, ["e1", "e2"]),
    ]
    assert [r.headers["aeg-delivery-count"] for r in endpoint.deliveries] == ["0", "1"]
    assert [json.loads(r.content)[0]["id"] for r in endpoint.deliveries] == ["e1", "e1"]
    assert [e["id"] for e in handler.delivered] == ["e1", "e2"]
