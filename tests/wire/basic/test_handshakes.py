"""The handshakes a new webhook must pass before Event Grid delivers to it: the
`SubscriptionValidationEvent` (Event Grid schema) and the CloudEvents abuse-protection
`OPTIONS` request (semantics §4.2, §4.3)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from pytest_eventgrid import EventGrid, PushSubscriptionView, WebhookValidationError
from pytest_eventgrid._api.basic_views import BasicTopicView

from ._support import EVENTGRID_JSON, SUBSCRIPTION_PATH, Answer, Endpoint, asgi_app
from .conftest import Deliver

GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
ORIGIN = "eventgrid.azure.net"


def order() -> EventGridEvent:
    return EventGridEvent(subject="orders/1", event_type="Order.Created", data={}, data_version="1")


def payment() -> CloudEvent:
    return CloudEvent(source="/payments", type="Payment.Captured", data={})


def subscribe(
    topic: BasicTopicView, name: str, destination: Any, outcome: str, **settings: Any
) -> PushSubscriptionView:
    """`topic.subscribe(...)`, whose handshake runs at once: a failed one raises."""
    if outcome == "succeeded":
        return topic.subscribe(name, destination, **settings)
    with pytest.raises(WebhookValidationError, match=f"subscription '{name}'"):
        topic.subscribe(name, destination, **settings)
    return topic.subscription(name)


def code_of(request: httpx.Request) -> str:
    [event] = json.loads(request.content)
    code: str = event["data"]["validationCode"]
    return code


# -- Event Grid schema: the validation event -------------------------------------------------


@pytest.mark.asyncio
async def test_the_validation_event_is_sent_before_anything_else(
    eventgrid: EventGrid, deliver: Deliver, webhook: Any, endpoint: Endpoint
) -> None:
    orders = eventgrid.basic_topic("orders")
    handler = orders.subscribe("order-handler", webhook)
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order())

    await deliver()

    assert handler.validation == "succeeded"
    validation, delivery = endpoint.requests
    assert validation.method == "POST"
    assert {k: v for k, v in validation.headers.items() if k.startswith("aeg-")} == {
        "aeg-event-type": "SubscriptionValidation",
        "aeg-subscription-name": "ORDER-HANDLER",
        "aeg-delivery-count": "0",
        "aeg-data-version": "1",
        "aeg-metadata-version": "1",
    }
    assert validation.headers["content-type"] == EVENTGRID_JSON
    [event] = json.loads(validation.content)
    code = event["data"]["validationCode"]
    assert re.fullmatch(GUID, code)
    assert re.fullmatch(GUID, event["id"])
    assert event == {
        "id": event["id"],
        "topic": f"{SUBSCRIPTION_PATH}/topics/orders",
        "subject": "",
        "data": {
            "validationCode": code,
            "validationUrl": "https://rp-westus.eventgrid.azure.net:553/eventsubscriptions/"
            f"validate?id={code}&apiVersion=2018-05-01-preview&token=fake",
        },
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "eventTime": event["eventTime"],
        "metadataVersion": "1",
        "dataVersion": "1",
    }
    assert datetime.fromisoformat(event["eventTime"]) <= eventgrid.clock.utcnow()
    assert delivery.headers["aeg-event-type"] == "Notification"


HandshakeAnswer = Callable[[httpx.Request], Answer]

VALIDATION_ANSWERS = [
    pytest.param(lambda r: {"validationResponse": code_of(r)}, "succeeded", id="200 with the code"),
    pytest.param(
        lambda r: {"ValidationResponse": code_of(r)}, "succeeded", id="key in another case"
    ),
    # semantics §4.2: a 202 is not accepted, even with the code.
    pytest.param(
        lambda r: httpx.Response(202, json={"validationResponse": code_of(r)}),
        "failed",
        id="202 with the code",
    ),
    pytest.param(lambda r: {"validationResponse": "another code"}, "failed", id="wrong code"),
    pytest.param(lambda r: 200, "failed", id="200 without a body"),
    pytest.param(lambda r: httpx.Response(200, text="not json"), "failed", id="not JSON"),
    pytest.param(lambda r: [code_of(r)], "failed", id="JSON array"),
    pytest.param(lambda r: 404, "failed", id="404"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("answer", "outcome"), VALIDATION_ANSWERS)
async def test_only_a_200_echoing_the_code_validates(
    eventgrid: EventGrid, deliver: Deliver, answer: HandshakeAnswer, outcome: str
) -> None:
    endpoint = Endpoint(handshake=answer)
    orders = eventgrid.basic_topic("orders")
    handler = subscribe(orders, "hook", endpoint, outcome)
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order())

    attempts = await deliver()

    assert handler.validation == outcome
    assert len(endpoint.handshakes) == 1
    delivered = 1 if outcome == "succeeded" else 0
    assert (len(attempts), len(endpoint.deliveries), len(handler.delivered)) == (delivered,) * 3


@pytest.mark.asyncio
async def test_a_failed_subscription_never_receives_anything(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    endpoint = Endpoint(handshake=lambda request: 202)
    orders = eventgrid.basic_topic("orders")
    handler = subscribe(orders, "lazy", endpoint, "failed")
    assert handler.validation == "failed"
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send([order(), order()])

    assert await deliver(drain=True) == []
    assert (handler.pending, handler.delivered, handler.dead_lettered) == (0, [], [])
    assert endpoint.requests == endpoint.handshakes  # one handshake, never retried


@pytest.mark.asyncio
async def test_validate_false_skips_the_handshake(eventgrid: EventGrid, deliver: Deliver) -> None:
    endpoint = Endpoint()
    orders = eventgrid.basic_topic("orders")
    handler = orders.subscribe("hook", endpoint, validate=False)
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order())

    await deliver()

    assert handler.validation == "succeeded"
    assert endpoint.handshakes == []
    assert len(endpoint.deliveries) == 1


@pytest.mark.asyncio
async def test_handshakes_are_on_the_timeline(eventgrid: EventGrid) -> None:
    orders = eventgrid.basic_topic("orders")
    orders.subscribe("good", Endpoint())
    subscribe(orders, "lazy", Endpoint(handshake=lambda request: 202), "failed")

    validations = [entry for entry in eventgrid.timeline if entry.operation == "validate"]

    assert [(e.subscription, e.status, e.detail) for e in validations] == [
        ("good", 200, "accepted"),
        ("lazy", 202, "refused"),
    ]


# -- an app that needs the event loop ----------------------------------------------------------


@pytest.mark.asyncio
async def test_inside_a_loop_an_asgi_apps_handshake_waits_for_deliver_async(
    eventgrid: EventGrid,
) -> None:
    endpoint = Endpoint()
    orders = eventgrid.basic_topic("orders")
    handler = orders.subscribe("hook", asgi_app(endpoint))
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order())
    assert (handler.validation, handler.pending, endpoint.requests) == ("pending", 1, [])

    [attempt] = await eventgrid.deliver_async()

    assert (handler.validation, attempt.outcome) == ("succeeded", "Succeeded")
    assert [r.headers["aeg-event-type"] for r in endpoint.requests] == [
        "SubscriptionValidation",
        "Notification",
    ]


@pytest.mark.asyncio
async def test_events_queued_before_a_failed_deferred_handshake_are_never_sent(
    eventgrid: EventGrid,
) -> None:
    endpoint = Endpoint(handshake=lambda request: 400)
    orders = eventgrid.basic_topic("orders")
    handler = orders.subscribe("hook", asgi_app(endpoint))
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order())

    with pytest.raises(WebhookValidationError):
        await eventgrid.deliver_async(drain=True)

    assert (handler.validation, handler.pending) == ("failed", 0)
    assert await eventgrid.deliver_async(drain=True) == []  # reported once, by the handshake
    assert endpoint.deliveries == []


def test_without_a_loop_an_asgi_apps_handshake_runs_at_once(eventgrid: EventGrid) -> None:
    endpoint = Endpoint()
    orders = eventgrid.basic_topic("orders")
    handler = orders.subscribe("hook", asgi_app(endpoint))
    assert handler.validation == "succeeded"
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(order())

    [attempt] = eventgrid.deliver()

    assert attempt.outcome == "Succeeded"
    assert len(endpoint.deliveries) == 1


# -- CloudEvents: abuse protection -----------------------------------------------------------


@pytest.mark.asyncio
async def test_a_cloudevents_webhook_is_asked_with_options_first(
    eventgrid: EventGrid, deliver: Deliver, webhook: Any, endpoint: Endpoint
) -> None:
    payments = eventgrid.basic_topic("payments", schema="cloudevents")
    handler = payments.subscribe("payment-handler", webhook)
    with eventgrid.basic_publisher("payments") as publisher:
        publisher.send(payment())

    await deliver()

    assert handler.validation == "succeeded"
    options, delivery = endpoint.requests
    assert options.method == "OPTIONS"
    assert options.headers["webhook-request-origin"] == ORIGIN
    assert options.content == b""
    assert not any(name.startswith("aeg-") for name in options.headers)
    assert (delivery.method, delivery.headers["aeg-event-type"]) == ("POST", "Notification")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        pytest.param({"WebHook-Allowed-Origin": "*"}, "succeeded", id="any origin"),
        pytest.param({"WebHook-Allowed-Origin": ORIGIN}, "succeeded", id="Event Grid"),
        pytest.param({"webhook-allowed-origin": ORIGIN}, "succeeded", id="lower-case header"),
        pytest.param({"WebHook-Allowed-Origin": "contoso.com"}, "failed", id="another origin"),
        pytest.param({}, "failed", id="no header"),
        pytest.param(405, "failed", id="405"),
    ],
)
async def test_only_an_allowed_origin_passes_abuse_protection(
    eventgrid: EventGrid, deliver: Deliver, answer: dict[str, str] | int, outcome: str
) -> None:
    def consent(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, int):
            return httpx.Response(answer)
        return httpx.Response(200, headers=answer)

    endpoint = Endpoint(handshake=consent)
    orders = eventgrid.basic_topic("orders")  # takes any schema; the subscription decides
    handler = subscribe(orders, "hook", endpoint, outcome, schema="cloudevents")
    with eventgrid.basic_publisher("orders") as publisher:
        publisher.send(payment())

    await deliver()

    assert handler.validation == outcome
    assert [r.method for r in endpoint.requests] == (
        ["OPTIONS", "POST"] if outcome == "succeeded" else ["OPTIONS"]
    )


# -- a failed handshake raises, naming the URL and what came back -----------------------------


def test_a_failed_handshake_at_subscribe_says_where_and_what_came_back(
    eventgrid: EventGrid,
) -> None:
    seen: list[httpx.Request] = []

    def lazy(request: httpx.Request) -> int:
        seen.append(request)
        return 202

    orders = eventgrid.basic_topic("orders")

    with pytest.raises(WebhookValidationError) as raised:
        orders.subscribe("lazy", lazy, url="https://hooks.test/orders")

    code = code_of(seen[0])
    assert str(raised.value) == (
        "Webhook validation handshake failed:\n"
        "  subscription 'lazy' (topic 'orders') at https://hooks.test/orders: the POST of the "
        "SubscriptionValidationEvent got 202, empty body; expected 200 with "
        f'{{"validationResponse": "{code}"}}.\n'
        "The service would not create the subscription: it gets no event. Answer the "
        "handshake, or pass validate=False to subscribe() to skip it. "
        "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/webhooks/"
        "#the-validation-handshake"
    )
    assert isinstance(raised.value, AssertionError)  # a failure of the handler under test
    assert orders.subscription("lazy").validation == "failed"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("answer", "came_back"),
    [
        pytest.param(
            lambda r: httpx.Response(405, text="no OPTIONS here"),
            "got 405, no WebHook-Allowed-Origin header, body 'no OPTIONS here'",
            id="405",
        ),
        pytest.param(
            lambda r: httpx.Response(200, headers={"WebHook-Allowed-Origin": "contoso.com"}),
            "got 200, WebHook-Allowed-Origin 'contoso.com', empty body",
            id="another origin",
        ),
    ],
)
async def test_a_failed_deferred_handshake_raises_from_deliver(
    eventgrid: EventGrid, deliver: Deliver, answer: HandshakeAnswer, came_back: str
) -> None:
    endpoint = Endpoint(handshake=answer)
    payments = eventgrid.basic_topic("payments", schema="cloudevents")
    handler = payments.subscribe("hook", asgi_app(endpoint), url="https://hooks.test/api/events")
    assert handler.validation == "pending"

    with pytest.raises(WebhookValidationError) as raised:
        await deliver()

    assert (
        "  subscription 'hook' (topic 'payments') at https://hooks.test/api/events: the OPTIONS "
        f"request (WebHook-Request-Origin: eventgrid.azure.net) {came_back}; expected 200 with "
        "WebHook-Allowed-Origin: eventgrid.azure.net (or *).\n"
    ) in str(raised.value)
    assert handler.validation == "failed"


@pytest.mark.asyncio
async def test_an_unreachable_webhook_names_the_error(
    eventgrid: EventGrid, deliver: Deliver
) -> None:
    def refuse(request: httpx.Request) -> None:
        raise httpx.ConnectError("connection refused")

    payments = eventgrid.basic_topic("payments")
    handler = payments.subscribe("hook", asgi_app(Endpoint(handshake=refuse)))

    with pytest.raises(WebhookValidationError, match=r"got no answer \(ConnectError: connection"):
        await deliver()
    assert handler.validation == "failed"
