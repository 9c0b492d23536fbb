"""`EventGrid`: the fake service a test talks to, and its ready-wired clients."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from azure.core.credentials import AzureKeyCredential
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioEventGridConsumerClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient

from .. import _errors
from .._broker import (
    Broker,
    Clock,
    IdGenerator,
    JournalEntry,
    SubscriptionSettings,
)
from .._broker._chaos import ChaosSettings, checked_settings
from .._broker._push import DeliveryAttempt
from .._broker._settings import SEVEN_DAYS
from .._doors import AsyncEventGridTransport, EventGridTransport, autojump_for
from .._doors._autojump import waker
from .._doors._webhooks import PushDeliveries
from .._errors import docs, one_of, usage_error
from .._wire import EventGridService
from .._wire._faults import Fault, FaultedRequest, FaultScript
from .._wire._hosts import (
    EVENTGRID_DOMAIN,
    NAMESPACE_NAME,
    REGION_NAME,
    basic_host,
    endpoint_host,
    host_of,
)
from ..faults import Outcome, _faults_from_specs, _outcome_from_spec
from . import clients as _clients
from .assertions import PublishedAssertions
from .basic_views import BasicTopicView
from .calls import Scope
from .timeline import explain_misses, filters_of, format_timeline, timeout_with_timeline
from .views import NamespaceView, SubscriptionView, TopicView

DEFAULT_NAMESPACE = "test-namespace"
DEFAULT_REGION = "westus"
DEFAULT_TOPIC = "test-topic"
DEFAULT_SUBSCRIPTION = "test-subscription"
# A valid base64 key, so `azure.eventgrid.generate_sas` can sign tokens with it.
DEFAULT_KEY = "cHl0ZXN0LWV2ZW50Z3JpZC1mYWtlLWtleQ=="
SCHEMAS = ("eventgrid", "cloudevents", "custom")
BASIC_KINDS = ("topic", "domain", "partner")
MARKER_DOCS = "guide/#the-marker"
TOPOLOGY_DOCS = "guide/#topology"
BASIC_DOCS = "guide/basic/#topics-domains-and-partner-namespaces"
DELIVER_DOCS = "guide/webhooks/#delivering"
SEEDING_DOCS = "guide/factories/#seeding"
UNTIL_DOCS = "guide/#until"


FAULT_OPTIONS = ("topic", "subscription", "times", "probability", "optional")
DEFAULT_CHAOS: Mapping[str, Any] = {
    "duplicates": 0.3,
    "reorder": True,
    "early_lock_expiry": 0.2,
    "short_batches": 0.5,
    "token_lost": 0.2,
}


class Default(enum.Enum):
    """The marker for a keyword left out (where None means something)."""

    DEFAULT = enum.auto()


DEFAULT = Default.DEFAULT


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _checked_namespace(namespace: object) -> str:
    if not isinstance(namespace, str) or not NAMESPACE_NAME.fullmatch(namespace):
        raise usage_error(
            "namespace",
            namespace,
            "a namespace name, as the service allows: 3 to 50 letters, digits and hyphens "
            "(the first label of the endpoint, not a URL)",
            MARKER_DOCS,
        )
    return namespace


def _checked_region(region: object) -> str:
    if not isinstance(region, str) or not REGION_NAME.fullmatch(region):
        raise usage_error(
            "region", region, "an Azure region name such as 'westus' or 'eastus2'", MARKER_DOCS
        )
    return region


def _checked_key(key: object) -> str | None:
    if key is not None and (not isinstance(key, str) or not key):
        raise usage_error(
            "key", key, "an access key (a non-empty string), or None to accept any key", MARKER_DOCS
        )
    return key


def _checked_topology(topics: object) -> dict[str, Mapping[str, Any]]:
    """`topics=`, checked: topic names to subscription names or subscription settings."""
    expected = (
        'a mapping of topic name to a list of subscription names, such as {"orders": '
        '["billing"]}, or to a mapping of subscription name to settings'
    )
    if topics is None:
        return {}
    if not isinstance(topics, Mapping):
        raise usage_error("topics", topics, expected, TOPOLOGY_DOCS)
    topology: dict[str, Mapping[str, Any]] = {}
    for topic, subscriptions in topics.items():
        _errors.name("topics= topic name", topic, TOPOLOGY_DOCS)
        where = f"topics={{{topic!r}: ...}}"
        if not isinstance(subscriptions, Mapping):
            if isinstance(subscriptions, str | bytes) or not isinstance(subscriptions, Iterable):
                raise usage_error(
                    where,
                    subscriptions,
                    "a list of subscription names, or a mapping of name to settings",
                    TOPOLOGY_DOCS,
                )
            subscriptions = dict.fromkeys(subscriptions)
        for name, settings in subscriptions.items():
            _errors.name(f"{where} subscription name", name, TOPOLOGY_DOCS)
            if settings is not None and not isinstance(settings, Mapping):
                raise usage_error(
                    f"topics={{{topic!r}: {{{name!r}: ...}}}}",
                    settings,
                    "a mapping of subscription settings ({'lock_duration': 120}), or None",
                    TOPOLOGY_DOCS,
                )
        topology[topic] = subscriptions
    return topology


def _checked_basic_topics(basic_topics: object) -> dict[str, Any]:
    """`basic_topics=`, checked: names to a schema, None, or {"kind", "schema"}."""
    if basic_topics is None:
        return {}
    if not isinstance(basic_topics, Mapping):
        raise usage_error(
            "basic_topics",
            basic_topics,
            'a mapping of topic name to a schema, None, or {"kind": ..., "schema": ...}, '
            'such as {"orders": "cloudevents"}',
            BASIC_DOCS,
        )
    for name, declaration in basic_topics.items():
        _errors.name("basic_topics= topic name", name, BASIC_DOCS)
        if declaration is None or isinstance(declaration, str):
            continue
        unknown = (
            sorted(set(map(str, declaration)) - {"kind", "schema"})
            if isinstance(declaration, Mapping)
            else None
        )
        if (
            unknown is None
            or unknown
            or not isinstance(declaration, Mapping)
            or declaration.get("kind", "topic") not in BASIC_KINDS
        ):
            raise usage_error(
                f"basic_topics={{{name!r}: ...}}",
                declaration,
                f"a schema name ({', '.join(SCHEMAS)}), None, or a mapping with `schema` and "
                f"`kind` ({', '.join(BASIC_KINDS)})",
                BASIC_DOCS,
            )
    return dict(basic_topics)


def _checked_chaos(chaos: object) -> dict[str, Any] | None:
    """`chaos=`: None or False (calm), True (the default mix), or `chaos()` settings."""
    if chaos is None or chaos is False:
        return None
    if chaos is True:
        return dict(DEFAULT_CHAOS)
    if not isinstance(chaos, Mapping):
        raise usage_error(
            "chaos",
            chaos,
            "True (the default mix), or a mapping of chaos() settings",
            "guide/failures/#chaos",
        )
    return checked_settings(chaos)


def _checked_client_name(helper: str, argument: str, value: object) -> str | None:
    return _errors.optional_name(f"{helper}({argument})", value, "guide/#fixtures")


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
        faults: Scripted faults to add at once, as mappings: `{"operation": "publish",
            "status": 503, "times": 2}` (see `fail()` and the failure-testing guide).
        chaos: Chaos to start with: True for the default mix, or `chaos()` keywords.
        basic_topics: Event Grid Basic topics to create at once, by name: a schema
            (`{"orders": "cloudevents"}`), None, or `{"shop": {"kind": "domain",
            "schema": "eventgrid"}}`.
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
        basic_topics: Mapping[str, str | Mapping[str, Any] | None] | None = None,
        faults: Sequence[Mapping[str, Any]] | None = None,
        chaos: bool | Mapping[str, Any] | None = None,
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
        namespace = _checked_namespace(namespace)
        region = _checked_region(region)
        topic = _errors.optional_name("topic", topic, MARKER_DOCS)
        subscription = _errors.optional_name("subscription", subscription, MARKER_DOCS)
        topology = _checked_topology(topics)
        declarations = _checked_basic_topics(basic_topics)
        fault_specs = _faults_from_specs(faults) if faults is not None else []
        chaos_settings = _checked_chaos(chaos)
        key = _checked_key(key)
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
        )
        self._key = key
        self._service = EventGridService(self._broker)
        # What the doors talk to: the scripted faults, in front of the wire.
        self._entry = FaultScript(self._service, self._broker, seed)
        self._deliveries = PushDeliveries(self._broker)
        self.namespace_name = namespace
        self.region = region
        self.host = endpoint_host(namespace, region)
        self._default = self._broker.namespace(self.host)
        self.default_topic = topic or DEFAULT_TOPIC
        self.default_subscription = subscription or DEFAULT_SUBSCRIPTION
        # The default subscription exists whatever else `topics=` declares.
        self.subscription()
        for topic_name, subscriptions in topology.items():
            self._declare(topic_name, subscriptions)
        for name, declaration in declarations.items():
            self._declare_basic(name, declaration)
        for spec in fault_specs:
            options = {option: spec[option] for option in FAULT_OPTIONS if option in spec}
            self.fail(spec.get("operation"), _outcome_from_spec(spec), **options)
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
        return NamespaceView(self._broker.declare_namespace(host_of(host)))

    def namespace(self, host: str | None = None) -> NamespaceView:
        """The namespace behind `host` (default: this fake's own `endpoint`).

        `host` may be a full host name or an endpoint URL; each distinct
        `*.eventgrid.azure.net` host is a namespace of its own, created on first use.
        """
        if host is None:
            return NamespaceView(self._default)
        namespace = self._broker.namespace_for(host_of(host))
        if namespace is None:
            raise usage_error(
                f"{host!r} is not an Event Grid host this fake serves. Hosts ending in "
                f"{EVENTGRID_DOMAIN} are served, and any host given to add_host().",
                anchor="guide/intercepting/#hosts",
            )
        return NamespaceView(namespace)

    def _declare(
        self, topic: str, subscriptions: Iterable[str] | Mapping[str, Mapping[str, Any]]
    ) -> None:
        view = self.topic(topic)
        if isinstance(subscriptions, Mapping):
            for name, settings in subscriptions.items():
                view.subscription(name, **dict(settings or {}))
        else:
            for name in subscriptions:
                view.subscription(name)

    def _declare_basic(self, name: str, declaration: str | Mapping[str, Any] | None) -> None:
        if declaration is None or isinstance(declaration, str):
            self._basic_view(name, "topic", declaration)
            return
        self._basic_view(name, declaration.get("kind", "topic"), declaration.get("schema"))

    def topic(self, name: str) -> TopicView:
        """The topic `name` of this fake's own namespace, created if new."""
        _errors.name("topic(name)", name, TOPOLOGY_DOCS)
        return NamespaceView(self._default).topic(name)

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
        _errors.name(f"{helper}(name)", name, BASIC_DOCS)
        if schema is not None and schema not in SCHEMAS:
            raise usage_error(
                f"{helper}(schema=)", schema, one_of(SCHEMAS, schema), "guide/basic/#schemas"
            )
        topic = self._broker.declare_basic_topic(basic_host(name, self.region), kind, schema)
        return BasicTopicView(self._broker, topic, self._deliveries)

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

    def deliver(self, *, drain: bool = False) -> list[DeliveryAttempt]:
        """Push every due event to its webhook subscriptions, now.

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
        times: int | Default | None = DEFAULT,
        probability: float | None = None,
        optional: bool = False,
    ) -> Fault:
        """Script a fault: matching requests get `outcome` instead of the usual answer.

        `operation` is "publish", "receive", "acknowledge", "release", "reject",
        "renew_locks" or (Basic) "send", or None for any; `topic`, `subscription` and
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
        if isinstance(outcome, Outcome):
            outcomes: tuple[Outcome, ...] = (outcome,)
        elif isinstance(outcome, list | tuple):
            outcomes = tuple(outcome)
        else:
            hint = f" (for a status, write faults.status({outcome!r}))" if _is_int(outcome) else ""
            raise usage_error(
                "fail(outcome)",
                outcome,
                f"an outcome made by pytest_eventgrid.faults, or a list of them{hint}",
                "guide/failures/#outcomes",
            )
        if times is DEFAULT:
            times = None if probability is not None else max(len(outcomes), 1)
        fault = Fault(
            operation,
            outcomes,
            topic=topic,
            subscription=subscription,
            when=when,
            times=times,
            probability=probability,
            optional=optional,
        )
        return self._entry.add(fault)

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
        self._broker.chaos.configure(
            duplicates=duplicates,
            reorder=reorder,
            early_lock_expiry=early_lock_expiry,
            short_batches=short_batches,
            token_lost=token_lost,
        )
        return self._broker.chaos

    @property
    def faults(self) -> list[Fault]:
        """Every scripted fault, with how often it fired (`fired`, `requests`)."""
        return list(self._entry.faults)

    def verify_faults(self) -> None:
        """Fail (`AssertionError`) if a scripted fault never fired, unless optional.

        The `eventgrid` fixture calls this at teardown.
        """
        __tracebackhide__ = True
        unfired = self._entry.unfired()
        if unfired:
            lines = "\n".join(f"  - {fault.describe()}" for fault in unfired)
            raise AssertionError(
                f"{len(unfired)} scripted fault(s) never fired:\n{lines}\n"
                "No request they select was made. Fix the selector, drop the fault, or "
                "pass optional=True to fail() if the test may not reach it. "
                f"See {docs('guide/failures/#strictness')}"
            )

    # -- history and waiting -------------------------------------------------------------

    @property
    def timeline(self) -> list[JournalEntry]:
        """Every operation the fake served, in order, with virtual times."""
        return self._broker.journal.entries()

    def _scope(self) -> Scope:
        return Scope(self._broker.journal)

    def format_timeline(self) -> str:
        """The timeline as text, as the pytest failure report shows it; then, in words,
        the publishes that reached no subscription and the subscriptions received from
        but given nothing, with the topics they may have been meant for."""
        entries = self._broker.journal.entries()
        misses = explain_misses(entries, filters_of(self._broker), home=self.host)
        return "\n".join([format_timeline(entries), *misses])

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
        loop = asyncio.get_running_loop()
        deadline = self.clock.now() + timeout
        coordinator = autojump_for(self.clock, loop)
        while not condition():
            if self.clock.now() >= deadline:
                raise timeout_with_timeline(
                    f"The condition was still false after {timeout:g} virtual seconds.",
                    self.format_timeline(),
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
