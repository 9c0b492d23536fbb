"""Namespaces, their topics, and the broker that holds them under one lock."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from ._basic import BasicTopic
from ._chaos import ChaosSettings
from ._clock import Clock
from ._ids import IdGenerator
from ._journal import Journal, JournalEntry, JournalItem
from ._queue import Delivery, Event, Snapshot, SubscriptionQueue, TokenResult
from ._settings import SubscriptionSettings

T = TypeVar("T")


class NotFound(LookupError):
    """A topic or subscription the namespace does not have (and may not create)."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"{kind} '{name}' is not found")
        self.kind = kind
        self.name = name


class Topic:
    """A namespace topic: what was published to it, and its queue subscriptions."""

    def __init__(self, name: str, created_at: float) -> None:
        self.name = name
        self.created_at = created_at
        self.published: list[Event] = []
        self.subscriptions: dict[str, SubscriptionQueue] = {}


class Namespace:
    """One Event Grid namespace (one host)."""

    def __init__(
        self,
        name: str,
        broker: Broker,
        *,
        auto_create: bool = True,
        key: str | None = None,
        defaults: SubscriptionSettings | None = None,
    ) -> None:
        self.name = name
        self.auto_create = auto_create
        self.key = key
        self.defaults = defaults or SubscriptionSettings()
        self.topics: dict[str, Topic] = {}
        self._broker = broker

    @property
    def broker(self) -> Broker:
        return self._broker

    # -- topology --------------------------------------------------------------------

    def topic(self, name: str, *, create: bool = True) -> Topic:
        """The topic `name`, created if `create` (else `NotFound`)."""
        found = self.topics.get(name)
        if found is not None:
            return found
        if not create:
            raise NotFound("Topic", name)
        now = self._broker.clock.now()
        created = self.topics[name] = Topic(name, now)
        self._broker.journal.record(JournalEntry(now, "create_topic", self.name, name))
        return created

    def subscription(
        self,
        topic: str,
        name: str,
        *,
        create: bool = True,
        settings: SubscriptionSettings | None = None,
    ) -> SubscriptionQueue:
        """The queue subscription `name` of `topic`, created if `create`."""
        owner = self.topic(topic, create=create)
        found = owner.subscriptions.get(name)
        if found is not None:
            if settings is not None:
                found.settings = settings
            return found
        if not create:
            raise NotFound("Event subscription", name)
        now = self._broker.clock.now()
        created = owner.subscriptions[name] = SubscriptionQueue(
            name, settings or self.defaults, self._broker.ids, now
        )
        created.on_transition = functools.partial(self._record_transition, topic, name)
        created.chaos = self._broker.chaos
        self._broker.journal.record(
            JournalEntry(now, "create_subscription", self.name, topic, name)
        )
        return created

    def _record_transition(
        self, topic: str, subscription: str, transition: str, snapshot: Snapshot
    ) -> None:
        outcome = {
            "lock_expired": "available again",
            "lock_lost": "lock lost, available again",
            "duplicated": "delivered once more (a duplicate)",
            "dead_lettered": f"dead-lettered: {snapshot.dead_letter_reason}",
            "dropped": f"dropped: {snapshot.dead_letter_reason}",
        }.get(transition, transition)
        self._broker.journal.record(
            JournalEntry(
                snapshot.time,
                transition,
                self.name,
                topic,
                subscription,
                items=(
                    _event_item(
                        snapshot.event, snapshot.lock_token, snapshot.delivery_count
                    ).with_outcome(outcome),
                ),
                status=0,  # no request: time passed
            )
        )

    # -- operations (callers hold the broker lock) -------------------------------------

    def publish(self, topic_name: str, events: Sequence[Event]) -> None:
        now = self._broker.clock.now()
        topic = self.topic(topic_name, create=self.auto_create)
        topic.published.extend(events)
        for queue in topic.subscriptions.values():
            queue.enqueue(events, now)
        self._broker.journal.record(
            JournalEntry(
                now,
                "publish",
                self.name,
                topic_name,
                items=tuple(_event_item(event) for event in events),
                events=tuple(events),
            )
        )

    def receive(self, topic: str, subscription: str, max_events: int) -> list[Delivery]:
        now = self._broker.clock.now()
        queue = self.subscription(topic, subscription, create=self.auto_create)
        deliveries = queue.receive(max_events, now)
        if deliveries:
            self._broker.journal.record(
                JournalEntry(
                    now,
                    "receive",
                    self.name,
                    topic,
                    subscription,
                    items=tuple(
                        _event_item(d.event, d.lock_token, d.delivery_count) for d in deliveries
                    ),
                )
            )
        return deliveries

    def settle(
        self,
        operation: str,
        topic: str,
        subscription: str,
        tokens: Iterable[str],
        action: Callable[[SubscriptionQueue, list[str], float], list[TokenResult]],
        detail: str = "",
    ) -> list[TokenResult]:
        now = self._broker.clock.now()
        queue = self.subscription(topic, subscription, create=self.auto_create)
        results = action(queue, list(tokens), now)
        self._broker.journal.record(
            JournalEntry(
                now,
                operation,
                self.name,
                topic,
                subscription,
                items=tuple(_token_item(result) for result in results),
                detail=detail,
            )
        )
        return results


def _event_item(
    event: Event, token: str | None = None, delivery_count: int | None = None
) -> JournalItem:
    return JournalItem(
        event_id=str(event.get("id")),
        event_type=str(event.get("type")),
        lock_token=token,
        delivery_count=delivery_count,
    )


def _token_item(result: TokenResult) -> JournalItem:
    queued = result.event
    return JournalItem(
        event_id=str(queued.event.get("id")) if queued else None,
        event_type=str(queued.event.get("type")) if queued else None,
        lock_token=result.lock_token,
        delivery_count=queued.delivery_count if queued else None,
        outcome=result.error[0] if result.error else "ok",
    )


class Broker:
    """Every namespace of one fake Event Grid, its clock, ids and journal.

    All state changes happen under `lock`, so the broker may be driven from several
    threads at once.
    """

    def __init__(self, clock: Clock, ids: IdGenerator, seed: int | str = 0) -> None:
        self.clock = clock
        self.ids = ids
        self.chaos = ChaosSettings(seed=seed)
        self.journal = Journal()
        self.lock = threading.RLock()
        self.namespaces: dict[str, Namespace] = {}
        self.basic_topics: dict[str, BasicTopic] = {}

    def namespace(self, name: str, **settings: object) -> Namespace:
        """The namespace `name`, created with `settings` on first use."""
        with self.lock:
            found = self.namespaces.get(name)
            if found is None:
                found = self.namespaces[name] = Namespace(name, self, **settings)  # type: ignore[arg-type]
            return found

    def locked(self, action: Callable[[], T]) -> T:
        """Run `action` under the broker lock."""
        with self.lock:
            return action()
