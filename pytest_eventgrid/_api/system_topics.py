"""System topics: the events an Azure service raises about one resource, as a source
a test declares and publishes to, standing for Azure."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from .. import _errors
from .._broker import Broker, JournalEntry, JournalItem
from .._broker._basic import SystemTopic
from .._broker._routing import NamespaceTopicDestination
from .._doors._webhooks import PushDeliveries
from .._errors import UsageError, in_context, usage_error
from .assertions import PublishedAssertions
from .basic_views import _Subscribable
from .calls import Scope

SYSTEM_DOCS = "guide/basic/#system-topics"
SYSTEM_KEYS = frozenset({"source", "topic_type", "subscriptions"})
# /subscriptions/<id>/resourceGroups/<group>/providers/<Provider.Name>/<type>/<name>...
_PROVIDER = re.compile(r"/providers/(?P<provider>[^/]+)/(?P<type>[^/]+)/[^/]+", re.IGNORECASE)

SystemTopics = Mapping[str, Mapping[str, Any]]


def topic_type_of(source: str) -> str | None:
    """The topic type of a resource id: `Microsoft.Storage.StorageAccounts` for a
    storage account's; None when the id names no provider."""
    found = _PROVIDER.search(source)
    if found is None:
        return None
    kind = found["type"]
    return f"{found['provider']}.{kind[:1].upper()}{kind[1:]}"


def _provider(name: str) -> str:
    """`Microsoft.Storage` of `Microsoft.Storage.BlobCreated` or of a topic type."""
    return ".".join(name.split(".")[:2]).lower()


def checked_source(source: object, topic_type: object) -> tuple[str, str]:
    """`source` (a resource id) and `topic_type`, which defaults to the source's."""
    if not isinstance(source, str) or not source.startswith("/subscriptions/"):
        raise usage_error(
            "system_topic(source=)",
            source,
            "the resource id of the Azure resource whose events the topic carries, such "
            "as '/subscriptions/<id>/resourceGroups/<group>/providers/"
            "Microsoft.Storage/storageAccounts/<account>'",
            SYSTEM_DOCS,
        )
    kind = topic_type if topic_type is not None else topic_type_of(source)
    if not isinstance(kind, str) or kind.count(".") < 2:
        raise usage_error(
            "system_topic(topic_type=)",
            kind,
            "a topic type such as 'Microsoft.Storage.StorageAccounts' (it is read from "
            "the source when that names a provider)",
            SYSTEM_DOCS,
        )
    return source, kind


def checked_system_topics(system_topics: object) -> dict[str, Mapping[str, Any]]:
    """`system_topics=`, checked in shape: names to {"source", "topic_type",
    "subscriptions"}; the values are `system_topic()`'s and `subscribe()`'s to check."""
    if system_topics is None:
        return {}
    expected = (
        'a mapping of system topic name to {"source": "<resource id>", "topic_type": ..., '
        '"subscriptions": {...}}'
    )
    if not isinstance(system_topics, Mapping):
        raise usage_error("system_topics", system_topics, expected, SYSTEM_DOCS)
    for name, declaration in system_topics.items():
        _errors.name("system_topics= topic name", name, SYSTEM_DOCS)
        where = f"system_topics={{{name!r}: ...}}"
        if (
            not isinstance(declaration, Mapping)
            or set(map(str, declaration)) - SYSTEM_KEYS
            or "source" not in declaration
        ):
            raise usage_error(where, declaration, expected, SYSTEM_DOCS)
        subscriptions = declaration.get("subscriptions")
        if subscriptions is not None and not (
            isinstance(subscriptions, Mapping)
            and all(
                isinstance(each, Mapping) and "endpoint" in each for each in subscriptions.values()
            )
        ):
            raise usage_error(
                f"system_topics={{{name!r}: {{'subscriptions': ...}}}}",
                subscriptions,
                'a mapping of subscription name to {"endpoint": ..., ...settings}',
                SYSTEM_DOCS,
            )
    return dict(system_topics)


def _utc_text(instant: datetime) -> str:
    if instant.tzinfo is not None:
        instant = instant.astimezone(timezone.utc)
    return f"{instant:%Y-%m-%dT%H:%M:%S.%f}Z"


def _raised(event: object, now: datetime) -> dict[str, Any]:
    """An event as a system topic raises it: an Event Grid-schema dict."""
    if isinstance(event, EventGridEvent):
        return dict(event.serialize())
    if isinstance(event, CloudEvent):
        if isinstance(event.data, bytes):
            raise usage_error(
                "SystemTopicView.publish(events)",
                event,
                "events whose data is JSON, not bytes (a system topic raises Event "
                "Grid-schema events)",
                SYSTEM_DOCS,
            )
        return {
            "id": event.id,
            "topic": event.source,
            "subject": event.subject or "",
            "data": event.data,
            "eventType": event.type,
            "eventTime": _utc_text(event.time or now),
            "dataVersion": "",
        }
    if isinstance(event, Mapping) and "specversion" in event:
        return _raised(CloudEvent.from_dict(dict(event)), now)
    if isinstance(event, Mapping) and {"id", "eventType"} <= set(event):
        return {"subject": "", "eventTime": _utc_text(now), "dataVersion": "", **event}
    raise usage_error(
        "SystemTopicView.publish(events)",
        event,
        "an EventGridEvent or CloudEvent (such as eventgrid_event_factory.blob_created()), "
        "a dict of one, or a list of them",
        SYSTEM_DOCS,
    )


class SystemTopicView(_Subscribable, PublishedAssertions):
    """A system topic: the events an Azure service raises about one resource.

    Azure raises its events, so the service has no publish endpoint for it: here the
    test stands for Azure, with `publish()`. Subscribe to it as to a Basic topic:
    webhooks get Event Grid-schema events unless the subscription says
    `schema="cloudevents"`, and a namespace topic (`eventgrid.topic("uploads")`) as
    the destination gets CloudEvents.
    """

    _topic: SystemTopic

    def _scope(self) -> Scope:
        return Scope(self._broker.journal, namespace=self._topic.host, topic=self._topic.name)

    @property
    def name(self) -> str:
        """The system topic's name."""
        return self._topic.name

    @property
    def source(self) -> str:
        """The resource id of the Azure resource whose events the topic carries."""
        return self._topic.source

    @property
    def topic_type(self) -> str:
        """The topic type, such as `Microsoft.Storage.StorageAccounts`."""
        return self._topic.topic_type

    def publish(self, events: object) -> None:
        """Raise `events` on the topic, as Azure would: an `EventGridEvent` or a
        `CloudEvent` (the system-event factories make both), a dict of one, or a list.

        Each becomes the Event Grid-schema event the topic raises, its `topic` set to
        the topic's `source`; an event type of another provider than the topic
        type's (a `Microsoft.KeyVault` event on a storage account's topic) is refused.
        Deliver with `eventgrid.deliver()`.
        """
        items = list(events) if isinstance(events, list | tuple) else [events]
        broker = self._broker
        topic = self._topic
        raised = [_raised(event, broker.clock.utcnow()) for event in items]
        for event in raised:
            event["topic"] = topic.source
            if _provider(str(event["eventType"])) != _provider(topic.topic_type):
                raise usage_error(
                    f"System topic {topic.name!r} ({topic.topic_type}) cannot raise an event "
                    f"of type {event['eventType']!r}: its events come from "
                    f"{_provider(topic.topic_type)}. Publish it to a system topic of that "
                    "provider's topic type.",
                    anchor=SYSTEM_DOCS,
                )
        with broker.lock:
            now = broker.clock.now()
            topic.publish(raised, "eventgrid", now)
            broker.journal.record(
                JournalEntry(
                    now,
                    "send",
                    topic.host,
                    topic.name,
                    items=tuple(
                        JournalItem(event_id=str(event["id"]), event_type=str(event["eventType"]))
                        for event in raised
                    ),
                    detail="raised by Azure (system topic)",
                    events=tuple(raised),
                )
            )

    def __repr__(self) -> str:
        return f"<SystemTopicView {self.name} {self.topic_type}>"


def system_topic(
    broker: Broker,
    deliveries: PushDeliveries,
    name: str,
    source: str | None,
    topic_type: str | None,
) -> SystemTopicView:
    """The system topic `name`, created from `source` (and `topic_type`) if new."""
    _errors.name("system_topic(name)", name, SYSTEM_DOCS)
    with broker.lock:
        found = broker.system_topics.get(name)
    if found is None:
        if source is None:
            raise usage_error(
                f"No system topic {name!r} yet: create it with system_topic({name!r}, "
                "source='/subscriptions/.../providers/<Provider>/<type>/<name>').",
                anchor=SYSTEM_DOCS,
            )
        checked, kind = checked_source(source, topic_type)
        with broker.lock:
            found = broker.system_topics.setdefault(
                name, SystemTopic(name, source=checked, topic_type=kind)
            )
    elif (source is not None and source != found.source) or (
        topic_type is not None and topic_type != found.topic_type
    ):
        raise usage_error(
            f"System topic {name!r} exists already, for {found.source} "
            f"({found.topic_type}); a system topic keeps its source and topic type.",
            anchor=SYSTEM_DOCS,
        )
    return SystemTopicView(broker, found, deliveries)


def system_topics(broker: Broker, deliveries: PushDeliveries) -> list[SystemTopicView]:
    """Every system topic, in creation order."""
    with broker.lock:
        found = list(broker.system_topics.values())
    return [SystemTopicView(broker, topic, deliveries) for topic in found]


def declare(
    broker: Broker,
    deliveries: PushDeliveries,
    declared: SystemTopics,
    destination: Callable[[object], object],
) -> None:
    """Create what `system_topics=` (checked) declares; `destination` turns a declared
    endpoint into what `subscribe()` takes. Webhook handshakes wait for the next
    delivery, as for declared Basic subscriptions."""
    for name, declaration in declared.items():
        where = f"system_topics={{{name!r}: ...}}"
        try:
            view = system_topic(
                broker, deliveries, name, declaration["source"], declaration.get("topic_type")
            )
        except UsageError as error:
            raise in_context(where, error) from None
        for subscription, settings in (declaration.get("subscriptions") or {}).items():
            at = f"system_topics={{{name!r}: {{'subscriptions': {{{subscription!r}: ...}}}}}}"
            _declare_subscription(view, subscription, dict(settings), destination, at)


def _declare_subscription(
    view: SystemTopicView,
    name: str,
    settings: dict[str, Any],
    destination: Callable[[object], object],
    where: str,
) -> None:
    endpoint = destination(settings.pop("endpoint"))
    validate = settings.pop("validate", True)
    try:
        created = view.subscribe(name, endpoint, validate=False, **settings)._subscription
    except UsageError as error:
        raise in_context(where, error) from None
    if validate and not isinstance(created.destination, NamespaceTopicDestination):
        with view._broker.lock:  # subscribed unchecked, then marked as still to shake hands
            created.validation = "pending"
