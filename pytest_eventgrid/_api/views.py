"""Read-only views of topics and subscriptions, in terms of azure-core CloudEvents."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from azure.core.messaging import CloudEvent

from .._broker import Namespace, Snapshot, State, SubscriptionQueue, SubscriptionSettings
from .._errors import name as name_check
from .assertions import PublishedAssertions, SubscriptionAssertions
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
            queue = self._queue
            queue.settings = queue.settings.updated(**settings)
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
        """Events dropped because dead-lettering is off for this subscription."""
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
        with self._namespace.broker.lock:
            stored = list(self._namespace.topic(self.name).published)
        return [decode(event) for event in stored]

    def subscription(self, name: str, **settings: Any) -> SubscriptionView:
        """The queue subscription `name`, created with `settings` if it is new.

        A subscription sees only the events published after it was created.
        Settings given for an existing subscription update it.
        """
        name_check("subscription(name)", name, "guide/#views")
        namespace = self._namespace
        with namespace.broker.lock:
            existing = namespace.topic(self.name).subscriptions.get(name)
            base = existing.settings if existing else namespace.defaults
            namespace.subscription(
                self.name, name, settings=base.updated(**settings) if settings else None
            )
        return SubscriptionView(namespace, self.name, name)

    @property
    def subscriptions(self) -> list[SubscriptionView]:
        """Every subscription of the topic."""
        with self._namespace.broker.lock:
            names = list(self._namespace.topic(self.name).subscriptions)
        return [SubscriptionView(self._namespace, self.name, name) for name in names]

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
