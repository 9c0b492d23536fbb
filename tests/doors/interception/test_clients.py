"""Clients that the code under test builds itself, with no `transport=`, reach the fake."""

from __future__ import annotations

import pytest

from pytest_eventgrid import EventGrid, mock_eventgrid

from . import _shop
from ._helpers import ids, result_of


@pytest.mark.asyncio
async def test_the_publisher_and_consumer_the_code_builds_reach_the_fake(eventgrid, make_shop):
    billing = (
        eventgrid.namespace(_shop.ENDPOINT).topic(_shop.TOPIC).subscription(_shop.SUBSCRIPTION)
    )
    shop = make_shop()

    await result_of(shop.publish("A-1", "A-2"))

    assert await result_of(shop.take_orders()) == ["A-1", "A-2"]
    assert ids(billing.acknowledged) == ["A-1", "A-2"]
    assert billing.locked == []


@pytest.mark.asyncio
async def test_each_host_is_a_namespace_of_its_own(eventgrid, make_shop):
    await result_of(make_shop(_shop.ENDPOINT).publish("A-1"))
    await result_of(make_shop(_shop.OTHER_ENDPOINT).publish("B-1"))

    mine = eventgrid.namespace(_shop.ENDPOINT)
    other = eventgrid.namespace(_shop.OTHER_ENDPOINT)
    assert mine.host == "my-namespace.westus-1.eventgrid.azure.net"
    assert other.host == "other-namespace.eastus-1.eventgrid.azure.net"
    assert ids(mine.topic(_shop.TOPIC).published) == ["A-1"]
    assert ids(other.topic(_shop.TOPIC).published) == ["B-1"]
    assert ids(eventgrid.topic(_shop.TOPIC).published) == []  # the fake's own namespace


@pytest.mark.asyncio
async def test_the_basic_publisher_reaches_the_fake(eventgrid, make_shop):
    # The sync Basic client ignores transport=: only interception can reach it.
    await result_of(make_shop().publish_basic("B-1"))

    topic = eventgrid.basic_topic(_shop.BASIC_ENDPOINT)
    assert topic.host == "t.westus-1.eventgrid.azure.net"
    assert ids(topic.published) == ["B-1"]
    last = eventgrid.timeline[-1]
    assert (last.operation, last.namespace, last.status) == (
        "send",
        "t.westus-1.eventgrid.azure.net",
        200,
    )


@pytest.mark.asyncio
async def test_a_client_built_at_import_time_reaches_the_fake(eventgrid, import_time_shop):
    await result_of(import_time_shop.publish("I-1"))

    assert ids(eventgrid.namespace(_shop.ENDPOINT).topic(_shop.TOPIC).published) == ["I-1"]


@pytest.mark.asyncio
async def test_a_client_built_before_the_fake_started_reaches_it(make_shop):
    shop = make_shop()

    with mock_eventgrid() as fake:
        await result_of(shop.publish("P-1"))

    assert ids(fake.namespace(_shop.ENDPOINT).topic(_shop.TOPIC).published) == ["P-1"]


@pytest.mark.asyncio
async def test_a_host_given_to_add_host_reaches_the_fake(eventgrid: EventGrid, make_shop):
    contoso = eventgrid.add_host("events.contoso.com")
    assert eventgrid.serves("events.contoso.com")

    await result_of(make_shop("https://events.contoso.com").publish("C-1"))

    assert contoso.host == "events.contoso.com"
    assert ids(contoso.topic(_shop.TOPIC).published) == ["C-1"]
    assert ids(eventgrid.namespace("events.contoso.com").topic(_shop.TOPIC).published) == ["C-1"]
