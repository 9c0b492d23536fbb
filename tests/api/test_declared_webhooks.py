"""Webhook subscriptions declared in `basic_topics=` (the marker, `mock_eventgrid()`,
`EventGrid(...)` and the emulator's config file take the same keys)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from azure.core.messaging import CloudEvent

from pytest_eventgrid import EventGrid, UsageError, WebhookValidationError, mock_eventgrid

DOCS = "guide/webhooks/#declared-subscriptions"


class Recorder:
    """A webhook as a callable: answers handshakes, records deliveries."""

    def __init__(self, *statuses: int) -> None:
        self.requests: list[httpx.Request] = []
        self._statuses = list(statuses)

    def __call__(self, request: httpx.Request) -> Any:
        self.requests.append(request)
        if request.method == "OPTIONS":
            return httpx.Response(200, headers={"WebHook-Allowed-Origin": "eventgrid.azure.net"})
        body = request.read()
        if b"SubscriptionValidationEvent" in body:
            code = httpx.Response(200, content=body).json()[0]["data"]["validationCode"]
            return {"validationResponse": code}
        return self._statuses.pop(0) if self._statuses else 200

    @property
    def kinds(self) -> list[str]:
        return [
            "options"
            if request.method == "OPTIONS"
            else "validation"
            if b"SubscriptionValidationEvent" in request.content
            else "delivery"
            for request in self.requests
        ]


def publish(eventgrid: EventGrid, topic: str, *types: str) -> None:
    with eventgrid.basic_publisher(topic) as publisher:
        publisher.send([CloudEvent(source="/shop", type=kind, data={}) for kind in types])


def test_a_declared_subscription_shakes_hands_at_the_first_delivery():
    hook = Recorder(503)
    declared = {
        "orders": {
            "schema": "cloudevents",
            "subscriptions": {
                "billing": {
                    "endpoint": hook,
                    "filter": {"includedEventTypes": ["Order.Created"]},
                    "max_delivery_attempts": 5,
                }
            },
        }
    }
    with mock_eventgrid(basic_topics=declared) as eventgrid:
        billing = eventgrid.basic_topic("orders").subscription("billing")
        assert (billing.validation, hook.requests) == ("pending", [])

        publish(eventgrid, "orders", "Order.Created", "Order.Deleted")
        attempts = eventgrid.deliver(drain=True)

    assert hook.kinds == ["options", "delivery", "delivery"]
    assert billing.validation == "succeeded"
    assert [(a.status, a.delivery_count) for a in attempts] == [(503, 0), (200, 1)]
    assert [event["type"] for event in billing.delivered] == ["Order.Created"]


@pytest.mark.eventgrid(
    basic_topics={
        "shop": {
            "kind": "domain",
            "subscriptions": {"audit": {"endpoint": "https://audit.test/hook", "validate": False}},
            "topics": {"orders": {"billing": {"endpoint": "https://billing.test/hook"}}},
        }
    }
)
def test_the_marker_declares_domain_and_domain_topic_subscriptions(eventgrid):
    shop = eventgrid.domain("shop")

    assert shop.subscription("audit").validation == "succeeded"
    assert shop.topic("orders").subscription("billing").validation == "pending"
    assert shop.topic("orders").subscription("billing").name == "billing"


def test_a_failed_handshake_of_a_declared_subscription_is_raised_by_deliver():
    declared = {"orders": {"subscriptions": {"billing": {"endpoint": lambda _: 404}}}}
    with mock_eventgrid(basic_topics=declared) as eventgrid:
        publish(eventgrid, "orders", "Order.Created")

        with pytest.raises(WebhookValidationError, match="subscription 'billing'"):
            eventgrid.deliver()
    billing = eventgrid.basic_topic("orders").subscription("billing")
    assert (billing.validation, billing.delivered, billing.pending) == ("failed", [], 0)


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ({"subscriptions": ["billing"]}, r"\{'orders': \{'subscriptions': \.\.\.\}\}: got"),
        (
            {"subscriptions": {"billing": {"url": "https://x.test"}}},
            r"\{'subscriptions': \{'billing': \.\.\.\}\}\}: got .* Expected a mapping with "
            r'"endpoint"',
        ),
        (
            {"subscriptions": {"billing": {"endpoint": "https://x.test", "retries": 3}}},
            r"\(unknown: retries\)",
        ),
        (
            {"subscriptions": {"billing": {"endpoint": "x.test/hook"}}},
            r"\{'billing': \{'endpoint': \.\.\.\}\}\}\}: got 'x.test/hook'\. Expected an http",
        ),
        (
            {"subscriptions": {"billing": {"endpoint": "https://x.test", "validate": "yes"}}},
            r"'validate': \.\.\.\}\}\}\}: got 'yes'\. Expected True or False",
        ),
        ({"topics": {"orders": {}}}, r"Expected a schema name"),  # a topic has no topics
        ({"kind": "domain", "topics": ["orders"]}, r"'topics': \.\.\.\}\}: got \['orders'\]"),
        (
            {
                "subscriptions": {
                    "billing": {"endpoint": "https://x.test", "max_events_per_batch": 0}
                }
            },
            r"\{'billing': \.\.\.\}\}\}: max_events_per_batch must be between 1 and 5000",
        ),
        (
            {"subscriptions": {"billing": {"endpoint": "https://x.test", "schema": "xml"}}},
            r"\{'billing': \.\.\.\}\}\}: schema must be one of",
        ),
    ],
    ids=[
        "a list",
        "no endpoint",
        "an unknown key",
        "not a URL",
        "validate not a flag",
        "topics of a topic",
        "domain topics a list",
        "a bad setting",
        "a bad schema",
    ],
)
def test_a_bad_declaration_is_a_usage_error(declaration, message):
    with pytest.raises(UsageError, match=message) as raised:
        EventGrid(basic_topics={"orders": declaration})
    assert str(raised.value).startswith("basic_topics={'orders': ")
    assert str(raised.value).endswith(
        ("#declared-subscriptions", "#delivery-settings", "-namespaces")
    )


def test_the_docs_anchor_exists():
    from pathlib import Path

    page = Path(__file__).parents[2] / "docs" / "guide" / "webhooks.md"
    assert "{ #declared-subscriptions }" in page.read_text(encoding="utf-8"), DOCS
