"""Read-only views of topics and subscriptions, in terms of azure-core CloudEvents."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from azure.core.messaging import CloudEvent

from .._broker import Namespace, Snapshot, State, SubscriptionQueue, SubscriptionSettings
from .._broker._settings import retention_days
from .._errors import name as name_check
from . import namespace_push
from .assertions import PublishedAssertions, SubscriptionAssertions
from .basic_views import PushSubscriptionView
from .calls import Scope, SubscriptionEvent
from .cloudevent import decode


def _events(snapshots: list[Snapshot]) -> list[SubscriptionEvent]:
    return [SubscriptionEvent.from_snapshot(snapshot) for snapshot in snapshots]


class SubscriptionView(SubscriptionAssertions):
    """One queue subscription of a namespace topic: its settings and its events by state.

    Each property returns a fresh list of `SubscriptionEvent`. `available`, `delayed`
    and `locked` show the queue now; `acknowledged`, `released`, `rejected`,
    `dead_lettered` and `expired_locks` are the history of those outcomes, oldest
    first.

    `calls` and the `assert_*` helpers cover this subscription only; its
    `assert_published()` looks at what was published to the topic while the
    subscription existed.
    """

    def __init__(self, namespace: Namespace, topic: str, name: str) -> None:
        self._namespace = namespace
        self.topic = topic
        self.name = name

    def _scope(self) -> Scope:
        return Scope(self._namespace.broker.journal, self._namespace.name, self.topic, self.name)

    @property
    def _queue(self) -> SubscriptionQueue:
        return self._namespace.subscription(self.topic, self.name)

    def _pending(self, state: State) -> list[SubscriptionEvent]:
        broker = self._namespace.broker
        with broker.lock:
            snapshots = self._queue.pending(broker.clock.now())
        return _events([s for s in snapshots if s.state is state])

    def _history(self, attribute: str) -> list[SubscriptionEvent]:
        broker = self._namespace.broker
        with broker.lock:
            queue = self._queue
            queue.tick(broker.clock.now())  # what time alone did counts too
            snapshots = list(getattr(queue, attribute))
        return _events(snapshots)

    @property
    def settings(self) -> SubscriptionSettings:
        """The subscription's lock duration, max delivery count, time-to-live."""
        return self._queue.settings

    def configure(self, **settings: float | timedelta | int | bool) -> SubscriptionView:
        """Change delivery settings (`lock_duration`, `max_delivery_count`, ...)."""
        with self._namespace.broker.lock:
            updated = self._queue.settings.updated(**settings)
            self._namespace.subscription(self.topic, self.name, settings=updated)
        return self

    @property
    def available(self) -> list[SubscriptionEvent]:
        """Events a receive would hand out now."""
        return self._pending(State.AVAILABLE)

    @property
    def delayed(self) -> list[SubscriptionEvent]:
        """Released events waiting out their release delay."""
        return self._pending(State.DELAYED)

    @property
    def locked(self) -> list[SubscriptionEvent]:
        """Events received and not yet settled, with their lock tokens."""
        return self._pending(State.LOCKED)

    @property
    def acknowledged(self) -> list[SubscriptionEvent]:
        """Events acknowledged, in order."""
        return self._history("acknowledged")

    @property
    def released(self) -> list[SubscriptionEvent]:
        """Every release, in order, with its `release_delay`."""
        return self._history("released")

    @property
    def rejected(self) -> list[SubscriptionEvent]:
        """Events rejected by a consumer, in order."""
        return self._history("rejected")

    @property
    def dead_lettered(self) -> list[SubscriptionEvent]:
        """The dead-letter store: rejected, over-delivered and expired events."""
        return self._history("dead_lettered")

    @property
    def dropped(self) -> list[SubscriptionEvent]:
        """Events dropped: dead-lettering is off for this subscription, or the topic's
        retention ended while they were pending (`Event retention period of the topic
        exceeded.`)."""
        return self._history("dropped")

    @property
    def expired_locks(self) -> list[SubscriptionEvent]:
        """Every lock that expired before its event was settled."""
        return self._history("expired_locks")

    def __repr__(self) -> str:
        return f"<SubscriptionView {self.topic}/{self.name}>"


class TopicView(PublishedAssertions):
    """One namespace topic: what was published to it, and its subscriptions.

    `calls`, `assert_published()` and `assert_not_published()` cover this topic
    and its subscriptions.
    """

    def __init__(self, namespace: Namespace, name: str) -> None:
        self._namespace = namespace
        self.name = name

    def _scope(self) -> Scope:
        return Scope(self._namespace.broker.journal, self._namespace.name, self.name)

    @property
    def published(self) -> list[CloudEvent]:  # type: ignore[type-arg]
        """Every event published to the topic, in order, as the service stored it."""
        broker = self._namespace.broker
        with broker.lock:
            stored = list(self._namespace.topic(self.name).held(broker.clock.now()))
        return [decode(event) for event in stored]

    @property
    def event_retention_in_days(self) -> int:
        """Days the topic keeps an event after it was published (1-7), whatever its
        state: the namespace's default (7 unless `EventGrid(event_retention_in_days=)`
        says otherwise), or what `configure()` set."""
        with self._namespace.broker.lock:
            return self._namespace.topic(self.name).retention_days

    def configure(self, *, event_retention_in_days: int) -> TopicView:
        """Change the topic's event retention (1-7 days). Refused below the
        `time_to_live` of one of its subscriptions, as on the service; events older
        than a shorter retention are gone at once."""
        days = retention_days(event_retention_in_days)
        broker = self._namespace.broker
        with broker.lock:
            self._namespace.topic(self.name).set_retention_days(days, broker.clock.now())
        return self

    def subscription(self, name: str, **settings: Any) -> SubscriptionView:
        """The queue subscription `name`, created with `settings` if it is new.

        A subscription sees only the events published after it was created.
        Settings given for an existing subscription update it.
        """
        name_check("subscription(name)", name, "guide/#views")
        namespace = self._namespace
        with namespace.broker.lock:
            namespace_push.refuse_push_name(namespace, self.name, name)
            existing = namespace.topic(self.name).subscriptions.get(name)
            base = (
                existing.settings
                if existing
                else namespace.topic(self.name).new_subscription_settings(namespace.defaults)
            )
            namespace.subscription(
                self.name, name, settings=base.updated(**settings) if settings else None
            )
        return SubscriptionView(namespace, self.name, name)

    @property
    def subscriptions(self) -> list[SubscriptionView]:
        """Every queue subscription of the topic (`push_subscriptions` has the others)."""
        with self._namespace.broker.lock:
            names = list(self._namespace.topic(self.name).subscriptions)
        return [SubscriptionView(self._namespace, self.name, name) for name in names]

    def subscribe(
        self,
        name: str,
        destination: Any,
        *,
        url: str | None = None,
        filter: dict[str, Any] | None = None,
        validate: bool = True,
        delivery_properties: Any = None,
        **settings: Any,
    ) -> PushSubscriptionView:
        """Push matching events to `destination` (an ASGI or WSGI app, a callable or a
        URL), as a push subscription of this topic with a webhook destination; or to
        an event hub (`eventgrid.event_hub(name)`, or `{"event_hub": name}`).

        `filter` takes the service's `filtersConfiguration` (`includedEventTypes`,
        `filters`); `settings` the delivery settings (`max_delivery_count`,
        `event_time_to_live`, `max_events_per_batch`,
        `preferred_batch_size_in_kilobytes`, `dead_letter`, `not_retried`). The
        CloudEvents abuse-protection handshake runs now when it can (a sync
        destination, or no event loop running), else at the next `deliver_async()`;
        `validate=False` skips it. `delivery_properties` sets headers (or Event Hubs
        message properties): `{"Channel": "web", "OrderId": {"source_field":
        "data.orderId"}}`.
        """
        return namespace_push.subscribe(
            self._namespace,
            self.name,
            name,
            destination,
            url=url,
            filter=filter,
            validate=validate,
            settings=settings,
            delivery_properties=delivery_properties,
        )

    def push_subscription(self, name: str) -> PushSubscriptionView:
        """The push subscription `name`: its deliveries and dead letters."""
        return namespace_push.push_subscription(self._namespace, self.name, name)

    @property
    def push_subscriptions(self) -> list[PushSubscriptionView]:
        """Every push subscription of the topic, in the order they were made."""
        return namespace_push.push_subscriptions(self._namespace, self.name)

    def __repr__(self) -> str:
        return f"<TopicView {self.name}>"


class NamespaceView:
    """One namespace (one host) of the fake: its topics."""

    def __init__(self, namespace: Namespace) -> None:
        self._namespace = namespace

    @property
    def host(self) -> str:
        """The host name this namespace answers on."""
        return self._namespace.name

    def topic(self, name: str) -> TopicView:
        """The topic `name`, created if it does not exist yet."""
        name_check("topic(name)", name, "guide/#views")
        with self._namespace.broker.lock:
            self._namespace.topic(name)
        return TopicView(self._namespace, name)

    @property
    def topics(self) -> list[TopicView]:
        """Every topic of the namespace."""
        with self._namespace.broker.lock:
            names = list(self._namespace.topics)
        return [TopicView(self._namespace, name) for name in names]

    def __repr__(self) -> str:
        return f"<NamespaceView {self.host}>"
