"""Event Hubs destinations of namespace push subscriptions: there is no Event Hubs here,
so what Event Grid sends an event hub is kept, and this view shows it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from azure.core.messaging import CloudEvent

from .. import _errors
from .._broker import Broker
from .._broker._push import EventHub, HubBatch
from .._errors import usage_error
from .cloudevent import decode

DOCS = "guide/namespace-push/#event-hubs-destinations"
# The destination's key in a declaration: {"endpoint": {"event_hub": "orders-hub"}}.
EVENT_HUB_KEY = "event_hub"


@dataclass(frozen=True)
class EventHubMessage:
    """One message an event hub received: one event, with the message's properties.

    Attributes:
        event: The event, as a consumer of the hub would decode it.
        properties: The application properties: `aeg-subscription-name`,
            `aeg-delivery-count`, `aeg-output-event-id`,
            `aeg-compatibility-mode-enabled`, `aeg-metadata-version`, and the
            subscription's delivery properties.
        partition_key: The `PartitionKey` delivery property's value, if set.
    """

    event: CloudEvent[Any]
    properties: dict[str, str]
    partition_key: str | None


@dataclass(frozen=True)
class EventHubBatch:
    """One send to an event hub: the messages of one successful delivery attempt.

    Attributes:
        time: Virtual time (seconds) of the attempt.
        topic: The namespace topic of the subscription.
        subscription: The push subscription that sent it.
        messages: Its messages, one per event, in order.
    """

    time: float
    topic: str
    subscription: str
    messages: tuple[EventHubMessage, ...]


def _batch(batch: HubBatch) -> EventHubBatch:
    messages = tuple(
        EventHubMessage(decode(message.event), dict(message.properties), message.partition_key)
        for message in batch.messages
    )
    return EventHubBatch(batch.time, batch.topic, batch.subscription, messages)


def _hubs(broker: Broker) -> Iterator[EventHub]:
    """Every event hub a namespace push subscription delivers to. Hold the lock."""
    for namespace in broker.namespaces.values():
        for topic in namespace.topics.values():
            for subscription in topic.push_subscriptions.values():
                if isinstance(subscription.destination, EventHub):
                    yield subscription.destination


def event_hub(broker: Broker, name: str) -> EventHub:
    """The event hub `name` the subscriptions share, new if none delivers to it yet.
    Hold the lock."""
    return next((hub for hub in _hubs(broker) if hub.name == name), None) or EventHub(name)


def event_hub_names(broker: Broker) -> list[str]:
    """The name of every event hub a push subscription delivers to, in order of first use."""
    with broker.lock:
        return list(dict.fromkeys(hub.name for hub in _hubs(broker)))


def hub_name(destination: object) -> str | None:
    """The event hub a destination names (an `EventHubView`, or `{"event_hub": name}`),
    or None for another kind of destination."""
    if isinstance(destination, EventHubView):
        return destination.name
    if isinstance(destination, Mapping):
        if set(destination) != {EVENT_HUB_KEY}:
            raise usage_error(
                "subscribe(destination)",
                dict(destination),
                '{"event_hub": "<name>"} for an Event Hubs destination',
                DOCS,
            )
        return _errors.name("event_hub", destination[EVENT_HUB_KEY], DOCS)
    return None


class EventHubView:
    """An event hub as a destination of namespace push subscriptions: every batch
    Event Grid sent it. Give it to `topic.subscribe(name, eventgrid.event_hub(...))`.

    Nothing leaves the process: the delivery succeeds unless a fault says otherwise
    (`eventgrid.fail("deliver", faults.status(503), subscription=...)`).
    """

    def __init__(self, broker: Broker, name: str) -> None:
        self._broker = broker
        self.name = _errors.name("event_hub(name)", name, DOCS)

    @property
    def batches(self) -> list[EventHubBatch]:
        """Every batch received, in order, with its messages."""
        with self._broker.lock:
            hubs = {id(hub): hub for hub in _hubs(self._broker) if hub.name == self.name}
            received = sorted(
                (batch for hub in hubs.values() for batch in hub.batches),
                key=lambda batch: batch.time,
            )
        return [_batch(batch) for batch in received]

    @property
    def messages(self) -> list[EventHubMessage]:
        """Every message received, in order."""
        return [message for batch in self.batches for message in batch.messages]

    @property
    def events(self) -> list[CloudEvent[Any]]:
        """Every event received, in order."""
        return [message.event for message in self.messages]

    def __repr__(self) -> str:
        return f"<EventHubView {self.name}>"
