"""Event Grid Basic: custom topics, domains and partner namespaces, one per host."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ._push import Event, PushSubscription

SCHEMAS = ("eventgrid", "cloudevents", "custom")
KINDS = ("topic", "domain", "partner")


@dataclass(frozen=True)
class PublishedEvent:
    """One event as a Basic topic received it, in the schema it was sent in."""

    event: Event
    schema: str
    time: float
    domain_topic: str | None = None
    channel: str | None = None


@dataclass
class BasicTopic:
    """A custom topic, a domain, or a partner namespace (by `kind`).

    A domain routes each event to a domain topic: EventGrid-schema events by their
    `topic` field, CloudEvents by their `source`. Subscriptions of the domain see
    every event; subscriptions of a domain topic see that topic's events.
    """

    host: str
    kind: str = "topic"
    schema: str | None = None
    key: str | None = None
    published: list[PublishedEvent] = field(default_factory=list)
    # The `aeg-channel-name` of each publish request (None when absent), in order.
    channels: list[str | None] = field(default_factory=list)
    subscriptions: dict[str, PushSubscription] = field(default_factory=dict)
    domain_topics: dict[str, dict[str, PushSubscription]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.host.split(".", 1)[0]

    def publish(
        self,
        events: Sequence[Event],
        schema: str,
        now: float,
        *,
        domain_topics: Sequence[str | None] | None = None,
        channel: str | None = None,
    ) -> None:
        """Record `events` and offer each to the subscriptions that may see it."""
        routes = list(domain_topics) if domain_topics is not None else [None] * len(events)
        self.channels.append(channel)
        for event, route in zip(events, routes, strict=True):
            self.published.append(PublishedEvent(event, schema, now, route, channel))
            targets = list(self.subscriptions.values())
            if route is not None:
                targets.extend(self.domain_topics.setdefault(route, {}).values())
            for subscription in targets:
                subscription.offer([event], now, schema)

    def all_subscriptions(self) -> list[PushSubscription]:
        found = list(self.subscriptions.values())
        for subscriptions in self.domain_topics.values():
            found.extend(subscriptions.values())
        return found

    def subscription_home(self, domain_topic: str | None) -> dict[str, PushSubscription]:
        if domain_topic is None:
            return self.subscriptions
        return self.domain_topics.setdefault(domain_topic, {})


@dataclass
class SystemTopic(BasicTopic):
    """A system topic: the events an Azure service raises about one resource
    (`source`, its ARM id), of `topic_type` (`Microsoft.Storage.StorageAccounts`).

    It has no publish endpoint: Azure raises its events (in the fake, the test
    does). They are Event Grid-schema events, with `topic` set to `source`; each
    subscription gets them in its own schema. `host` holds the name, for the timeline.
    """

    kind: str = "system"
    schema: str | None = "eventgrid"
    source: str = ""
    topic_type: str = ""

    @property
    def name(self) -> str:
        return self.host
