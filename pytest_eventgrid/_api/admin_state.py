"""What the admin API shows, as JSON: the library's public views, field for field.

The names are the ones Python users see on `SubscriptionEvent`, `CloudEvent`,
`EventGridEvent`, `DeliveryAttempt` and `DeadLetter`; datetimes are ISO 8601 text,
durations seconds, binary data base64 (as `data_base64`). Virtual times (`recorded_at`,
`locked_until`, `time`, ...) are seconds on the server's clock, as in Python.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from .._broker import JournalEntry
from .._broker._push import DeadLetter, DeliveryAttempt
from .._wire._emulated import emulated_path
from .._wire._faults import Fault
from .basic_views import BasicTopicView, PushSubscriptionView, _Subscribable
from .calls import SubscriptionEvent
from .event_hubs import EventHubView
from .system_topics import SystemTopicView
from .views import NamespaceView, SubscriptionView, TopicView

if TYPE_CHECKING:
    from .emulator import EventGridServer

CLOUDEVENT_FIELDS = (
    "id",
    "source",
    "type",
    "subject",
    "time",
    "specversion",
    "datacontenttype",
    "dataschema",
)
SUBSCRIPTION_EVENT_FIELDS = (
    "state",
    "delivery_count",
    "lock_token",
    "locked_until",
    "release_delay",
    "dead_letter_reason",
    "recorded_at",
)
EVENTGRID_EVENT_FIELDS = (
    "id",
    "topic",
    "subject",
    "event_type",
    "event_time",
    "data_version",
    "metadata_version",
)
# SubscriptionView's lists, in the order `state` shows them.
SUBSCRIPTION_STATES = (
    "available",
    "delayed",
    "locked",
    "acknowledged",
    "released",
    "rejected",
    "dead_lettered",
    "dropped",
    "expired_locks",
)


def plain(value: Any) -> Any:
    """`value` as JSON can carry it: ISO datetimes, seconds, base64 bytes."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: plain(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if not field.name.startswith("_")
        }
    return str(value)


def _with_data(document: dict[str, Any], data: Any) -> dict[str, Any]:
    if isinstance(data, bytes | bytearray | memoryview):
        document["data_base64"] = plain(data)
    else:
        document["data"] = plain(data)
    return document


def cloudevent(event: CloudEvent) -> dict[str, Any]:  # type: ignore[type-arg]
    """A `CloudEvent` (or `SubscriptionEvent`) by its Python attribute names."""
    document = {name: plain(getattr(event, name, None)) for name in CLOUDEVENT_FIELDS}
    _with_data(document, event.data)
    document["extensions"] = plain(event.extensions or {})
    if isinstance(event, SubscriptionEvent):
        for name in SUBSCRIPTION_EVENT_FIELDS:
            document[name] = plain(getattr(event, name, None))
    return document


def published_item(item: Any) -> dict[str, Any]:
    """A Basic topic's published event, in the schema it was sent in."""
    if isinstance(item, CloudEvent):
        return {"schema": "cloudevents", **cloudevent(item)}
    if isinstance(item, EventGridEvent):
        document = {name: plain(getattr(item, name, None)) for name in EVENTGRID_EVENT_FIELDS}
        return {"schema": "eventgrid", **_with_data(document, item.data)}
    return {"schema": "custom", "event": plain(item)}


def subscription(view: SubscriptionView) -> dict[str, Any]:
    """A queue subscription: its settings and its events by state."""
    document: dict[str, Any] = {"name": view.name, "settings": plain(view.settings)}
    for state in SUBSCRIPTION_STATES:
        document[state] = [cloudevent(event) for event in getattr(view, state)]
    return document


def topic(view: TopicView) -> dict[str, Any]:
    """A namespace topic: what was published, and its subscriptions by name."""
    return {
        "name": view.name,
        "event_retention_in_days": view.event_retention_in_days,
        "published": [cloudevent(event) for event in view.published],
        "subscriptions": {each.name: subscription(each) for each in view.subscriptions},
        "push_subscriptions": {
            each.name: push_subscription(each) for each in view.push_subscriptions
        },
    }


def namespace(view: NamespaceView, server: EventGridServer) -> dict[str, Any]:
    """A namespace: its host, where the server answers for it, and its topics."""
    home = server.eventgrid.host
    return {
        "name": view.host.partition(".")[0],
        "host": view.host,
        "endpoint": server.url + emulated_path(view.host, home),
        "default": view.host == home,
        "topics": {each.name: topic(each) for each in view.topics},
    }


def attempt(item: DeliveryAttempt) -> dict[str, Any]:
    """One push delivery request and what came of it."""
    return plain(item)  # type: ignore[no-any-return]


def dead_letter(item: DeadLetter) -> dict[str, Any]:
    """An event a push subscription could not deliver."""
    return plain(item)  # type: ignore[no-any-return]


def push_subscription(view: PushSubscriptionView) -> dict[str, Any]:
    """A webhook subscription: the handshake, every attempt, what was delivered or not."""
    return {
        "name": view.name,
        "validation": view.validation,
        "pending": view.pending,
        "attempts": [attempt(item) for item in view.attempts],
        "delivered": plain(view.delivered),
        "dead_lettered": [dead_letter(item) for item in view.dead_lettered],
        "dropped": [dead_letter(item) for item in view.dropped],
    }


def _subscribable(view: _Subscribable) -> dict[str, Any]:
    return {
        "published": [published_item(item) for item in view.published],
        "subscriptions": {each.name: push_subscription(each) for each in view.subscriptions},
    }


def basic_topic(view: BasicTopicView, server: EventGridServer) -> dict[str, Any]:
    """A Basic topic, domain or partner namespace, with its webhooks (and domain topics)."""
    name = view.host.partition(".")[0]
    return {
        "name": name,
        "kind": view.kind,
        "host": view.host,
        "endpoint": server.basic_endpoint(name),
        "channels": view.channels,
        **_subscribable(view),
        "topics": {each.name: {"name": each.name, **_subscribable(each)} for each in view.topics},
    }


def system_topic(view: SystemTopicView) -> dict[str, Any]:
    """A system topic: its source, what was published, its subscriptions."""
    return {
        "name": view.name,
        "source": view.source,
        "topic_type": view.topic_type,
        **_subscribable(view),
    }


def event_hub(view: EventHubView) -> dict[str, Any]:
    """An event hub: every batch Event Grid sent it, with each message's properties."""
    return {
        "name": view.name,
        "batches": [
            {
                "time": batch.time,
                "topic": batch.topic,
                "subscription": batch.subscription,
                "messages": [
                    {
                        "event": cloudevent(message.event),
                        "properties": message.properties,
                        "partition_key": message.partition_key,
                    }
                    for message in batch.messages
                ],
            }
            for batch in view.batches
        ],
    }


def fault(item: Fault) -> dict[str, Any]:
    """A scripted fault: as scripted, and how often it fired."""
    return {
        "fault": item.describe(),
        "operation": item.operation,
        "topic": item.topic,
        "subscription": item.subscription,
        "times": item.times,
        "probability": item.probability,
        "optional": item.optional,
        "fired": item.fired,
    }


def clock(server: EventGridServer) -> dict[str, Any]:
    """The server's clock: virtual seconds since it started, and that instant in UTC."""
    clock = server.eventgrid.clock
    now = clock.now()
    return {
        "mode": server.clock_mode,
        "time_scale": server.time_scale if server.clock_mode == "real" else None,
        "now": now,
        "utc": (clock.start + timedelta(seconds=now)).isoformat(),
        "start": clock.start.isoformat(),
    }


def state(server: EventGridServer) -> dict[str, Any]:
    """Everything the server holds, from the public views of its `EventGrid`."""
    eventgrid = server.eventgrid
    namespaces: dict[str, Any] = {}
    for view in eventgrid.namespaces:
        document = namespace(view, server)
        key = document["name"] if document["name"] not in namespaces else view.host
        namespaces[key] = document
    basic: dict[str, Any] = {}
    for each in eventgrid.basic_topics:
        document = basic_topic(each, server)
        basic[document["name"] if document["name"] not in basic else each.host] = document
    return {
        "clock": clock(server),
        "namespaces": namespaces,
        "basic_topics": basic,
        "system_topics": {each.name: system_topic(each) for each in eventgrid.system_topics},
        "event_hubs": {each.name: event_hub(each) for each in eventgrid.event_hubs},
        "faults": [fault(item) for item in eventgrid.faults],
    }


def journal_entry(entry: JournalEntry) -> dict[str, Any]:
    """One timeline entry: the operation, where, its status, the events it touched."""
    return {
        "time": entry.time,
        "operation": entry.operation,
        "namespace": entry.namespace,
        "topic": entry.topic,
        "subscription": entry.subscription,
        "status": entry.status,
        "detail": entry.detail,
        "items": plain(list(entry.items)),
        "events": plain(list(entry.events)),
    }
