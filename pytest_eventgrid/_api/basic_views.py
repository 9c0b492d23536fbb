"""Views of Event Grid Basic: topics, domains, partner namespaces and their webhooks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from .._broker import Broker
from .._broker._basic import SCHEMAS, BasicTopic, PublishedEvent
from .._broker._filters import parse_filter
from .._broker._push import DeadLetter, DeliveryAttempt, PushSettings, PushSubscription
from .._doors._webhooks import PushDeliveries, Webhook, loop_running, needs_event_loop
from .._errors import name as name_check
from .._errors import usage_error
from .._wire._delivery_properties import as_mappings, checked_delivery_properties
from .._wire._schemas import as_cloudevent
from . import routing
from .assertions import PublishedAssertions, PushAssertions
from .calls import Scope
from .cloudevent import decode

PublishedItem = EventGridEvent | CloudEvent | dict[str, Any]  # type: ignore[type-arg]


def as_sent(published: PublishedEvent) -> PublishedItem:
    """An event in the schema it was sent in: `EventGridEvent`, `CloudEvent` or a dict."""
    if published.schema == "eventgrid":
        return EventGridEvent.from_dict(dict(published.event))
    if published.schema == "cloudevents":
        return decode(published.event)
    return dict(published.event)


class PushSubscriptionView(PushAssertions):
    """One push event subscription (a webhook), of a Basic topic or domain or of a
    namespace topic: its deliveries and dead letters, and assertions on them."""

    def __init__(self, broker: Broker, subscription: PushSubscription) -> None:
        self._broker = broker
        self._subscription = subscription

    @property
    def name(self) -> str:
        """The event subscription's name."""
        return self._subscription.name

    @property
    def validation(self) -> str:
        """ "pending", "succeeded" or "failed": the webhook handshake's outcome."""
        return self._subscription.validation

    @property
    def attempts(self) -> list[DeliveryAttempt]:
        """Every delivery request made, in order, with its status and outcome."""
        with self._broker.lock:
            return list(self._subscription.attempts)

    @property
    def delivered(self) -> list[dict[str, Any]]:
        """The events the destination accepted, as sent on the wire."""
        with self._broker.lock:
            return [dict(event) for event in self._subscription.delivered]

    @property
    def dead_lettered(self) -> list[DeadLetter]:
        """Undeliverable events, with `reason`, `delivery_attempts` and last outcome."""
        with self._broker.lock:
            return list(self._subscription.dead_lettered)

    @property
    def dropped(self) -> list[DeadLetter]:
        """Undeliverable events dropped because dead-lettering is off."""
        with self._broker.lock:
            return list(self._subscription.dropped)

    @property
    def delivery_properties(self) -> list[dict[str, Any]]:
        """The delivery properties, as the service shows them
        (`deliveryAttributeMappings`): a secret value is hidden (None)."""
        return as_mappings(self._subscription.delivery_properties)

    @property
    def pending(self) -> int:
        """How many events still wait for a (re)delivery."""
        with self._broker.lock:
            return self._subscription.pending_count

    @property
    def pending_events(self) -> list[dict[str, Any]]:
        """The events still waiting for a (re)delivery, soonest due first."""
        with self._broker.lock:
            return [dict(event) for event in self._subscription.pending_events()]

    def _delivered_events(self, events: Sequence[Mapping[str, Any]]) -> list[CloudEvent[Any]]:
        """Events as sent on the wire, as the CloudEvents the assertions match."""
        return [decode(as_cloudevent(dict(event), source=self.name)) for event in events]

    def __repr__(self) -> str:
        return f"<PushSubscriptionView {self.name} {self.validation}>"


class _Subscribable:
    """What Basic topics and domain topics share: publishing history and webhooks."""

    def __init__(
        self,
        broker: Broker,
        topic: BasicTopic,
        deliveries: PushDeliveries,
        domain_topic: str | None = None,
    ) -> None:
        self._broker = broker
        self._topic = topic
        self._deliveries = deliveries
        self._domain_topic = domain_topic

    @property
    def published(self) -> list[Any]:
        """Every event received, in order, in the schema it was sent in: an
        `EventGridEvent`, a `CloudEvent` or (custom schema) a dict.

        Typed `list[Any]`: the schema is the request's, known only at run time, so
        `published[0].event_type` and `published[0]["user"]` type-check as written.
        """
        with self._broker.lock:
            stored = [
                item
                for item in self._topic.published
                if self._domain_topic is None or item.domain_topic == self._domain_topic
            ]
        return [as_sent(item) for item in stored]

    def subscribe(
        self,
        name: str,
        destination: Any,
        *,
        url: str | None = None,
        filter: dict[str, Any] | None = None,
        schema: str | None = None,
        validate: bool = True,
        delivery_properties: Any = None,
        **settings: Any,
    ) -> PushSubscriptionView:
        """Push matching events to `destination` (an ASGI or WSGI app, a callable or a
        URL), or put them into a namespace topic (`eventgrid.topic("orders")`, as
        CloudEvents: see the namespace push guide's routing section).

        `filter` takes the service's settings (`includedEventTypes`,
        `subjectBeginsWith`, `advancedFilters`, ...); `settings` the delivery settings
        (`max_delivery_attempts`, `event_time_to_live`, `max_events_per_batch`,
        `preferred_batch_size_in_kilobytes`, `dead_letter`). The validation handshake
        runs now when it can (a sync destination, or no event loop running), else at
        the next `deliver_async()`; `validate=False` skips it. `delivery_properties`
        sets headers on each delivery: `{"Authorization": {"value": "Bearer x",
        "secret": True}, "Channel": {"source_field": "data.channel"}}`.
        """
        name_check("subscribe(name)", name, "guide/webhooks/#the-subscription-view")
        if schema is not None and schema not in SCHEMAS:
            raise usage_error(
                f"schema must be one of {', '.join(SCHEMAS)}; got {schema!r}.",
                anchor="guide/webhooks/#delivery-settings",
            )
        webhook = (
            destination
            if isinstance(destination, Webhook)
            else Webhook(destination, url or Webhook.url)
        )
        try:
            push_settings = PushSettings().updated(**settings)
        except TypeError as error:
            raise usage_error(
                f"Unknown delivery setting in {sorted(settings)}; allowed: "
                "max_delivery_attempts, event_time_to_live, max_events_per_batch, "
                f"preferred_batch_size_in_kilobytes, dead_letter.",
                anchor="guide/webhooks/#delivery-settings",
            ) from error
        # A namespace topic: CloudEvents only, and no handshake (not a webhook).
        routed = routing.namespace_topic(destination, schema, self._topic.schema)
        if routed and delivery_properties:
            raise usage_error(
                f"A subscription into a namespace topic ({routed}) takes no delivery "
                "properties: the service sets them on webhook, Event Hubs, Service Bus and "
                f"Relay deliveries only; got delivery_properties={delivery_properties!r}.",
                anchor=routing.ROUTING_DOCS,
            )
        subscription = PushSubscription(
            name,
            routed or webhook,
            filter=parse_filter(filter),
            settings=push_settings,
            schema=schema or self._topic.schema or "eventgrid",
            schema_declared=(schema or self._topic.schema) is not None,
            validation="pending" if validate and not routed else "succeeded",
            delivery_properties=checked_delivery_properties(
                delivery_properties,
                "subscribe(delivery_properties=)",
                "guide/webhooks/#delivery-properties",
            ),
        )
        if routed:
            subscription.schema, subscription.schema_declared = "cloudevents", True
        with self._broker.lock:
            self._topic.subscription_home(self._domain_topic)[name] = subscription
        if validate and not routed and can_call_now(webhook):
            self._deliveries.validate_now(self._topic, subscription)
        return PushSubscriptionView(self._broker, subscription)

    @property
    def subscriptions(self) -> list[PushSubscriptionView]:
        """Every webhook subscription, in the order they were made."""
        with self._broker.lock:
            found = list(self._topic.subscription_home(self._domain_topic).values())
        return [PushSubscriptionView(self._broker, subscription) for subscription in found]

    def subscription(self, name: str) -> PushSubscriptionView:
        """The webhook subscription `name`."""
        name_check("subscription(name)", name, "guide/webhooks/#the-subscription-view")
        with self._broker.lock:
            found = self._topic.subscription_home(self._domain_topic).get(name)
        if found is None:
            raise usage_error(
                f"No event subscription {name!r}; create it with subscribe().",
                anchor="guide/webhooks/#the-subscription-view",
            )
        return PushSubscriptionView(self._broker, found)


def can_call_now(webhook: Webhook) -> bool:
    """Whether the handshake can run now: an ASGI app or an async callable cannot be
    called from sync code inside a running event loop."""
    return not needs_event_loop(webhook) or not loop_running()


class BasicTopicView(_Subscribable, PublishedAssertions):
    """A Basic custom topic, domain or partner namespace (one host).

    `assert_published()` and `calls` cover what was sent to it (EventGridEvents are
    matched as the CloudEvents they would be delivered as).
    """

    def _scope(self) -> Scope:
        return Scope(self._broker.journal, namespace=self._topic.host, topic=self._topic.name)

    @property
    def host(self) -> str:
        """The host the topic answers on, `<name>.<region>-1.eventgrid.azure.net`."""
        return self._topic.host

    @property
    def kind(self) -> str:
        """ "topic", "domain" or "partner"."""
        return self._topic.kind

    @property
    def endpoint(self) -> str:
        """The publish endpoint, `https://<host>/api/events`, as the SDK takes it."""
        return f"https://{self._topic.host}/api/events"

    @property
    def channels(self) -> list[str | None]:
        """The `aeg-channel-name` of each publish request, in order."""
        with self._broker.lock:
            return list(self._topic.channels)

    def topic(self, name: str) -> DomainTopicView:
        """A domain topic (domains only): the events routed to it, and its webhooks."""
        name_check("topic(name)", name, "guide/basic/#domains")
        if self._topic.kind != "domain":
            raise usage_error(
                f"{self.host} is a {self.kind}, not a domain.", anchor="guide/basic/#domains"
            )
        with self._broker.lock:
            self._topic.domain_topics.setdefault(name, {})
        return DomainTopicView(self._broker, self._topic, self._deliveries, name)

    @property
    def topics(self) -> list[DomainTopicView]:
        """Every topic of a domain so far (empty for a custom topic or partner namespace)."""
        with self._broker.lock:
            names = list(self._topic.domain_topics)
        return [
            DomainTopicView(self._broker, self._topic, self._deliveries, name) for name in names
        ]

    def __repr__(self) -> str:
        return f"<BasicTopicView {self.kind} {self.host}>"


class DomainTopicView(_Subscribable):
    """One topic of a domain."""

    @property
    def name(self) -> str:
        """The domain topic's name."""
        return self._domain_topic or ""

    def __repr__(self) -> str:
        return f"<DomainTopicView {self._topic.host}/{self.name}>"
