"""Routing into a namespace topic: the destination of a Basic topic's, domain's or
system topic's event subscription, from Python (a `TopicView`) or declared
(`{"namespace_topic": "orders"}`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._broker import Namespace
from .._broker._routing import NamespaceTopicDestination
from .._errors import name as name_check
from .._errors import usage_error

ROUTING_DOCS = "guide/namespace-push/#routing-into-namespace-topics"
# What a declared endpoint may be besides a URL: {"<kind>": name}.
NAMESPACE_TOPIC = "namespace_topic"


def namespace_topic(
    destination: object, schema: str | None, topic_schema: str | None
) -> NamespaceTopicDestination | None:
    """The namespace topic `destination` stands for (a `TopicView`), else None; a
    `UsageError` if the subscription cannot deliver into one: the destination takes
    CloudEvents 1.0 only, and the fake converts EventGridEvents, not custom events."""
    if isinstance(destination, NamespaceTopicDestination):
        routed = destination
    else:
        # Imported here: `views` imports `basic_views`, which imports this module.
        from .views import TopicView

        if not isinstance(destination, TopicView):
            return None
        routed = NamespaceTopicDestination(destination._namespace.name, destination.name)
    if schema not in (None, "cloudevents"):
        raise usage_error(
            f"A subscription into a namespace topic ({routed}) delivers CloudEvents: "
            f"the service takes no other schema for that destination; got schema={schema!r}. "
            'Leave schema out, or pass schema="cloudevents".',
            anchor=ROUTING_DOCS,
        )
    if topic_schema == "custom":
        raise usage_error(
            f"A custom-schema topic cannot route into a namespace topic ({routed}) in the "
            "fake: the destination takes CloudEvents, and the fake converts EventGridEvents "
            "only. Publish EventGridEvents or CloudEvents to this topic.",
            anchor=ROUTING_DOCS,
        )
    return routed


def is_declared_destination(endpoint: object) -> bool:
    """Whether a declared endpoint is a namespace topic: `{"namespace_topic": ...}`."""
    return isinstance(endpoint, Mapping) and NAMESPACE_TOPIC in endpoint


def check_declared_destination(where: str, endpoint: Mapping[str, Any]) -> None:
    """A `UsageError` unless `endpoint` is `{"namespace_topic": "<topic name>"}`."""
    if set(map(str, endpoint)) != {NAMESPACE_TOPIC} or not isinstance(
        endpoint[NAMESPACE_TOPIC], str
    ):
        raise usage_error(
            where,
            dict(endpoint),
            '{"namespace_topic": "<topic name>"}: a topic of the fake\'s own namespace',
            ROUTING_DOCS,
        )
    name_check(f"{where} namespace_topic", endpoint[NAMESPACE_TOPIC], ROUTING_DOCS)


def declared_destination(endpoint: object, home: Namespace) -> object:
    """A declared endpoint as `subscribe()` takes it: `{"namespace_topic": "orders"}`
    is the topic of `home` (created if new, as a view would); anything else as is."""
    if not is_declared_destination(endpoint):
        return endpoint
    assert isinstance(endpoint, Mapping)
    topic = str(endpoint[NAMESPACE_TOPIC])
    with home.broker.lock:
        if home.auto_create:
            home.topic(topic)
    return NamespaceTopicDestination(home.name, topic)
