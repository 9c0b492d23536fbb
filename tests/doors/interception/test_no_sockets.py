"""Event Grid requests never touch the network: with sockets blocked they still succeed."""

from __future__ import annotations

import pytest

from . import _shop
from ._helpers import PUBLISH_API, assert_blocked, cloud_event_json, ids, result_of

PUBLISH_URL = f"{_shop.ENDPOINT}/topics/{_shop.TOPIC}:publish{PUBLISH_API}"
STRUCTURED = {"content-type": "application/cloudevents+json; charset=utf-8"}


def publish_raw(http_client, event_id: str):
    return http_client.post(PUBLISH_URL, json=cloud_event_json(event_id), headers=STRUCTURED)


# Without a fake, the blocker stops the very requests that the tests below make.


@pytest.mark.asyncio
async def test_without_a_fake_the_blocker_stops_the_shop(no_sockets, make_shop):
    await assert_blocked(lambda: make_shop().publish("N-1"))


@pytest.mark.asyncio
async def test_without_a_fake_the_blocker_stops_raw_httpx(no_sockets, http_client):
    await assert_blocked(lambda: publish_raw(http_client, "N-1"))


@pytest.mark.asyncio
async def test_the_shop_opens_no_socket(eventgrid, make_shop, no_sockets):
    billing = (
        eventgrid.namespace(_shop.ENDPOINT).topic(_shop.TOPIC).subscription(_shop.SUBSCRIPTION)
    )
    shop = make_shop()

    await result_of(shop.publish("A-1"))
    assert await result_of(shop.take_orders()) == ["A-1"]
    assert await result_of(shop.take_orders()) == []  # a long-poll that times out
    await result_of(shop.publish_basic("B-1"))

    assert ids(billing.acknowledged) == ["A-1"]
    assert ids(eventgrid.basic_topic(_shop.BASIC_ENDPOINT).published) == ["B-1"]


@pytest.mark.asyncio
async def test_raw_httpx_opens_no_socket(eventgrid, http_client, no_sockets):
    response = await result_of(publish_raw(http_client, "R-1"))

    assert response.status_code == 200
    assert ids(eventgrid.namespace(_shop.ENDPOINT).topic(_shop.TOPIC).published) == ["R-1"]
