"""`EventGrid`: the fake service a test talks to, and its ready-wired clients."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AzureKeyCredential
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioEventGridConsumerClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient

from ._assertions import PublishedAssertions
from ._broker import (
    Broker,
    Clock,
    IdGenerator,
    JournalEntry,
    Namespace,
    SubscriptionSettings,
)
from ._broker._settings import SEVEN_DAYS
from ._calls import Scope
from ._doors import AsyncEventGridTransport, EventGridTransport, autojump_for
from ._doors._autojump import waker
from ._errors import UsageError, docs
from ._report import format_timeline
from ._views import NamespaceView, SubscriptionView, TopicView
from ._wire import EventGridService

DEFAULT_NAMESPACE = "test-namespace"
DEFAULT_REGION = "westus"
DEFAULT_TOPIC = "test-topic"
DEFAULT_SUBSCRIPTION = "test-subscription"
DEFAULT_KEY = "fake-access-key"
EVENTGRID_DOMAIN = ".eventgrid.azure.net"

Topology = Mapping[str, Iterable[str] | Mapping[str, Mapping[str, Any]]]


class EventGrid(PublishedAssertions):
    """An in-memory Azure Event Grid namespace that the real SDK clients talk to.

    `calls`, `assert_published()` and `assert_not_published()` cover every topic
    of every namespace the fake serves.

    Args:
        namespace: The namespace name, the first label of `endpoint`.
        region: The region in `endpoint` (`https://<namespace>.<region>-1.eventgrid.azure.net`).
        topic: The topic that client helpers use by default; created at once.
        subscription: The subscription of `topic` that consumer helpers use by
            default; created at once.
        topics: More topology to create at once: `{"orders": ["billing"]}`, or with
            per-subscription settings `{"orders": {"billing": {"lock_duration": 120}}}`.
        key: When set, requests must carry this access key, else they get the
            service's 401. By default any key is accepted.
        auto_create: Create topics and subscriptions on first use by a request. With
            `False`, unknown names get the service's 404.
        autojump: Let a receive that waits for events move the virtual clock (see
            the guide). With `False`, an empty receive returns at once and only
            `clock.advance()` moves time.
        lock_duration: Default lock duration of subscriptions, 60-300 seconds.
        max_delivery_count: Default deliveries before dead-lettering, 1-10.
        time_to_live: Default event time-to-live of subscriptions (7 days).
        dead_letter: Keep rejected and expired events in a dead-letter store.
        seed: Seed for event ids, lock tokens and tracking ids.
        start: The wall-clock instant that virtual time 0 stands for (default: now).
    """

    def __init__(
        self,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        region: str = DEFAULT_REGION,
        topic: str = DEFAULT_TOPIC,
        subscription: str = DEFAULT_SUBSCRIPTION,
        topics: Topology | None = None,
        key: str | None = None,
        auto_create: bool = True,
        autojump: bool = True,
        lock_duration: float | timedelta = 60,
        max_delivery_count: int = 10,
        time_to_live: float | timedelta = SEVEN_DAYS,
        dead_letter: bool = True,
        seed: int | str = 0,
        start: datetime | None = None,
    ) -> None:
        self.clock = Clock(start=start, autojump=autojump)
        self._broker = Broker(self.clock, IdGenerator(seed))
        self._key = key
        self._auto_create = auto_create
        self._defaults = SubscriptionSettings().updated(
            lock_duration=lock_duration,
            max_delivery_count=max_delivery_count,
            time_to_live=time_to_live,
            dead_letter=dead_letter,
        )
        self._service = EventGridService(self._broker, self._resolve)
        self.namespace_name = namespace
        self.host = f"{namespace}.{region}-1{EVENTGRID_DOMAIN}".lower()
        self._default = self._namespace(self.host)
        self.default_topic = topic
        self.default_subscription = subscription
        self.topic(topic).subscription(subscription)
        for topic_name, subscriptions in (topics or {}).items():
            self._declare(topic_name, subscriptions)

    # -- topology ------------------------------------------------------------------------

    def _namespace(self, host: str) -> Namespace:
        return self._broker.namespace(
            host, auto_create=self._auto_create, key=self._key, defaults=self._defaults
        )

    def _resolve(self, host: str) -> Namespace | None:
        with self._broker.lock:
            known = self._broker.namespaces.get(host)
        if known is not None:
            return known
        if host.endswith(EVENTGRID_DOMAIN):
            return self._namespace(host)
        return None

    def serves(self, host: str) -> bool:
        """Whether requests for `host` reach this fake: every `*.eventgrid.azure.net`
        host, and the hosts given to `add_host()`."""
        host = host.lower()
        with self._broker.lock:
            return host.endswith(EVENTGRID_DOMAIN) or host in self._broker.namespaces

    def add_host(self, host: str) -> NamespaceView:
        """Serve `host` too (a custom domain, say), as a namespace of its own."""
        return NamespaceView(self._namespace(host.lower()))

    def namespace(self, host: str | None = None) -> NamespaceView:
        """The namespace behind `host` (default: this fake's own `endpoint`).

        `host` may be a full host name or an endpoint URL; each distinct
        `*.eventgrid.azure.net` host is a namespace of its own, created on first use.
        """
        if host is None:
            return NamespaceView(self._default)
        name = (urlsplit(host).hostname if "://" in host else host) or host
        namespace = self._resolve(name.lower())
        if namespace is None:
            raise UsageError(
                f"{host!r} is not an Event Grid host this fake serves. Hosts ending in "
                f"{EVENTGRID_DOMAIN} are served, and any host given to add_host(). "
                f"See {docs('guide/intercepting/#hosts')}"
            )
        return NamespaceView(namespace)

    def _declare(
        self, topic: str, subscriptions: Iterable[str] | Mapping[str, Mapping[str, Any]]
    ) -> None:
        view = self.topic(topic)
        if isinstance(subscriptions, str):
            raise UsageError(
                f"topics={{{topic!r}: {subscriptions!r}}}: give a list of subscription names "
                f"or a mapping of name to settings. See {docs('guide/#topology')}"
            )
        if isinstance(subscriptions, Mapping):
            for name, settings in subscriptions.items():
                view.subscription(name, **dict(settings or {}))
        else:
            for name in subscriptions:
                view.subscription(name)

    def topic(self, name: str) -> TopicView:
        """The topic `name` of this fake's own namespace, created if new."""
        return NamespaceView(self._default).topic(name)

    def subscription(
        self, name: str | None = None, *, topic: str | None = None
    ) -> SubscriptionView:
        """Shortcut for `topic(topic).subscription(name)`, with the defaults."""
        return self.topic(topic or self.default_topic).subscription(
            name or self.default_subscription
        )

    @property
    def endpoint(self) -> str:
        """The namespace endpoint, `https://<namespace>.<region>-1.eventgrid.azure.net`."""
        return f"https://{self.host}"

    @property
    def credential(self) -> AzureKeyCredential:
        """A key credential the fake accepts."""
        return AzureKeyCredential(self._key or DEFAULT_KEY)

    # -- doors and clients -------------------------------------------------------------

    def transport(self) -> EventGridTransport:
        """A sync azure-core transport into this fake, for `transport=`."""
        return EventGridTransport(self._service, self.clock)

    def async_transport(self) -> AsyncEventGridTransport:
        """An async azure-core transport into this fake, for `transport=`."""
        return AsyncEventGridTransport(self._service, self.clock)

    def publisher(self, topic: str | None = None, **kwargs: Any) -> EventGridPublisherClient:
        """A sync `EventGridPublisherClient` for a namespace topic of this fake."""
        return EventGridPublisherClient(
            self.endpoint,
            self.credential,
            namespace_topic=topic or self.default_topic,
            transport=self.transport(),
            **kwargs,
        )

    def consumer(
        self, topic: str | None = None, subscription: str | None = None, **kwargs: Any
    ) -> EventGridConsumerClient:
        """A sync `EventGridConsumerClient` for a subscription of this fake."""
        return EventGridConsumerClient(
            self.endpoint,
            self.credential,
            namespace_topic=topic or self.default_topic,
            subscription=subscription or self.default_subscription,
            transport=self.transport(),
            **kwargs,
        )

    def aio_publisher(self, topic: str | None = None, **kwargs: Any) -> AioEventGridPublisherClient:
        """An `azure.eventgrid.aio.EventGridPublisherClient` for a namespace topic."""
        return AioEventGridPublisherClient(
            self.endpoint,
            self.credential,
            namespace_topic=topic or self.default_topic,
            transport=self.async_transport(),
            **kwargs,
        )

    def aio_consumer(
        self, topic: str | None = None, subscription: str | None = None, **kwargs: Any
    ) -> AioEventGridConsumerClient:
        """An `azure.eventgrid.aio.EventGridConsumerClient` for a subscription."""
        return AioEventGridConsumerClient(
            self.endpoint,
            self.credential,
            namespace_topic=topic or self.default_topic,
            subscription=subscription or self.default_subscription,
            transport=self.async_transport(),
            **kwargs,
        )

    # -- history and waiting -------------------------------------------------------------

    @property
    def timeline(self) -> list[JournalEntry]:
        """Every operation the fake served, in order, with virtual times."""
        return self._broker.journal.entries()

    def _scope(self) -> Scope:
        return Scope(self._broker.journal)

    def format_timeline(self) -> str:
        """The timeline as text, as the pytest failure report shows it."""
        return format_timeline(self._broker.journal.entries())

    async def until(self, condition: Callable[[], bool], *, timeout: float = 3600.0) -> None:
        """Wait until `condition()` is true, checking after every operation.

        Other tasks keep running meanwhile (a consumer loop, say). `timeout` is in
        virtual seconds: when every task is waiting, the clock jumps, so a condition
        that never comes true fails fast with `TimeoutError`. With `autojump=False`
        the clock does not jump, and `timeout` counts real seconds instead.
        """
        loop = asyncio.get_running_loop()
        deadline = self.clock.now() + timeout
        coordinator = autojump_for(self.clock, loop)
        while not condition():
            if self.clock.now() >= deadline:
                raise TimeoutError(
                    f"The condition was still false after {timeout:g} virtual seconds.\n"
                    f"{self.format_timeline()}"
                )
            woken = loop.create_future()
            wake = waker(loop, woken)

            def on_entry(_: JournalEntry, wake: Callable[[], None] = wake) -> None:
                wake()

            self._broker.journal.add_listener(on_entry)
            try:
                if self.clock.autojump:
                    await coordinator.park(woken, deadline)
                else:
                    await asyncio.wait_for(woken, timeout)
            finally:
                self._broker.journal.remove_listener(on_entry)

    def __repr__(self) -> str:
        return f"<EventGrid {self.endpoint} t={self.clock.now():g}s>"
