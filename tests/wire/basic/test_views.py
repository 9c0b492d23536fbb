"""Misuse of the Basic views fails at once, with a message that says what to do."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_eventgrid import EventGrid, UsageError
from pytest_eventgrid._errors import DOCS_URL

DOCS = "https://pytest-eventgrid.readthedocs.io/en/latest/guide"


def ok(request: object) -> int:
    return 200


@pytest.mark.parametrize(
    ("destination", "options", "message"),
    [
        pytest.param(
            ok,
            {"schema": "cloudevent"},
            "schema must be one of eventgrid, cloudevents, custom; got 'cloudevent'. "
            f"See {DOCS}/webhooks/#delivery-settings",
            id="schema",
        ),
        pytest.param(
            ok,
            {"retries": 3},
            "Unknown delivery setting in ['retries']; allowed: max_delivery_attempts, "
            "event_time_to_live, max_events_per_batch, preferred_batch_size_in_kilobytes, "
            f"dead_letter. See {DOCS}/webhooks/#delivery-settings",
            id="unknown setting",
        ),
        pytest.param(
            ok,
            {"max_delivery_attempts": 31},
            "max_delivery_attempts must be between 1 and 30, as on the service; got 31. "
            f"See {DOCS}/webhooks/#delivery-settings",
            id="attempts",
        ),
        pytest.param(
            ok,
            {"event_time_to_live": 59},
            "event_time_to_live must be between 60 and 86400, as on the service; got 59. "
            f"See {DOCS}/webhooks/#delivery-settings",
            id="time to live",
        ),
        pytest.param(
            42,
            {},
            "A webhook destination must be an ASGI or WSGI app, a callable or a URL; got 42. "
            f"See {DOCS}/webhooks/#destinations",
            id="destination",
        ),
    ],
)
def test_a_bad_subscription_is_a_usage_error(
    eventgrid: EventGrid, destination: Any, options: dict[str, Any], message: str
) -> None:
    orders = eventgrid.basic_topic("orders")

    with pytest.raises(UsageError) as raised:
        orders.subscribe("hook", destination, **options)

    assert str(raised.value) == message


def test_an_unknown_subscription_is_a_usage_error(eventgrid: EventGrid) -> None:
    with pytest.raises(UsageError) as raised:
        eventgrid.basic_topic("orders").subscription("nope")

    assert str(raised.value) == (
        "No event subscription 'nope'; create it with subscribe(). "
        f"See {DOCS_URL}/guide/webhooks/#the-subscription-view"
    )


def test_only_a_domain_has_domain_topics(eventgrid: EventGrid) -> None:
    with pytest.raises(UsageError) as raised:
        eventgrid.partner_namespace("contoso").topic("orders")

    assert str(raised.value) == (
        "contoso.westus-1.eventgrid.azure.net is a partner, not a domain. "
        f"See {DOCS_URL}/guide/basic/#domains"
    )


def test_views_show_what_they_are(eventgrid: EventGrid) -> None:
    shop = eventgrid.domain("shop")
    hook = shop.topic("orders").subscribe("hook", ok, validate=False)

    assert repr(shop) == "<BasicTopicView domain shop.westus-1.eventgrid.azure.net>"
    assert (
        repr(shop.topic("orders")) == "<DomainTopicView shop.westus-1.eventgrid.azure.net/orders>"
    )
    assert repr(hook) == "<PushSubscriptionView hook succeeded>"
    assert (shop.kind, shop.endpoint) == (
        "domain",
        "https://shop.westus-1.eventgrid.azure.net/api/events",
    )
    assert shop.topic("orders").subscription("hook").name == "hook"


def test_namespaces_lists_every_namespace_served_its_own_first(eventgrid: EventGrid) -> None:
    eventgrid.namespace("other.westus-1.eventgrid.azure.net").topic("orders")
    eventgrid.add_host("https://events.contoso.com")
    eventgrid.basic_topic("plain")  # a Basic topic is not a namespace

    assert [namespace.host for namespace in eventgrid.namespaces] == [
        eventgrid.host,
        "other.westus-1.eventgrid.azure.net",
        "events.contoso.com",
    ]
    assert [topic.name for topic in eventgrid.namespaces[1].topics] == ["orders"]
