"""Namespaces, their topics, and the broker that holds them under one lock."""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from .._errors import usage_error
from ._basic import BasicTopic, SystemTopic
from ._chaos import ChaosSettings
from ._clock import Clock
from ._ids import IdGenerator
from ._journal import Journal, JournalEntry, JournalItem, publish_entry
from ._push import PushSubscription
from ._queue import Delivery, Event, Snapshot, SubscriptionQueue, TokenResult
from ._settings import (
    DAY,
    DEFAULT_RETENTION_DAYS,
    RETENTION_DOCS,
    SubscriptionSettings,
    capped_to_retention,
    check_within_retention,
)

T = TypeVar("T")
# Every host under this domain is served: a namespace, or a Basic topic once declared.
EVENTGRID_DOMAIN = ".eventgrid.azure.net"
BASIC_DOCS = "guide/basic/#topics-domains-and-partner-namespaces"


class NotFound(LookupError):
    """A topic or subscription the namespace does not have (and may not create)."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"{kind} '{name}' is not found")
        self.kind = kind
        self.name = name


class Topic:
    """A namespace topic: what was published to it, and its queue subscriptions.

    `published` holds what the topic still keeps: an event is gone `retention_days`
    after it was published (`held()` trims it in O(events removed)).
    """

    def __init__(
        self, name: str, created_at: float, retention_days: int = DEFAULT_RETENTION_DAYS
    ) -> None:
        self.name = name
        self.created_at = created_at
        self.retention_days = retention_days
        self.published: deque[Event] = deque()
        # (instant, number of events) of each publish still held, oldest first.
        self._batches: deque[tuple[float, int]] = deque()
        self.subscriptions: dict[str, SubscriptionQueue] = {}
        # Push subscriptions (webhooks...), by name: a name is a queue's or a push's.
        self.push_subscriptions: dict[str, PushSubscription] = {}

    # -- retention -------------------------------------------------------------------

    @property
    def retention(self) -> float:
        """Seconds an event is kept after it was published."""
        return self.retention_days * DAY

    def hold(self, events: Sequence[Event], now: float) -> None:
        """Keep `events`, published at `now`, for the retention (trimmed when read:
        the publish path stays two appends)."""
        self.published.extend(events)
        self._batches.append((now, len(events)))

    def held(self, now: float) -> deque[Event]:
        """The events the topic still keeps at `now`, oldest first."""
        self._trim(now)
        return self.published

    def _trim(self, now: float) -> None:
        cutoff, batches, published = now - self.retention, self._batches, self.published
        while batches and batches[0][0] <= cutoff:
            for _ in range(batches.popleft()[1]):
                published.popleft()

    def new_subscription_settings(self, defaults: SubscriptionSettings) -> SubscriptionSettings:
        """The settings of a new subscription given none: `defaults`, with a
        time-to-live no longer than the retention."""
        return capped_to_retention(defaults, self.retention_days)

    def check_settings(self, subscription: str, settings: SubscriptionSettings) -> None:
        """Refuse settings whose time-to-live is longer than the retention."""
        check_within_retention(settings, self.retention_days, self.name, subscription)

    def set_retention_days(self, days: int, now: float) -> None:
        """Keep events `days` days; refused below a subscription's time-to-live, as the
        service refuses it. Events older than a shorter retention are gone at `now`."""
        longer = sorted(
            name
            for name, queue in self.subscriptions.items()
            if queue.settings.time_to_live > days * DAY
        )
        if longer:
            raise usage_error(
                f"event_retention_in_days of topic '{self.name}' cannot be {days}: the "
                f"time_to_live of subscription(s) {', '.join(repr(n) for n in longer)} is "
                "longer, and the service refuses a retention shorter than a subscription's "
                "eventTimeToLive. Lower their time_to_live first, or give the namespace's "
                "default retention (event_retention_in_days=) before they are created.",
                anchor=RETENTION_DOCS,
            )
        self.retention_days = days
        self._trim(now)
        for queue in self.subscriptions.values():
            queue.set_retention(days * DAY, now)


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
        retention_days: int = DEFAULT_RETENTION_DAYS,
    ) -> None:
        self.name = name
        self.auto_create = auto_create
        self.key = key
        self.defaults = defaults or SubscriptionSettings()
        # The event retention of new topics (`eventRetentionInDays`).
        self.retention_days = retention_days
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
        created = self.topics[name] = Topic(name, now, self.retention_days)
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
        if settings is not None:
            owner.check_settings(name, settings)
        if found is not None:
            if settings is not None:
                found.settings = settings
            return found
        if not create:
            raise NotFound("Event subscription", name)
        now = self._broker.clock.now()
        created = owner.subscriptions[name] = SubscriptionQueue(
            name, settings or owner.new_subscription_settings(self.defaults), self._broker.ids, now
        )
        created.retention = owner.retention
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
        broker = self._broker
        now = broker.clock.now()
        topic = self.topics.get(topic_name)
        if topic is None:
            topic = self.topic(topic_name, create=self.auto_create)
        topic.hold(events, now)
        for queue in topic.subscriptions.values():
            queue.enqueue(events, now)
        if topic.push_subscriptions:
            for push in topic.push_subscriptions.values():
                push.offer(events, now)
        broker.journal.record(publish_entry(now, self.name, topic_name, events))

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

    def lose_locks(self, topic: str, subscription: str, tokens: Iterable[str]) -> None:
        """End the locks of `tokens` now, as if they had expired: their events are
        available again. A topic, subscription or token it does not hold changes nothing."""
        with self._broker.lock:
            owner = self.topics.get(topic)
            queue = owner.subscriptions.get(subscription) if owner else None
            if queue is None:
                return
            now = self._broker.clock.now()
            for token in tokens:
                queue.lose_lock(token, now)


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
    """Every namespace and Basic topic of one fake Event Grid, its clock, ids and journal.

    All state changes happen under `lock`, so the broker may be driven from several
    threads at once. The broker holds the service's policy for hosts: which host is a
    namespace or a Basic topic, and what a new one is created with (`auto_create`,
    `key`, the subscription `defaults`, the topics' `retention_days`).
    """

    def __init__(
        self,
        clock: Clock,
        ids: IdGenerator,
        seed: int | str = 0,
        *,
        auto_create: bool = True,
        key: str | None = None,
        defaults: SubscriptionSettings | None = None,
        retention_days: int = DEFAULT_RETENTION_DAYS,
    ) -> None:
        self.clock = clock
        self.ids = ids
        self.chaos = ChaosSettings(seed=seed)
        self.journal = Journal()
        self.lock = threading.RLock()
        self.namespaces: dict[str, Namespace] = {}
        self.basic_topics: dict[str, BasicTopic] = {}
        self.system_topics: dict[str, SystemTopic] = {}  # by name: they have no host
        self.auto_create = auto_create
        self.key = key
        self.defaults = defaults or SubscriptionSettings()
        self.retention_days = retention_days

    def locked(self, action: Callable[[], T]) -> T:
        """Run `action` under the broker lock."""
        with self.lock:
            return action()

    # -- hosts: which namespace or Basic topic a host is ---------------------------------

    def serves(self, host: str) -> bool:
        """Whether `host` is this fake's: every `*.eventgrid.azure.net` host, and every
        host held as a namespace or a Basic topic."""
        host = host.lower()
        with self.lock:
            return (
                host.endswith(EVENTGRID_DOMAIN)
                or host in self.namespaces
                or host in self.basic_topics
            )

    def held(self, host: str) -> Namespace | BasicTopic | None:
        """The namespace or Basic topic the broker holds for `host` (never both), if any."""
        # No lock: each lookup is atomic, and a host, once held, stays with its holder.
        found = self.namespaces.get(host)
        return self.basic_topics.get(host) if found is None else found

    def namespace(self, name: str, **settings: object) -> Namespace:
        """The namespace `name`, created on first use with the broker's policy (or
        `settings`, which override it)."""
        with self.lock:
            found = self.namespaces.get(name)
            if found is None:
                found = self.namespaces[name] = self._new_namespace(name, **settings)
            return found

    def _new_namespace(self, name: str, **settings: object) -> Namespace:
        policy: dict[str, object] = {
            "auto_create": self.auto_create,
            "key": self.key,
            "defaults": self.defaults,
            "retention_days": self.retention_days,
        }
        return Namespace(name, self, **{**policy, **settings})  # type: ignore[arg-type]

    def declare_namespace(self, host: str) -> Namespace:
        """The namespace of `host` (any host: a custom domain, say), created if new;
        a `UsageError` if a Basic topic holds the host."""
        with self.lock:  # no Basic topic may take the host in between
            self._refuse_basic(host)
            return self.namespace(host)

    def namespace_for(self, host: str, *, create: bool = True) -> Namespace | None:
        """The namespace behind `host`; None for a host the fake does not serve.

        A new `*.eventgrid.azure.net` host becomes a namespace when `create` (and
        `auto_create`); `create` also refuses the host of a Basic topic. The wire asks
        without `create`: it gets a namespace the broker does not hold yet, and adopts
        it (`adopt_namespace()`) only when a request to it is served, so a refused
        request creates nothing.
        """
        with self.lock:
            known = self.namespaces.get(host)
        if known is not None:
            return known
        if create:
            self._refuse_basic(host)
        if not host.endswith(EVENTGRID_DOMAIN):
            return None
        if self.auto_create and create:
            return self.namespace(host)
        # Without auto_create, a host nobody declared has no topics: every request gets
        # the service's 404.
        return self._new_namespace(host)

    def adopt_namespace(self, namespace: Namespace) -> Namespace:
        """The namespace the broker holds for `namespace.name`: `namespace` itself from
        now on, unless one is held already. Callers hold the lock."""
        return self.namespaces.setdefault(namespace.name, namespace)

    def _refuse_basic(self, host: str) -> None:
        """A `UsageError` if `host` is a Basic topic's: it cannot be a namespace too."""
        with self.lock:
            basic = self.basic_topics.get(host)
        if basic is not None:
            raise usage_error(
                f"{host} is a Basic {basic.kind} already; it cannot also be a namespace.",
                anchor=BASIC_DOCS,
            )

    def basic_topic_for(self, host: str, *, create: bool) -> BasicTopic | None:
        """The Basic topic behind `host`. With `create` (a Basic publish), a new served
        host that is no namespace gives a custom topic the broker does not hold yet
        (when `auto_create`): the wire adopts it (`adopt_basic_topic()`) when the
        publish is served."""
        with self.lock:
            known = self.basic_topics.get(host)
            if known is not None or not create or not self.auto_create:
                return known
            if host in self.namespaces or not self.serves(host):
                return None
            return BasicTopic(host, kind="topic", key=self.key)

    def adopt_basic_topic(self, topic: BasicTopic) -> BasicTopic:
        """The Basic topic the broker holds for `topic.host`: `topic` itself from now
        on, unless one is held already. Callers hold the lock."""
        return self.basic_topics.setdefault(topic.host, topic)

    def declare_basic_topic(self, host: str, kind: str | None, schema: str | None) -> BasicTopic:
        """The Basic topic of `host`, created as `kind` (default "topic") if new; a
        `UsageError` if the host is a namespace, or a Basic topic of another kind.
        `schema`, when given, becomes its input schema."""
        with self.lock:
            if host in self.namespaces:
                raise usage_error(
                    f"{host} is a namespace already; it cannot also be a Basic {kind or 'topic'}.",
                    anchor=BASIC_DOCS,
                )
            topic = self.basic_topics.get(host)
            if topic is None:
                topic = self.basic_topics[host] = BasicTopic(
                    host, kind=kind or "topic", schema=schema, key=self.key
                )
            elif kind is not None and kind != topic.kind:
                raise usage_error(
                    f"{host} is a {topic.kind} already; it cannot also be a {kind}.",
                    anchor=BASIC_DOCS,
                )
            if schema is not None:
                topic.schema = schema
            return topic
