"""Host resolution, the broker's policy: which namespace or Basic topic a host is."""

from __future__ import annotations

import pytest

from pytest_eventgrid import UsageError
from pytest_eventgrid._broker import Broker, Clock, IdGenerator, SubscriptionSettings

NAMESPACE = "ns.westus-1.eventgrid.azure.net"
SHOP = "shop.westus-1.eventgrid.azure.net"
CUSTOM = "events.contoso.com"


def make_broker(**policy: object) -> Broker:
    return Broker(Clock(autojump=False), IdGenerator(0), **policy)  # type: ignore[arg-type]


def test_a_new_namespace_gets_the_brokers_policy() -> None:
    defaults = SubscriptionSettings().updated(lock_duration=120)
    broker = make_broker(auto_create=False, key="k", defaults=defaults)

    namespace = broker.namespace_for(NAMESPACE, create=True)

    assert namespace is not None
    assert (namespace.auto_create, namespace.key, namespace.defaults) == (False, "k", defaults)


def test_the_wire_resolves_a_new_host_without_the_broker_holding_it() -> None:
    broker = make_broker()

    found = broker.namespace_for(NAMESPACE, create=False)

    assert found is not None
    assert broker.namespaces == {}
    with broker.lock:
        assert broker.adopt_namespace(found) is found
    assert broker.namespaces == {NAMESPACE: found}


def test_a_host_outside_the_domain_is_served_only_once_declared() -> None:
    broker = make_broker()

    assert broker.namespace_for(CUSTOM) is None
    assert not broker.serves(CUSTOM)
    declared = broker.declare_namespace(CUSTOM)

    assert broker.namespace_for(CUSTOM) is declared
    assert broker.serves(CUSTOM.upper())


def test_a_basic_publish_to_a_new_host_gives_a_custom_topic_held_once_served() -> None:
    broker = make_broker(key="k")

    topic = broker.basic_topic_for(SHOP, create=True)

    assert topic is not None
    assert (topic.kind, topic.key, broker.basic_topics) == ("topic", "k", {})
    with broker.lock:
        assert broker.adopt_basic_topic(topic) is topic
    assert broker.basic_topic_for(SHOP, create=False) is topic


@pytest.mark.parametrize(
    ("host", "policy"),
    [(SHOP, {"auto_create": False}), (CUSTOM, {}), (NAMESPACE, {})],
    ids=["without auto_create", "outside the domain", "a namespace"],
)
def test_no_custom_topic_is_made_up(host: str, policy: dict[str, object]) -> None:
    broker = make_broker(**policy)
    broker.namespace(NAMESPACE)

    assert broker.basic_topic_for(host, create=True) is None


def test_a_host_is_one_kind_only() -> None:
    broker = make_broker()
    broker.declare_basic_topic(SHOP, "domain", None)
    broker.namespace(NAMESPACE)

    with pytest.raises(UsageError, match="is a Basic domain already"):
        broker.namespace_for(SHOP)
    with pytest.raises(UsageError, match="is a Basic domain already"):
        broker.declare_namespace(SHOP)
    with pytest.raises(UsageError, match="is a domain already; it cannot also be a topic"):
        broker.declare_basic_topic(SHOP, "topic", None)
    with pytest.raises(UsageError, match="is a namespace already"):
        broker.declare_basic_topic(NAMESPACE, None, None)


def test_declaring_a_basic_topic_again_may_set_its_schema() -> None:
    broker = make_broker()
    first = broker.declare_basic_topic(SHOP, None, None)

    again = broker.declare_basic_topic(SHOP, None, "cloudevents")

    assert again is first
    assert (first.kind, first.schema) == ("topic", "cloudevents")
