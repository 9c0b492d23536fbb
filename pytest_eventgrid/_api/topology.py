"""Topology: the settings that declare what a fake holds from the start, checked, and
the views by which a test finds (and creates) its namespaces, topics and Basic topics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .. import _errors
from .._broker import Broker, Namespace
from .._broker._basic import KINDS as BASIC_KINDS
from .._broker._basic import SCHEMAS
from .._doors._webhooks import PushDeliveries
from .._errors import UsageError, in_context, one_of, usage_error
from .._wire._hosts import EVENTGRID_DOMAIN, NAMESPACE_NAME, REGION_NAME, basic_host, host_of
from . import routing
from .basic_views import BasicTopicView, DomainTopicView
from .views import NamespaceView, TopicView

DEFAULT_NAMESPACE = "test-namespace"
DEFAULT_REGION = "westus"
DEFAULT_TOPIC = "test-topic"
DEFAULT_SUBSCRIPTION = "test-subscription"
# A valid base64 key, so `azure.eventgrid.generate_sas` can sign tokens with it.
DEFAULT_KEY = "cHl0ZXN0LWV2ZW50Z3JpZC1mYWtlLWtleQ=="
MARKER_DOCS = "guide/#the-marker"
TOPOLOGY_DOCS = "guide/#topology"
BASIC_DOCS = "guide/basic/#topics-domains-and-partner-namespaces"
DECLARED_WEBHOOKS_DOCS = "guide/webhooks/#declared-subscriptions"
BASIC_KEYS = frozenset({"kind", "schema", "subscriptions"})
# What a declared webhook subscription may say: subscribe()'s keywords, and its
# destination as "endpoint".
WEBHOOK_KEYS = frozenset(
    {
        "endpoint",
        "url",
        "schema",
        "filter",
        "validate",
        "delivery_properties",
        "max_delivery_attempts",
        "event_time_to_live",
        "max_events_per_batch",
        "preferred_batch_size_in_kilobytes",
        "dead_letter",
    }
)

# What a declared namespace push subscription may say: the topic view's subscribe()
# keywords, its destination as "endpoint", and "delivery_mode".
PUSH_KEYS = frozenset(
    {
        "endpoint",
        "delivery_mode",
        "url",
        "filter",
        "validate",
        "delivery_properties",
        "max_delivery_count",
        "event_time_to_live",
        "max_events_per_batch",
        "preferred_batch_size_in_kilobytes",
        "dead_letter",
        "not_retried",
    }
)
DELIVERY_MODES = ("queue", "push")
NAMESPACE_PUSH_DOCS = "guide/namespace-push/#declared-subscriptions"

Topology = Mapping[str, Iterable[str] | Mapping[str, Mapping[str, Any]]]
BasicTopics = Mapping[str, str | Mapping[str, Any] | None]


def checked_namespace(namespace: object) -> str:
    """`namespace=`: a namespace name as the service allows it."""
    if not isinstance(namespace, str) or not NAMESPACE_NAME.fullmatch(namespace):
        raise usage_error(
            "namespace",
            namespace,
            "a namespace name, as the service allows: 3 to 50 letters, digits and hyphens "
            "(the first label of the endpoint, not a URL)",
            MARKER_DOCS,
        )
    return namespace


def checked_region(region: object) -> str:
    """`region=`: an Azure region name."""
    if not isinstance(region, str) or not REGION_NAME.fullmatch(region):
        raise usage_error(
            "region", region, "an Azure region name such as 'westus' or 'eastus2'", MARKER_DOCS
        )
    return region


def checked_key(key: object) -> str | None:
    """`key=`: an access key, or None to accept any."""
    if key is not None and (not isinstance(key, str) or not key):
        raise usage_error(
            "key", key, "an access key (a non-empty string), or None to accept any key", MARKER_DOCS
        )
    return key


def checked_topology(topics: object) -> dict[str, Mapping[str, Any]]:
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
            if settings is not None:
                _check_delivery_mode(settings, topic, name)
        topology[topic] = subscriptions
    return topology


def is_push(settings: Mapping[str, Any] | None) -> bool:
    """Whether declared subscription settings make a push subscription: an
    `endpoint`, or `delivery_mode` "push"."""
    return settings is not None and (
        "endpoint" in settings or str(settings.get("delivery_mode", "")).lower() == "push"
    )


def _check_delivery_mode(settings: Mapping[str, Any], topic: str, name: str) -> None:
    """`delivery_mode`, and a push subscription's shape: "endpoint" and the keys of
    subscribe(). The values are subscribe()'s (or the queue settings') to check."""
    where = f"topics={{{topic!r}: {{{name!r}: ...}}}}"
    mode = settings.get("delivery_mode", "push" if "endpoint" in settings else "queue")
    if not isinstance(mode, str) or mode.lower() not in DELIVERY_MODES:
        raise usage_error(
            f"{where} delivery_mode", mode, one_of(DELIVERY_MODES, mode), NAMESPACE_PUSH_DOCS
        )
    if mode.lower() == "queue":
        if "endpoint" in settings:
            raise usage_error(
                where,
                dict(settings),
                'queue settings without "endpoint", or delivery_mode "push"',
                NAMESPACE_PUSH_DOCS,
            )
        return
    unknown = sorted(set(map(str, settings)) - PUSH_KEYS)
    if unknown or "endpoint" not in settings:
        raise usage_error(
            where,
            dict(settings),
            'a push subscription: "endpoint" (the webhook\'s URL, or {"event_hub": name}) '
            f"and any of {', '.join(sorted(PUSH_KEYS - {'endpoint'}))}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else ""),
            NAMESPACE_PUSH_DOCS,
        )
    endpoint = settings["endpoint"]
    if isinstance(endpoint, str) and not endpoint.startswith(("http://", "https://")):
        raise usage_error(
            f"{where} endpoint",
            endpoint,
            "an http:// or https:// URL (or, from Python, an ASGI or WSGI app or a callable)",
            NAMESPACE_PUSH_DOCS,
        )
    if "validate" in settings:
        _errors.flag(f"{where} validate", settings["validate"], NAMESPACE_PUSH_DOCS)


def checked_basic_topics(basic_topics: object) -> dict[str, Any]:
    """`basic_topics=`, checked: names to a schema, None, or {"kind", "schema",
    "subscriptions", and for a domain "topics"}."""
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
        kind = declaration.get("kind", "topic") if isinstance(declaration, Mapping) else None
        allowed = BASIC_KEYS | ({"topics"} if kind == "domain" else set())
        if (
            not isinstance(declaration, Mapping)
            or set(map(str, declaration)) - allowed
            or kind not in BASIC_KINDS
        ):
            raise usage_error(
                _at(name),
                declaration,
                f"a schema name ({', '.join(SCHEMAS)}), None, or a mapping with `schema`, "
                f"`kind` ({', '.join(BASIC_KINDS)}), `subscriptions` and, for a domain, "
                "`topics`",
                BASIC_DOCS,
            )
        _check_webhooks(declaration.get("subscriptions"), name, "subscriptions")
        domain_topics = declaration.get("topics")
        if domain_topics is not None and not isinstance(domain_topics, Mapping):
            raise usage_error(
                _at(name, "topics"),
                domain_topics,
                "a mapping of domain topic name to its webhook subscriptions (or None)",
                DECLARED_WEBHOOKS_DOCS,
            )
        for topic, subscriptions in (domain_topics or {}).items():
            _errors.name(f"{_at(name, 'topics')} domain topic name", topic, DECLARED_WEBHOOKS_DOCS)
            _check_webhooks(subscriptions, name, "topics", topic)
    return dict(basic_topics)


def _at(*keys: object) -> str:
    """Where in `basic_topics=` a value is: `basic_topics={'shop': {'topics': ...}}`."""
    inner = "..."
    for key in reversed(keys):
        inner = f"{{{key!r}: {inner}}}"
    return f"basic_topics={inner}"


def _check_webhooks(subscriptions: object, *keys: object) -> None:
    """Webhook subscriptions as declared at `keys`: names to {"endpoint": ..., settings}.
    The settings' values are subscribe()'s to check, when the fake is built."""
    if subscriptions is None:
        return
    if not isinstance(subscriptions, Mapping):
        raise usage_error(
            _at(*keys),
            subscriptions,
            'a mapping of subscription name to {"endpoint": "<url>", ...settings}',
            DECLARED_WEBHOOKS_DOCS,
        )
    for name, declared in subscriptions.items():
        _errors.name(f"{_at(*keys)} subscription name", name, DECLARED_WEBHOOKS_DOCS)
        unknown = (
            sorted(set(map(str, declared)) - WEBHOOK_KEYS) if isinstance(declared, Mapping) else []
        )
        if not isinstance(declared, Mapping) or unknown or "endpoint" not in declared:
            raise usage_error(
                _at(*keys, name),
                declared,
                'a mapping with "endpoint" (the webhook\'s URL) and any of '
                f"{', '.join(sorted(WEBHOOK_KEYS - {'endpoint'}))}"
                + (f" (unknown: {', '.join(unknown)})" if unknown else ""),
                DECLARED_WEBHOOKS_DOCS,
            )
        endpoint = declared["endpoint"]
        if isinstance(endpoint, Mapping):
            routing.check_declared_destination(_at(*keys, name, "endpoint"), endpoint)
        if isinstance(endpoint, str) and not endpoint.startswith(("http://", "https://")):
            raise usage_error(
                _at(*keys, name, "endpoint"),
                endpoint,
                "an http:// or https:// URL (or, from Python, an ASGI or WSGI app or a callable)",
                DECLARED_WEBHOOKS_DOCS,
            )
        if "validate" in declared:
            _errors.flag(_at(*keys, name, "validate"), declared["validate"], DECLARED_WEBHOOKS_DOCS)


class TopologyViews:
    """The views of one fake's namespaces, topics and Basic topics; what a view names
    is created on first use."""

    def __init__(
        self, broker: Broker, deliveries: PushDeliveries, home: Namespace, region: str
    ) -> None:
        self._broker = broker
        self._deliveries = deliveries
        self._home = home
        self._region = region

    def namespace(self, host: str | None) -> NamespaceView:
        """The namespace behind `host` (a host or URL), or the fake's own for None."""
        if host is None:
            return NamespaceView(self._home)
        namespace = self._broker.namespace_for(host_of(host))
        if namespace is None:
            raise usage_error(
                f"{host!r} is not an Event Grid host this fake serves. Hosts ending in "
                f"{EVENTGRID_DOMAIN} are served, and any host given to add_host().",
                anchor="guide/intercepting/#hosts",
            )
        return NamespaceView(namespace)

    def add_host(self, host: str) -> NamespaceView:
        """Serve `host` (a host or URL) too, as a namespace of its own."""
        return NamespaceView(self._broker.declare_namespace(host_of(host)))

    def namespaces(self) -> list[NamespaceView]:
        """Every namespace served so far, the fake's own first."""
        with self._broker.lock:
            namespaces = list(self._broker.namespaces.values())
        return [NamespaceView(namespace) for namespace in namespaces]

    def topic(self, name: str) -> TopicView:
        """The topic `name` of the fake's own namespace."""
        _errors.name("topic(name)", name, TOPOLOGY_DOCS)
        return NamespaceView(self._home).topic(name)

    def basic(
        self, name: str, kind: str | None, schema: str | None, helper: str = "basic_topics"
    ) -> BasicTopicView:
        """The Basic topic, domain or partner namespace `name` (of `kind`; None: any, or a
        custom topic if new), `helper` being the public name the caller was given as."""
        _errors.name(f"{helper}(name)", name, BASIC_DOCS)
        if schema is not None and schema not in SCHEMAS:
            raise usage_error(
                f"{helper}(schema=)", schema, one_of(SCHEMAS, schema), "guide/basic/#schemas"
            )
        topic = self._broker.declare_basic_topic(basic_host(name, self._region), kind, schema)
        return BasicTopicView(self._broker, topic, self._deliveries)

    def basic_topics(self) -> list[BasicTopicView]:
        """Every Basic topic, domain and partner namespace so far, in creation order."""
        with self._broker.lock:
            topics = list(self._broker.basic_topics.values())
        return [BasicTopicView(self._broker, topic, self._deliveries) for topic in topics]

    def declare(
        self, topology: Mapping[str, Mapping[str, Any]], basic_topics: Mapping[str, Any]
    ) -> None:
        """Create what `topics=` and `basic_topics=` (both checked) declare."""
        for topic, subscriptions in topology.items():
            view = self.topic(topic)
            for name, settings in subscriptions.items():
                if is_push(settings):
                    self._declare_push(view, name, settings)
                    continue
                queue_settings = dict(settings or {})
                queue_settings.pop("delivery_mode", None)
                view.subscription(name, **queue_settings)
        for name, declaration in basic_topics.items():
            if declaration is None or isinstance(declaration, str):
                self.basic(name, "topic", declaration)
                continue
            basic = self.basic(name, declaration.get("kind", "topic"), declaration.get("schema"))
            self._declare_webhooks(basic, declaration.get("subscriptions"), name, "subscriptions")
            for topic, subscriptions in (declaration.get("topics") or {}).items():
                self._declare_webhooks(basic.topic(topic), subscriptions, name, "topics", topic)

    def declared_endpoint(self, endpoint: object) -> object:
        """A declared endpoint as `subscribe()` takes it: `{"namespace_topic": "orders"}`
        is that topic of the fake's own namespace."""
        return routing.declared_destination(endpoint, self._home)

    def _declare_push(self, view: TopicView, name: str, declared: Mapping[str, Any]) -> None:
        """A declared namespace push subscription; its handshake waits for the next
        delivery, as a declared Basic one does."""
        settings = dict(declared)
        settings.pop("delivery_mode", None)
        endpoint = settings.pop("endpoint")
        validate = settings.pop("validate", True)
        try:
            created = view.subscribe(name, endpoint, validate=False, **settings)
        except UsageError as error:
            raise in_context(f"topics={{{view.name!r}: {{{name!r}: ...}}}}", error) from None
        if validate and not isinstance(endpoint, Mapping):  # an event hub: no handshake
            with self._broker.lock:
                created._subscription.validation = "pending"

    def _declare_webhooks(
        self, view: BasicTopicView | DomainTopicView, subscriptions: Any, *keys: object
    ) -> None:
        """Subscribe as declared. The handshake is not made now: it is the first thing
        the next delivery does (`deliver()`, or the server's own push), so that building
        a fake never waits on the network."""
        for name, declared in (subscriptions or {}).items():
            settings = dict(declared)
            endpoint = self.declared_endpoint(settings.pop("endpoint"))
            validate = settings.pop("validate", True)
            try:
                created = view.subscribe(name, endpoint, validate=False, **settings)
            except UsageError as error:
                raise in_context(_at(*keys, name), error) from None
            if validate and not routing.is_declared_destination(declared["endpoint"]):
                # Subscribed unchecked, then marked as still to shake hands.
                with self._broker.lock:
                    created._subscription.validation = "pending"
