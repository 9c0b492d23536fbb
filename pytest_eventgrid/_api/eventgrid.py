"""`EventGrid`: the fake service a test talks to, and its ready-wired clients.

A facade: it composes the layers (broker, wire, doors) and delegates. Its topology and
views are in `topology`, faults and chaos in `scripting`, history in `history`, the
SDK clients in `clients`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from azure.core.credentials import AzureKeyCredential
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioEventGridConsumerClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient

from .. import _errors
from .._broker import Broker, Clock, IdGenerator, JournalEntry, SubscriptionSettings
from .._broker._chaos import ChaosSettings
from .._broker._push import DeliveryAttempt
from .._broker._settings import DEFAULT_RETENTION_DAYS, SEVEN_DAYS, retention_days
from .._doors import AsyncEventGridTransport, EventGridTransport, wait_until
from .._doors._webhooks import PushDeliveries
from .._errors import NOT_GIVEN, NotGiven
from .._wire import EventGridService
from .._wire._faults import Fault, FaultedRequest, FaultScript
from .._wire._hosts import endpoint_host
from ..faults import Outcome
from . import clients as _clients
from . import history, scripting, topology
from .assertions import PublishedAssertions
from .basic_views import BasicTopicView
from .calls import Scope
from .event_hubs import EventHubView, event_hub_names
from .system_topics import SystemTopics, SystemTopicView, checked_system_topics, system_topic
from .system_topics import declare as declare_system_topics
from .system_topics import system_topics as all_system_topics
from .timeline import timeout_with_timeline
from .topology import (
    DEFAULT_KEY,
    DEFAULT_NAMESPACE,
    DEFAULT_REGION,
    DEFAULT_SUBSCRIPTION,
    DEFAULT_TOPIC,
    MARKER_DOCS,
    TOPOLOGY_DOCS,
    BasicTopics,
    Topology,
    TopologyViews,
)
from .views import NamespaceView, SubscriptionView, TopicView

DELIVER_DOCS = "guide/webhooks/#delivering"
SEEDING_DOCS = "guide/factories/#seeding"
UNTIL_DOCS = "guide/#until"


def _checked_client_name(helper: str, argument: str, value: object) -> str | None:
    return _errors.optional_name(f"{helper}({argument})", value, "guide/#fixtures")


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
            per-subscription settings `{"orders": {"billing": {"lock_duration": 120}}}`;
            settings with `"endpoint"` (or `"delivery_mode": "push"`) declare a push
            subscription with `TopicView.subscribe()`'s keys.
        faults: Scripted faults to add at once, as mappings: `{"operation": "publish",
            "status": 503, "times": 2}` (see `fail()` and the failure-testing guide).
        chaos: Chaos to start with: True for the default mix, or `chaos()` keywords.
        basic_topics: Event Grid Basic topics to create at once, by name: a schema
            (`{"orders": "cloudevents"}`), None, or `{"shop": {"kind": "domain",
            "schema": "eventgrid"}}`; `"subscriptions"` declares webhook subscriptions
            with `subscribe()`'s keys (`{"orders": {"subscriptions": {"billing":
            {"endpoint": "https://..."}}}}`; a domain: `"topics"` to subscriptions).
            `{"endpoint": {"namespace_topic": "orders"}}` routes into a namespace topic.
        system_topics: System topics to create at once, by name: `{"storage": {"source":
            "/subscriptions/.../storageAccounts/shop", "topic_type": ...,
            "subscriptions": {...}}}`, as `system_topic()` and `subscribe()` take them.
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
        event_retention_in_days: Days each namespace topic keeps an event after it was
            published, 1 to 7 (default 7, as the service documents); a topic's own is
            set with `topic(name).configure(event_retention_in_days=...)`. The default
            `time_to_live` of a subscription is capped to it.
        seed: Seed for lock tokens, tracking ids, and the chance of faults and chaos
            (event ids come from the events; the factories take the test's seed too).
        start: The wall-clock instant that virtual time 0 stands for (default: now).
    """

    def __init__(
        self,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        region: str = DEFAULT_REGION,
        topic: str | None = None,
        subscription: str | None = None,
        topics: Topology | None = None,
        basic_topics: BasicTopics | None = None,
        system_topics: SystemTopics | None = None,
        faults: Sequence[Mapping[str, Any]] | None = None,
        chaos: bool | Mapping[str, Any] | None = None,
        key: str | None = None,
        auto_create: bool = True,
        autojump: bool = True,
        lock_duration: float | timedelta = 60,
        max_delivery_count: int = 10,
        time_to_live: float | timedelta = SEVEN_DAYS,
        dead_letter: bool = True,
        event_retention_in_days: int = DEFAULT_RETENTION_DAYS,
        seed: int | str = 0,
        start: datetime | None = None,
    ) -> None:
        namespace = topology.checked_namespace(namespace)
        region = topology.checked_region(region)
        topic = _errors.optional_name("topic", topic, MARKER_DOCS)
        subscription = _errors.optional_name("subscription", subscription, MARKER_DOCS)
        declared = topology.checked_topology(topics)
        declared_basic = topology.checked_basic_topics(basic_topics)
        declared_system = checked_system_topics(system_topics)
        fault_specs = scripting.checked_faults(faults)
        chaos_settings = scripting.checked_chaos(chaos)
        key = topology.checked_key(key)
        auto_create = _errors.flag("auto_create", auto_create, MARKER_DOCS)
        seed = _errors.seed("seed", seed, SEEDING_DOCS)
        self.clock = Clock(start=start, autojump=autojump)
        defaults = SubscriptionSettings().updated(
            lock_duration=lock_duration,
            max_delivery_count=max_delivery_count,
            time_to_live=time_to_live,
            dead_letter=dead_letter,
        )
        self._broker = Broker(
            self.clock,
            IdGenerator(seed),
            seed,
            auto_create=auto_create,
            key=key,
            defaults=defaults,
            retention_days=retention_days(event_retention_in_days),
        )
        self._key = key
        self._service = EventGridService(self._broker)
        # What the doors talk to: the scripted faults, in front of the wire.
        self._entry = FaultScript(self._service, self._broker, seed)
        self._deliveries = PushDeliveries(self._broker, self._entry.deliver)
        self.namespace_name = namespace
        self.region = region
        self.host = endpoint_host(namespace, region)
        home = self._broker.namespace(self.host)
        self._views = TopologyViews(self._broker, self._deliveries, home, region)
        self.default_topic = topic or DEFAULT_TOPIC
        self.default_subscription = subscription or DEFAULT_SUBSCRIPTION
        # The default subscription exists whatever else `topics=` declares.
        self.subscription()
        self._views.declare(declared, declared_basic)
        declare_system_topics(
            self._broker, self._deliveries, declared_system, self._views.declared_endpoint
        )
        for operation, outcome, options in fault_specs:
            self.fail(operation, outcome, **options)
        if chaos_settings is not None:
            self.chaos(**chaos_settings)

    # -- topology ------------------------------------------------------------------------

    def serves(self, host: str) -> bool:
        """Whether requests for `host` reach this fake: every `*.eventgrid.azure.net`
        host, and the hosts given to `add_host()` or named by a Basic topic view."""
        return self._broker.serves(host)

    def add_host(self, host: str) -> NamespaceView:
        """Serve `host` too (a custom domain, say), as a namespace of its own.

        `host` may be a host name or a URL (`https://events.contoso.com`); not the
        host of a Basic topic, domain or partner namespace.
        """
        return self._views.add_host(host)

    def namespace(self, host: str | None = None) -> NamespaceView:
        """The namespace behind `host` (default: this fake's own `endpoint`).

        `host` may be a full host name or an endpoint URL; each distinct
        `*.eventgrid.azure.net` host is a namespace of its own, created on first use.
        """
        return self._views.namespace(host)

    @property
    def namespaces(self) -> list[NamespaceView]:
        """Every namespace the fake has served so far, its own first."""
        return self._views.namespaces()

    def topic(self, name: str) -> TopicView:
        """The topic `name` of this fake's own namespace, created if new."""
        return self._views.topic(name)

    def subscription(
        self, name: str | None = None, *, topic: str | None = None
    ) -> SubscriptionView:
        """Shortcut for `topic(topic).subscription(name)`, with the defaults."""
        _errors.optional_name("subscription(name)", name, TOPOLOGY_DOCS)
        _errors.optional_name("subscription(topic=)", topic, TOPOLOGY_DOCS)
        return self.topic(topic or self.default_topic).subscription(
            name or self.default_subscription
        )

    # -- Event Grid Basic ------------------------------------------------------------------

    def _basic_view(
        self, name: str, kind: str | None, schema: str | None, helper: str = "basic_topics"
    ) -> BasicTopicView:
        return self._views.basic(name, kind, schema, helper)

    def basic_topic(self, name: str, *, schema: str | None = None) -> BasicTopicView:
        """The Basic custom topic `name` (`https://<name>.<region>-1.eventgrid.azure.net`).

        `name` may also be a host or an endpoint URL (a custom domain, say). `schema`
        fixes the input schema ("eventgrid", "cloudevents" or "custom"); by default
        each request's content type decides, EventGridEvent for `application/json`.
        """
        return self._basic_view(name, "topic", schema, "basic_topic")

    def domain(self, name: str, *, schema: str | None = None) -> BasicTopicView:
        """The Event Grid domain `name`; `.topic(t)` gives one of its domain topics."""
        return self._basic_view(name, "domain", schema, "domain")

    def partner_namespace(self, name: str, *, schema: str | None = None) -> BasicTopicView:
        """The partner namespace `name`; publishers may name a channel
        (`channel_name=`, the `aeg-channel-name` header)."""
        return self._basic_view(name, "partner", schema, "partner_namespace")

    def system_topic(
        self, name: str, *, source: str | None = None, topic_type: str | None = None
    ) -> SystemTopicView:
        """The system topic `name`: the events an Azure service raises about the
        resource `source` (its resource id), of `topic_type` (default: read from
        `source`, such as `Microsoft.Storage.StorageAccounts`). `source` is needed
        when the topic is new.

        The test stands for Azure: `publish()` raises events on it (the system-event
        factories make them); subscribe to it as to a Basic topic, a namespace topic
        (`eventgrid.topic("uploads")`) included.
        """
        return system_topic(self._broker, self._deliveries, name, source, topic_type)

    @property
    def system_topics(self) -> list[SystemTopicView]:
        """Every system topic the fake has, in creation order."""
        return all_system_topics(self._broker, self._deliveries)

    @property
    def basic_topics(self) -> list[BasicTopicView]:
        """Every Basic topic, domain and partner namespace the fake has so far: those
        declared, named by a view, or created by a request."""
        return self._views.basic_topics()

    def basic_publisher(self, topic: str, **kwargs: Any) -> EventGridPublisherClient:
        """A sync Basic `EventGridPublisherClient` for `topic` (a name, host or URL of a
        topic, domain or partner namespace; a new one is a custom topic).

        The SDK's sync Basic client ignores `transport=`; it reaches the fake through
        interception, which is active while the fake is.
        """
        endpoint = self._basic_view(topic, None, None, "basic_publisher").endpoint
        return _clients.basic_publisher(EventGridPublisherClient, self, endpoint, **kwargs)

    def aio_basic_publisher(self, topic: str, **kwargs: Any) -> AioEventGridPublisherClient:
        """An async Basic `azure.eventgrid.aio.EventGridPublisherClient` for `topic`."""
        endpoint = self._basic_view(topic, None, None, "aio_basic_publisher").endpoint
        return _clients.basic_publisher(AioEventGridPublisherClient, self, endpoint, **kwargs)

    def event_hub(self, name: str) -> EventHubView:
        """The event hub `name`, as a destination of namespace push subscriptions
        (`topic(t).subscribe(s, eventgrid.event_hub(name))`) and as the record of every
        batch Event Grid sent it."""
        return EventHubView(self._broker, name)

    @property
    def event_hubs(self) -> list[EventHubView]:
        """Every event hub a namespace push subscription delivers to."""
        return [EventHubView(self._broker, name) for name in event_hub_names(self._broker)]

    def deliver(self, *, drain: bool = False) -> list[DeliveryAttempt]:
        """Push every due event to its push subscriptions (of Basic topics, domains and
        namespace topics), now.

        With `drain=True`, keep going along the retry schedule on the virtual clock
        until nothing is pending: every event is delivered or dead-lettered. Use
        `deliver_async()` from async code (it is the one that can call ASGI apps
        there).
        """
        return self._deliveries.deliver(drain=_errors.flag("deliver(drain=)", drain, DELIVER_DOCS))

    async def deliver_async(self, *, drain: bool = False) -> list[DeliveryAttempt]:
        """The async twin of `deliver()`; every kind of destination works."""
        drain = _errors.flag("deliver_async(drain=)", drain, DELIVER_DOCS)
        return await self._deliveries.deliver_async(drain=drain)

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
        return EventGridTransport(self._entry, self.clock)

    def async_transport(self) -> AsyncEventGridTransport:
        """An async azure-core transport into this fake, for `transport=`."""
        return AsyncEventGridTransport(self._entry, self.clock)

    def publisher(self, topic: str | None = None, **kwargs: Any) -> EventGridPublisherClient:
        """A sync `EventGridPublisherClient` for a namespace topic of this fake."""
        _checked_client_name("publisher", "topic", topic)
        return _clients.publisher(EventGridPublisherClient, self, topic, **kwargs)

    def consumer(
        self, topic: str | None = None, subscription: str | None = None, **kwargs: Any
    ) -> EventGridConsumerClient:
        """A sync `EventGridConsumerClient` for a subscription of this fake."""
        _checked_client_name("consumer", "topic", topic)
        _checked_client_name("consumer", "subscription", subscription)
        return _clients.consumer(EventGridConsumerClient, self, topic, subscription, **kwargs)

    def aio_publisher(self, topic: str | None = None, **kwargs: Any) -> AioEventGridPublisherClient:
        """An `azure.eventgrid.aio.EventGridPublisherClient` for a namespace topic."""
        _checked_client_name("aio_publisher", "topic", topic)
        return _clients.publisher(AioEventGridPublisherClient, self, topic, **kwargs)

    def aio_consumer(
        self, topic: str | None = None, subscription: str | None = None, **kwargs: Any
    ) -> AioEventGridConsumerClient:
        """An `azure.eventgrid.aio.EventGridConsumerClient` for a subscription."""
        _checked_client_name("aio_consumer", "topic", topic)
        _checked_client_name("aio_consumer", "subscription", subscription)
        return _clients.consumer(AioEventGridConsumerClient, self, topic, subscription, **kwargs)

    # -- faults ------------------------------------------------------------------------------

    def fail(
        self,
        operation: str | None,
        outcome: Outcome | Sequence[Outcome],
        *,
        topic: str | None = None,
        subscription: str | None = None,
        when: Callable[[FaultedRequest], bool] | None = None,
        times: int | NotGiven | None = NOT_GIVEN,
        probability: float | None = None,
        optional: bool = False,
    ) -> Fault:
        """Script a fault: matching requests get `outcome` instead of the usual answer.

        `operation` is "publish", "receive", "acknowledge", "release", "reject",
        "renew_locks", (Basic) "send" or (a push delivery) "deliver", or None for
        any request but deliveries; `topic`, `subscription` and
        `when` (a predicate on the request) narrow it further. `outcome` comes from
        `pytest_eventgrid.faults` (`status(503)`, `throttle(retry_after=5)`,
        `connection_refused()`, `read_timeout()`, `latency(30)`,
        `lose_tokens(fraction=0.5)`, `short_receive(1)`); a list is a sequence, one
        outcome per request in turn (`faults.ok()` lets one through).

        A fault catches `times` requests: 1 by default, the length of a sequence,
        or every matching one (None, the default with `probability`). With
        `probability`, each matching request is caught with that chance, seeded by
        the test's seed. A fault that never fired fails the test at teardown,
        unless `optional=True`.
        """
        return scripting.script_fault(
            self._entry,
            operation,
            outcome,
            topic=topic,
            subscription=subscription,
            when=when,
            times=times,
            probability=probability,
            optional=optional,
        )

    def chaos(
        self,
        *,
        duplicates: float = 0.0,
        reorder: bool = False,
        early_lock_expiry: float = 0.0,
        short_batches: float = 0.0,
        token_lost: float = 0.0,
    ) -> ChaosSettings:
        """Take, on purpose and seeded, the liberties an at-least-once broker may take.

        Each is a chance per event (or per receive): deliver an acknowledged event
        once more (`duplicates`), hand events out of order (`reorder`), let locks
        expire early (`early_lock_expiry`), return fewer events than available
        (`short_batches`), fail settlements with `TokenLost` (`token_lost`). All zero
        (the default) is a calm broker again. The same seed gives the same chaos.
        """
        return scripting.configure_chaos(
            self._broker,
            duplicates=duplicates,
            reorder=reorder,
            early_lock_expiry=early_lock_expiry,
            short_batches=short_batches,
            token_lost=token_lost,
        )

    @property
    def faults(self) -> list[Fault]:
        """Every scripted fault, with how often it fired (`fired`, `requests`)."""
        return list(self._entry.faults)

    def verify_faults(self) -> None:
        """Fail (`AssertionError`) if a scripted fault never fired, unless optional.

        The `eventgrid` fixture calls this at teardown.
        """
        __tracebackhide__ = True
        scripting.verify_faults(self._entry)

    # -- history and waiting -------------------------------------------------------------

    @property
    def timeline(self) -> list[JournalEntry]:
        """Every operation the fake served, in order, with virtual times."""
        return history.timeline(self._broker)

    def _scope(self) -> Scope:
        return history.scope(self._broker)

    def format_timeline(self) -> str:
        """The timeline as text, as the pytest failure report shows it; then, in words,
        the publishes that reached no subscription and the subscriptions received from
        but given nothing, with the topics they may have been meant for."""
        return history.timeline_text(self._broker, self.host)

    def until(
        self, condition: Callable[[], bool], *, timeout: float | timedelta = 3600.0
    ) -> Coroutine[Any, Any, None]:
        """Wait until `condition()` is true, checking after every operation: `await
        eventgrid.until(condition)`.

        Other tasks keep running meanwhile (a consumer loop, say). `timeout` is in
        virtual seconds (a number or a `timedelta`): when every task is waiting, the
        clock jumps, so a condition that never comes true fails fast with
        `TimeoutError`. With `autojump=False` the clock does not jump, and `timeout`
        counts real seconds instead. The arguments are checked at the call.
        """
        return self._wait("until", condition, timeout)

    def until_settled(
        self,
        subscription: str | None = None,
        *,
        topic: str | None = None,
        timeout: float | timedelta = 3600.0,
    ) -> Coroutine[Any, Any, None]:
        """Wait until the subscription (default: the default one) holds no event that is
        available, delayed or locked: every event was settled. Await it, as `until()`."""
        view = self.subscription(subscription, topic=topic)
        return self._wait(
            "until_settled",
            lambda: not (view.available or view.delayed or view.locked),
            timeout,
        )

    def _wait(self, helper: str, condition: object, timeout: object) -> Coroutine[Any, Any, None]:
        """The checked coroutine behind `until()` and `until_settled()`."""
        checked = _errors.function(f"{helper}(condition)", condition, UNTIL_DOCS)
        seconds = _errors.seconds(f"{helper}(timeout=)", timeout, UNTIL_DOCS)
        return self._until(checked, seconds)

    async def _until(self, condition: Callable[[], object], timeout: float) -> None:
        journal = self._broker.journal
        await wait_until(
            condition,
            self.clock,
            timeout,
            add_listener=journal.add_listener,
            remove_listener=journal.remove_listener,
            timed_out=lambda: timeout_with_timeline(
                f"The condition was still false after {timeout:g} virtual seconds.",
                self.format_timeline(),
            ),
        )

    def __repr__(self) -> str:
        return f"<EventGrid {self.endpoint} t={self.clock.now():g}s>"
