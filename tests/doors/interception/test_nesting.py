"""Active fakes nest: the innermost one that serves a host answers it."""

from __future__ import annotations

import pytest
from azure.core.messaging import CloudEvent

from pytest_eventgrid import mock_eventgrid
from pytest_eventgrid._doors import is_installed

from . import _shop
from ._helpers import ids, result_of


def published(fake, endpoint: str = _shop.ENDPOINT) -> list[str]:
    return ids(fake.namespace(endpoint).topic(_shop.TOPIC).published)


@pytest.mark.asyncio
async def test_a_nested_fake_serves_inside_and_the_outer_one_again_after(eventgrid, make_shop):
    shop = make_shop()

    await result_of(shop.publish("outer-1"))
    with mock_eventgrid() as inner:
        await result_of(shop.publish("inner-1"))
    await result_of(shop.publish("outer-2"))

    assert published(eventgrid) == ["outer-1", "outer-2"]
    assert published(inner) == ["inner-1"]
    assert is_installed()


@pytest.mark.asyncio
async def test_a_host_only_the_outer_fake_serves_still_reaches_it(eventgrid, make_shop):
    eventgrid.add_host("events.contoso.com")
    shop = make_shop("https://events.contoso.com")

    with mock_eventgrid() as inner:
        await result_of(shop.publish("C-1"))

    assert not inner.serves("events.contoso.com")
    assert published(eventgrid, "events.contoso.com") == ["C-1"]


@pytest.mark.asyncio
async def test_a_client_given_a_fakes_transport_keeps_that_fake_inside_a_nested_one(
    eventgrid, eventgrid_publisher, eventgrid_publisher_sync
):
    event = CloudEvent(source="s", type="T", data={})
    with mock_eventgrid() as inner:
        eventgrid_publisher_sync.send(event)
        await eventgrid_publisher.send(event)

    assert len(eventgrid.topic(eventgrid.default_topic).published) == 2
    assert inner.topic(inner.default_topic).published == []
