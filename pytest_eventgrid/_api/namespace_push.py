"""Push subscriptions of namespace topics: a webhook or Event Hubs destination, the
namespace retry policy, `deadLetterProperties`, delivery properties; delivered by the
same engine as Basic webhooks."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from .. import _errors
from .._broker import JournalEntry, Namespace
from .._broker._filters import parse_filter
from .._broker._push import NamespacePushSettings, PushSubscription
from .._doors._webhooks import PushDeliveries, Webhook
from .._errors import usage_error
from .._wire._delivery_properties import checked_delivery_properties
from .basic_views import PushSubscriptionView, can_call_now
from .event_hubs import event_hub, hub_name

PUSH_DOCS = "guide/namespace-push/#delivery-settings"
PROPERTIES_DOCS = "guide/namespace-push/#delivery-properties"
VIEW_DOCS = "guide/namespace-push/#the-subscription-view"
# subscribe()'s delivery keywords, and the settings' fields they set.
SETTINGS = {
    "max_delivery_count": "max_delivery_attempts",
    "event_time_to_live": "event_time_to_live",
    "max_events_per_batch": "max_events_per_batch",
    "preferred_batch_size_in_kilobytes": "preferred_batch_size_in_kilobytes",
    "dead_letter": "dead_letter",
    "not_retried": "not_retried",
}


def push_settings(namespace: Namespace, settings: dict[str, Any]) -> NamespacePushSettings:
    """`subscribe()`'s delivery keywords as settings; dead-lettering defaults to the
    namespace's (`dead_letter=` of the fake)."""
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise usage_error(
            f"Unknown delivery setting(s) {', '.join(unknown)}"
            f"{_errors.did_you_mean(unknown[0], SETTINGS)}; allowed: "
            f"{', '.join(SETTINGS)}.",
            anchor=PUSH_DOCS,
        )
    values = {SETTINGS[key]: value for key, value in settings.items()}
    if "event_time_to_live" in values:
        values["event_time_to_live"] = _errors.seconds(
            "event_time_to_live", values["event_time_to_live"], PUSH_DOCS
        )
    if "dead_letter" in values:
        _errors.flag("dead_letter", values["dead_letter"], PUSH_DOCS)
    values.setdefault("dead_letter", namespace.defaults.dead_letter)
    return NamespacePushSettings(**values)


def _utc(start: datetime, seconds: float) -> datetime:
    return start + timedelta(seconds=seconds)


def subscribe(
    namespace: Namespace,
    topic: str,
    name: str,
    destination: Any,
    *,
    url: str | None,
    filter: Any,
    validate: bool,
    settings: dict[str, Any],
    delivery_properties: Any = None,
) -> PushSubscriptionView:
    """Create (or replace) the push subscription `name` of `topic`; run its handshake
    now when it can (see `TopicView.subscribe()`). An event hub has no handshake."""
    _errors.name("subscribe(name)", name, VIEW_DOCS)
    validate = _errors.flag("subscribe(validate=)", validate, VIEW_DOCS)
    broker = namespace.broker
    hub = hub_name(destination)
    webhook = (
        destination
        if isinstance(destination, Webhook) or hub is not None
        else Webhook(destination, url or Webhook.url)
    )
    # A destination of no known kind fails here.
    callable_now = hub is None and can_call_now(webhook)
    subscription = PushSubscription(
        name,
        webhook,
        filter=parse_filter(filter),
        settings=push_settings(namespace, settings),
        schema="cloudevents",
        validation="pending" if validate and hub is None else "succeeded",
        utc=partial(_utc, broker.clock.start),
        chaos=broker.chaos,
        delivery_properties=checked_delivery_properties(
            delivery_properties, "subscribe(delivery_properties=)", PROPERTIES_DOCS
        ),
    )
    with broker.lock:
        if hub is not None:
            subscription.destination = event_hub(broker, hub)
        owner = namespace.topic(topic)
        if name in owner.subscriptions:
            raise usage_error(
                f"{topic}/{name} is a queue subscription already; a subscription is "
                "either pull (queue) or push, so give the push one another name.",
                anchor=VIEW_DOCS,
            )
        created = name not in owner.push_subscriptions
        owner.push_subscriptions[name] = subscription
        if created:
            broker.journal.record(
                JournalEntry(broker.clock.now(), "create_subscription", namespace.name, topic, name)
            )
    if validate and callable_now:
        PushDeliveries(broker).validate_now(owner, subscription, namespace.name)
    return PushSubscriptionView(broker, subscription)


def push_subscription(namespace: Namespace, topic: str, name: str) -> PushSubscriptionView:
    """The push subscription `name` of `topic`, or a `UsageError`."""
    _errors.name("push_subscription(name)", name, VIEW_DOCS)
    with namespace.broker.lock:
        found = namespace.topic(topic).push_subscriptions.get(name)
    if found is None:
        raise usage_error(
            f"No push subscription {name!r} on topic {topic!r}; create it with "
            "subscribe() (or declare it with an endpoint).",
            anchor=VIEW_DOCS,
        )
    return PushSubscriptionView(namespace.broker, found)


def push_subscriptions(namespace: Namespace, topic: str) -> list[PushSubscriptionView]:
    """Every push subscription of `topic`, in the order they were made."""
    with namespace.broker.lock:
        found = list(namespace.topic(topic).push_subscriptions.values())
    return [PushSubscriptionView(namespace.broker, subscription) for subscription in found]


def refuse_push_name(namespace: Namespace, topic: str, name: str) -> None:
    """A `UsageError` if `name` is a push subscription of `topic`: it has no queue."""
    owner = namespace.topics.get(topic)
    if owner is not None and name in owner.push_subscriptions:
        raise usage_error(
            f"{topic}/{name} is a push subscription: it has no queue to look at. Use "
            f"topic({topic!r}).push_subscription({name!r}) for its deliveries.",
            anchor=VIEW_DOCS,
        )
