"""Push subscriptions of namespace topics with a webhook destination: the handshake at
creation, CloudEvents deliveries, batching, the namespace retry schedule and policy,
dead letters with `deadLetterProperties`, declared subscriptions, sync and async."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.messaging import CloudEvent
from fastapi import FastAPI, Request, Response

from pytest_eventgrid import EventGrid, UsageError, WebhookValidationError, mock_eventgrid

ALLOWED = {"WebHook-Allowed-Origin": "eventgrid.azure.net"}


class Hook:
    """A webhook as a callable: consents to the handshake, answers each delivery with
    the next of `statuses` (then 200), and keeps every request."""

    def __init__(self, *statuses: int, consent: bool = True) -> None:
        self.statuses = list(statuses)
        self.consent = consent
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "OPTIONS":
            return httpx.Response(200, headers=ALLOWED if self.consent else {})
        return httpx.Response(self.statuses.pop(0) if self.statuses else 200)

    @property
    def deliveries(self) -> list[httpx.Request]:
        return [request for request in self.requests if request.method == "POST"]

    @property
    def bodies(self) -> list[Any]:
        return [json.loads(request.content) for request in self.deliveries]


def order(number: int = 1, kind: str = "Order.Created") -> CloudEvent:  # type: ignore[type-arg]
    return CloudEvent(source="/shop", type=kind, data={"n": number}, id=f"order-{number}")


def publish(eventgrid: EventGrid, *events: CloudEvent, topic: str = "orders") -> None:  # type: ignore[type-arg]
    with eventgrid.publisher(topic) as publisher:
        publisher.send(list(events))


async def publish_async(eventgrid: EventGrid, *events: CloudEvent, topic: str = "orders") -> None:  # type: ignore[type-arg]
    async with eventgrid.aio_publisher(topic) as publisher:
        await publisher.send(list(events))


shop = FastAPI()
shop_received: list[Any] = []


@shop.options("/api/events")
async def shop_consents(request: Request) -> Response:
    assert request.headers["webhook-request-origin"] == "eventgrid.azure.net"
    return Response(headers=ALLOWED)


@shop.post("/api/events")
async def shop_orders(request: Request) -> Response:
    body = await request.json()
    shop_received.append((request.headers["content-type"], body))
    return Response(status_code=503 if body["data"]["n"] == 13 else 200)


# -- the handshake -------------------------------------------------------------------------


def test_subscribe_runs_the_abuse_protection_handshake_at_once(eventgrid: EventGrid) -> None:
    hook = Hook()
    view = eventgrid.topic("orders").subscribe("hook", hook)
    assert view.validation == "succeeded"
    [options] = hook.requests
    assert (options.method, options.headers["webhook-request-origin"]) == (
        "OPTIONS",
        "eventgrid.azure.net",
    )
    assert "webhook-request-callback" not in options.headers  # namespaces do not send it
    assert [e.operation for e in eventgrid.timeline][-1] == "validate"


def test_a_failed_handshake_fails_the_creation(eventgrid: EventGrid) -> None:
    hook = Hook(consent=False)
    with pytest.raises(WebhookValidationError, match=r"subscription 'hook' .*OPTIONS"):
        eventgrid.topic("orders").subscribe("hook", hook)
    view = eventgrid.topic("orders").push_subscription("hook")
    publish(eventgrid, order())
    assert (view.validation, eventgrid.deliver(), view.pending) == ("failed", [], 0)


@pytest.mark.asyncio
async def test_an_asgi_app_shakes_hands_at_the_next_async_delivery(eventgrid: EventGrid) -> None:
    shop_received.clear()
    view = eventgrid.topic("orders").subscribe("shop", shop)
    assert view.validation == "pending"  # an ASGI app needs the loop: deliver_async()
    await publish_async(eventgrid, order(1), order(2))
    attempts = await eventgrid.deliver_async()
    assert view.validation == "succeeded"
    assert [(a.status, a.outcome) for a in attempts] == [(200, "Succeeded")] * 2
    assert [body["data"] for _, body in shop_received] == [{"n": 1}, {"n": 2}]
    assert {content_type for content_type, _ in shop_received} == {
        "application/cloudevents+json; charset=utf-8"
    }


def test_an_asgi_app_is_called_from_sync_code_too(eventgrid: EventGrid) -> None:
    shop_received.clear()
    view = eventgrid.topic("orders").subscribe("shop", shop)
    publish(eventgrid, order(13))
    attempts = eventgrid.deliver(drain=True)
    assert view.validation == "succeeded"
    assert [(a.time, a.status) for a in attempts][:3] == [(0, 503), (30, 503), (60, 503)]
    assert view.dead_lettered[0].reason == "MaxDeliveryAttemptsExceeded"


def test_a_wsgi_app_is_a_destination(eventgrid: EventGrid) -> None:
    received = []

    def wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["REQUEST_METHOD"] == "OPTIONS":
            start_response("200 OK", list(ALLOWED.items()))
            return [b""]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        received.append(json.loads(environ["wsgi.input"].read(length)))
        start_response("200 OK", [])
        return [b""]

    eventgrid.topic("orders").subscribe("legacy", wsgi, url="https://legacy.test/hook")
    publish(eventgrid, order())
    eventgrid.deliver()
    assert [event["id"] for event in received] == ["order-1"]


def test_validate_false_skips_the_handshake(eventgrid: EventGrid) -> None:
    hook = Hook()
    assert eventgrid.topic("orders").subscribe("hook", hook, validate=False).validation == (
        "succeeded"
    )
    assert hook.requests == []


# -- what a delivery carries ---------------------------------------------------------------


def test_each_event_goes_alone_as_a_structured_cloudevent(eventgrid: EventGrid) -> None:
    hook = Hook()
    view = eventgrid.topic("orders").subscribe("hook", hook)
    publish(eventgrid, order(1), order(2))
    eventgrid.deliver()
    first = hook.deliveries[0]
    assert {name: value for name, value in first.headers.items() if name != "content-length"} == {
        "host": "webhook.test",
        "aeg-event-type": "Notification",
        "aeg-subscription-name": "HOOK",
        "aeg-delivery-count": "0",
        "aeg-output-event-id": "order-1",
        "aeg-data-version": "",
        "aeg-metadata-version": "1.0",
        "content-type": "application/cloudevents+json; charset=utf-8",
    }
    assert [body["id"] for body in hook.bodies] == ["order-1", "order-2"]
    assert [event["id"] for event in view.delivered] == ["order-1", "order-2"]


def test_a_batching_subscription_sends_arrays(eventgrid: EventGrid) -> None:
    hook = Hook()
    eventgrid.topic("orders").subscribe("hook", hook, max_events_per_batch=2)
    publish(eventgrid, order(1), order(2), order(3))
    attempts = eventgrid.deliver()
    assert [len(attempt.events) for attempt in attempts] == [2, 1]
    assert {r.headers["content-type"] for r in hook.deliveries} == {
        "application/cloudevents-batch+json; charset=utf-8"
    }
    assert [[event["id"] for event in body] for body in hook.bodies] == [
        ["order-1", "order-2"],
        ["order-3"],
    ]


def test_the_filter_takes_the_namespace_filters_configuration(eventgrid: EventGrid) -> None:
    hook = Hook()
    view = eventgrid.topic("orders").subscribe(
        "hook",
        hook,
        filter={
            "includedEventTypes": ["Order.Created"],
            "filters": [{"operatorType": "NumberGreaterThan", "key": "data.n", "value": 1}],
        },
    )
    publish(eventgrid, order(1), order(2), order(3, "Order.Deleted"))
    eventgrid.deliver()
    assert [event["id"] for event in view.delivered] == ["order-2"]


def test_queue_and_push_subscriptions_of_a_topic_each_get_the_events(eventgrid: EventGrid) -> None:
    hook = Hook()
    topic = eventgrid.topic("orders")
    queue = topic.subscription("worker")
    topic.subscribe("hook", hook)
    publish(eventgrid, order())
    eventgrid.deliver()
    assert [event.id for event in queue.available] == ["order-1"]
    assert len(hook.deliveries) == 1
    assert [view.name for view in topic.push_subscriptions] == ["hook"]
    assert [view.name for view in topic.subscriptions] == ["worker"]


def test_a_push_subscription_sees_only_what_is_published_after_it(eventgrid: EventGrid) -> None:
    publish(eventgrid, order(1))
    hook = Hook()
    eventgrid.topic("orders").subscribe("hook", hook)
    publish(eventgrid, order(2))
    eventgrid.deliver()
    assert [body["id"] for body in hook.bodies] == ["order-2"]


# -- the retry schedule and policy ---------------------------------------------------------


def test_the_drain_follows_the_namespace_schedule(eventgrid: EventGrid) -> None:
    hook = Hook(*[500] * 10)
    view = eventgrid.topic("orders").subscribe("hook", hook)
    publish(eventgrid, order())
    attempts = eventgrid.deliver(drain=True)
    # 0 s, 10 s, 30 s, 1 min, 5 min, then every 5 min; 10 attempts (the default).
    assert [a.time for a in attempts] == [0, 10, 30, 60, 300, 600, 900, 1200, 1500, 1800]
    assert [a.delivery_count for a in attempts] == list(range(10))
    assert [r.headers["aeg-delivery-count"] for r in hook.deliveries][:3] == ["0", "1", "2"]
    [dead] = view.dead_lettered
    assert (dead.reason, dead.delivery_attempts, dead.last_delivery_outcome) == (
        "MaxDeliveryAttemptsExceeded",
        10,
        "GenericError",
    )
    assert eventgrid.clock.now() == 1800


@pytest.mark.asyncio
async def test_the_async_drain_follows_the_namespace_schedule(eventgrid: EventGrid) -> None:
    hook = Hook(500, 500, 500, 500)
    view = eventgrid.topic("orders").subscribe("hook", hook)
    await publish_async(eventgrid, order())
    attempts = await eventgrid.deliver_async(drain=True)
    assert [(a.time, a.status) for a in attempts] == [
        (0, 500),
        (10, 500),
        (30, 500),
        (60, 500),
        (300, 200),
    ]
    assert (len(view.delivered), view.pending) == (1, 0)


def test_the_schedule_counts_from_the_first_attempt(eventgrid: EventGrid) -> None:
    hook = Hook(500, 500)
    eventgrid.topic("orders").subscribe("hook", hook)
    publish(eventgrid, order())
    eventgrid.clock.advance(100)  # delivered late: the schedule starts then
    attempts = eventgrid.deliver(drain=True)
    assert [a.time for a in attempts] == [100, 110, 130]


def test_some_statuses_wait_longer(eventgrid: EventGrid) -> None:
    hook = Hook(503, 408, 200)
    eventgrid.topic("orders").subscribe("hook", hook)
    publish(eventgrid, order())
    attempts = eventgrid.deliver(drain=True)
    # A 503 waits at least 30 s (10 s scheduled); a 408 at least 2 min.
    assert [(a.time, a.status, a.outcome) for a in attempts] == [
        (0, 503, "Busy"),
        (30, 408, "TimedOut"),
        (150, 200, "Succeeded"),
    ]


def test_after_a_longer_wait_the_schedule_goes_on_from_the_next_slot(eventgrid: EventGrid) -> None:
    hook = Hook(503, 500, 200)
    eventgrid.topic("orders").subscribe("hook", hook)
    publish(eventgrid, order())
    attempts = eventgrid.deliver(drain=True)
    # The 503 pushed the second attempt to the 30 s slot; the third takes the 1 min slot,
    # not a retry at the same instant.
    assert [(a.time, a.status) for a in attempts] == [(0, 503), (30, 500), (60, 200)]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 414])
def test_client_errors_are_never_retried(eventgrid: EventGrid, status: int) -> None:
    view = eventgrid.topic("orders").subscribe("hook", Hook(status))
    publish(eventgrid, order())
    assert len(eventgrid.deliver(drain=True)) == 1
    [dead] = view.dead_lettered
    assert (dead.reason, dead.delivery_attempts) == ("NonRetriableDeliveryFailure", 1)
    assert dead.dead_letter_properties["deadletterreason"] == "Undeliverable due to client error"


def test_not_retried_makes_401_and_404_retried(eventgrid: EventGrid) -> None:
    hook = Hook(401, 404, 200)
    view = eventgrid.topic("orders").subscribe("hook", hook, not_retried=[400, 403, 413, 414])
    publish(eventgrid, order())
    attempts = eventgrid.deliver(drain=True)
    # Retried, after 5 min at least (the status table's "5 minutes or more").
    assert [(a.time, a.status) for a in attempts] == [(0, 401), (300, 404), (600, 200)]
    assert len(view.delivered) == 1


def test_the_time_to_live_can_end_delivery_before_the_max_count(eventgrid: EventGrid) -> None:
    """The docs' example: 20 minutes and 10 attempts; attempt 8 is due at minute 20, when
    the event is dead-lettered instead."""
    view = eventgrid.topic("orders").subscribe(
        "hook", Hook(*[500] * 10), event_time_to_live=timedelta(minutes=20)
    )
    publish(eventgrid, order())
    attempts = eventgrid.deliver(drain=True)
    assert [a.time for a in attempts] == [0, 10, 30, 60, 300, 600, 900]
    [dead] = view.dead_lettered
    assert (dead.reason, dead.delivery_attempts, dead.last_attempt_at) == (
        "TimeToLiveExceeded",
        7,
        900,
    )
    assert dead.dead_letter_properties["deadletterreason"] == "Time to live exceeded."


def test_the_max_delivery_count_counts_attempts(eventgrid: EventGrid) -> None:
    view = eventgrid.topic("orders").subscribe("hook", Hook(500, 500, 500), max_delivery_count=3)
    publish(eventgrid, order())
    assert len(eventgrid.deliver(drain=True)) == 3
    assert view.dead_lettered[0].delivery_attempts == 3


def test_dead_letters_carry_dead_letter_properties() -> None:
    start = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    with mock_eventgrid(start=start) as eventgrid:
        view = eventgrid.topic("orders").subscribe("hook", Hook(500, 401))
        publish(eventgrid, order())
        eventgrid.deliver(drain=True)
    [dead] = view.dead_lettered
    assert dead.dead_letter_properties == {
        "deadletterreason": "Undeliverable due to client error",
        "deliveryattempts": 2,
        "deliveryresult": "Unauthorized",
        "publishutc": "2024-05-01T12:00:00.0000000Z",
        "deliveryattemptutc": "2024-05-01T12:00:10.0000000Z",
    }
    assert dead.event["id"] == "order-1"


def test_without_dead_lettering_undeliverable_events_are_dropped() -> None:
    with mock_eventgrid(dead_letter=False) as eventgrid:
        view = eventgrid.topic("orders").subscribe("hook", Hook(400))
        publish(eventgrid, order())
        eventgrid.deliver(drain=True)
    assert (view.dead_lettered, [d.reason for d in view.dropped]) == (
        [],
        ["NonRetriableDeliveryFailure"],
    )


def test_a_raising_handler_is_a_failed_attempt(eventgrid: EventGrid) -> None:
    calls = []

    def broken(request: httpx.Request) -> int:
        if request.method == "OPTIONS":
            return httpx.Response(200, headers=ALLOWED)  # type: ignore[return-value]
        calls.append(request)
        if len(calls) == 1:
            raise ConnectionError("refused")
        return 200

    view = eventgrid.topic("orders").subscribe("hook", broken)
    publish(eventgrid, order())
    attempts = eventgrid.deliver(drain=True)
    assert [(a.time, a.status, a.outcome) for a in attempts] == [
        (0, None, "TimedOut"),
        (10, 200, "Succeeded"),
    ]
    assert "refused" in (attempts[0].error or "")
    assert len(view.delivered) == 1


# -- pull operations on a push subscription ------------------------------------------------


def test_receiving_from_a_push_subscription_is_a_bad_request(eventgrid: EventGrid) -> None:
    eventgrid.topic("orders").subscribe("hook", Hook())
    with eventgrid.consumer("orders", "hook") as consumer:
        with pytest.raises(HttpResponseError) as raised:
            consumer.receive()
        assert (raised.value.status_code, raised.value.error.code) == (400, "BadRequest")  # type: ignore[union-attr]
        with pytest.raises(HttpResponseError, match="delivery mode is Push"):
            consumer.acknowledge(lock_tokens=["token"])


@pytest.mark.asyncio
async def test_receiving_from_a_push_subscription_is_a_bad_request_async(
    eventgrid: EventGrid,
) -> None:
    eventgrid.topic("orders").subscribe("hook", Hook())
    async with eventgrid.aio_consumer("orders", "hook") as consumer:
        with pytest.raises(HttpResponseError, match="delivery mode is Push") as raised:
            await consumer.receive()
        assert raised.value.status_code == 400
        with pytest.raises(HttpResponseError, match="delivery mode is Push"):
            await consumer.release(lock_tokens=["token"])


def test_a_name_is_a_queue_or_a_push_subscription(eventgrid: EventGrid) -> None:
    topic = eventgrid.topic("orders")
    topic.subscription("worker")
    with pytest.raises(UsageError, match="orders/worker is a queue subscription already"):
        topic.subscribe("worker", Hook())
    topic.subscribe("hook", Hook())
    with pytest.raises(UsageError, match="orders/hook is a push subscription"):
        topic.subscription("hook")
    with pytest.raises(UsageError, match="No push subscription 'nope'"):
        topic.push_subscription("nope")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"max_delivery_count": 11}, "max_delivery_count must be between 1 and 10"),
        ({"event_time_to_live": 30}, "event_time_to_live must be between 60 and 604800"),
        ({"max_events_per_batch": 0}, "max_events_per_batch must be between 1 and 5000"),
        ({"max_delivery_attempts": 3}, "Unknown delivery setting.*max_delivery_attempts"),
        ({"not_retried": "401"}, "not_retried must be a list of HTTP error statuses"),
        ({"not_retried": [200]}, "not_retried must be a list of HTTP error statuses"),
    ],
)
def test_delivery_settings_are_checked(
    eventgrid: EventGrid, settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        eventgrid.topic("orders").subscribe("hook", Hook(), **settings)


def test_a_destination_of_no_known_kind_is_refused(eventgrid: EventGrid) -> None:
    with pytest.raises(UsageError, match="A webhook destination must be"):
        eventgrid.topic("orders").subscribe("hook", 42, validate=False)


# -- declared subscriptions ----------------------------------------------------------------

hook_declared = Hook()


@pytest.mark.eventgrid(
    topics={
        "orders": {
            "hook": {"endpoint": hook_declared, "max_delivery_count": 3},
            "worker": {"lock_duration": 120, "delivery_mode": "queue"},
        }
    }
)
def test_the_marker_declares_push_subscriptions(eventgrid: EventGrid) -> None:
    hook_declared.requests.clear()
    view = eventgrid.topic("orders").push_subscription("hook")
    assert (view.validation, hook_declared.requests) == ("pending", [])
    publish(eventgrid, order())
    eventgrid.deliver()
    assert [r.method for r in hook_declared.requests] == ["OPTIONS", "POST"]
    assert eventgrid.topic("orders").subscription("worker").settings.lock_duration == 120


def test_mock_eventgrid_declares_push_subscriptions_as_the_marker() -> None:
    hook = Hook(503)
    topics = {"orders": {"hook": {"endpoint": hook, "delivery_mode": "Push", "validate": False}}}
    with mock_eventgrid(topics=topics) as eventgrid:
        view = eventgrid.topic("orders").push_subscription("hook")
        assert view.validation == "succeeded"
        publish(eventgrid, order())
        attempts = eventgrid.deliver(drain=True)
    assert [(a.time, a.status) for a in attempts] == [(0, 503), (30, 200)]
    assert [r.method for r in hook.requests] == ["POST", "POST"]


def test_a_declared_failing_handshake_fails_the_first_delivery() -> None:
    topics = {"orders": {"hook": {"endpoint": Hook(consent=False)}}}
    with mock_eventgrid(topics=topics) as eventgrid, pytest.raises(WebhookValidationError):
        eventgrid.deliver()


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({"delivery_mode": "push"}, r'a push subscription: "endpoint"'),
        ({"endpoint": "https://x.test", "lock_duration": 60}, r"unknown: lock_duration"),
        ({"endpoint": "ftp://x.test"}, r"an http:// or https:// URL"),
        ({"delivery_mode": "pull"}, r"delivery_mode"),
        ({"delivery_mode": "queue", "endpoint": "https://x.test"}, r'without "endpoint"'),
        ({"endpoint": "https://x.test", "max_delivery_count": 30}, r"topics=\{'orders'"),
    ],
)
def test_declared_push_subscriptions_are_checked(declared: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        EventGrid(topics={"orders": {"hook": declared}})


# -- chaos ---------------------------------------------------------------------------------


def test_chaos_duplicates_push_deliveries(eventgrid: EventGrid) -> None:
    hook = Hook()
    view = eventgrid.topic("orders").subscribe("hook", hook)
    eventgrid.chaos(duplicates=1.0)
    publish(eventgrid, order())
    eventgrid.deliver()
    eventgrid.chaos()  # calm again
    eventgrid.deliver()
    assert [body["id"] for body in hook.bodies] == ["order-1", "order-1"]
    assert len(view.delivered) == 2


def test_chaos_reorders_push_deliveries() -> None:
    with mock_eventgrid(seed=3, chaos={"reorder": True}) as eventgrid:
        hook = Hook()
        eventgrid.topic("orders").subscribe("hook", hook)
        publish(eventgrid, *(order(n) for n in range(1, 9)))
        eventgrid.deliver()
    ids = [body["id"] for body in hook.bodies]
    assert sorted(ids) == sorted(f"order-{n}" for n in range(1, 9))
    assert ids != sorted(ids)
