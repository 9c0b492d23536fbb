"""Requests for hosts the fake does not serve go where they would have gone anyway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import respx
from azure.core import AsyncPipelineClient, PipelineClient
from azure.core.pipeline.transport import AioHttpTransport, RequestsTransport
from azure.core.rest import HttpRequest

from . import _shop
from ._helpers import PUBLISH_API, LoopbackServer, cloud_event_json, ids, result_of

PUBLISH_URL = f"{_shop.ENDPOINT}/topics/{_shop.TOPIC}:publish{PUBLISH_API}"
STRUCTURED = {"content-type": "application/cloudevents+json; charset=utf-8"}


def served_operations(eventgrid) -> list[str]:
    """What the fake answered, leaving out its own topology set-up."""
    return [
        entry.operation
        for entry in eventgrid.timeline
        if entry.operation not in {"create_topic", "create_subscription"}
    ]


async def publish_raw(http_client: Any, event_id: str) -> httpx.Response:
    """Publish one event the way code without the SDK would, with raw httpx."""
    return await result_of(
        http_client.post(PUBLISH_URL, json=cloud_event_json(event_id), headers=STRUCTURED)
    )


@pytest_asyncio.fixture(params=["requests", "aiohttp"])
async def pipeline_client(
    request: pytest.FixtureRequest, loopback: LoopbackServer
) -> AsyncIterator[Any]:
    """An azure-core client with a real network transport: requests, or aiohttp."""
    if request.param == "requests":
        with PipelineClient(loopback.url, transport=RequestsTransport()) as client:
            yield client
    else:
        async with AsyncPipelineClient(loopback.url, transport=AioHttpTransport()) as client:
            yield client


@pytest.mark.asyncio
async def test_an_azure_core_client_still_reaches_other_hosts(eventgrid, pipeline_client, loopback):
    request = HttpRequest("GET", f"{loopback.url}/hello")

    response = await result_of(pipeline_client.send_request(request))

    assert (response.status_code, response.text()) == (200, "GET /hello")
    assert loopback.seen == ["GET /hello"]
    assert served_operations(eventgrid) == []


@pytest.mark.asyncio
async def test_raw_httpx_still_reaches_other_hosts(eventgrid, http_client, loopback):
    response = await result_of(http_client.post(f"{loopback.url}/hooks", content=b"{}"))

    assert (response.status_code, response.text) == (200, "POST /hooks")
    assert loopback.seen == ["POST /hooks"]
    assert served_operations(eventgrid) == []


@pytest.mark.asyncio
async def test_raw_httpx_reaches_the_fake_for_event_grid_hosts(eventgrid, http_client):
    response = await publish_raw(http_client, "R-1")

    assert (response.status_code, response.json()) == (200, {})
    assert ids(eventgrid.namespace(_shop.ENDPOINT).topic(_shop.TOPIC).published) == ["R-1"]


@pytest.mark.asyncio
async def test_raw_httpx_reaches_the_fake_for_an_added_host(eventgrid, http_client):
    contoso = eventgrid.add_host("events.contoso.com")
    url = f"https://events.contoso.com/topics/{_shop.TOPIC}:publish{PUBLISH_API}"

    response = await result_of(
        http_client.post(url, json=cloud_event_json("C-1"), headers=STRUCTURED)
    )

    assert response.status_code == 200
    assert ids(contoso.topic(_shop.TOPIC).published) == ["C-1"]


# -- a user's own respx routes ----------------------------------------------------------------

FIXTURE_ORDERS = pytest.mark.parametrize(
    "fixture_order",
    [("respx_mock", "eventgrid"), ("eventgrid", "respx_mock")],
    ids=["respx-first", "eventgrid-first"],
)
RESPX_MOCKERS = pytest.mark.parametrize(
    "using", ["httpcore", "httpx"], ids=["using-httpcore", "using-httpx"]
)


@pytest.fixture
def started(request: pytest.FixtureRequest, fixture_order, using):
    """`respx_mock` (with `using`) and `eventgrid`, started in `fixture_order`."""
    request.applymarker(pytest.mark.respx(using=using))
    return {name: request.getfixturevalue(name) for name in fixture_order}


@FIXTURE_ORDERS
@RESPX_MOCKERS
@pytest.mark.asyncio
async def test_a_users_respx_routes_answer_beside_the_fake(started, http_client):
    respx_mock, eventgrid = started["respx_mock"], started["eventgrid"]
    shop_api = respx_mock.get("https://example.com/api/orders").respond(200, json=["O-1"])

    answer = await result_of(http_client.get("https://example.com/api/orders"))
    published = await publish_raw(http_client, "R-1")

    assert (answer.status_code, answer.json()) == (200, ["O-1"])
    assert shop_api.call_count == 1
    assert published.status_code == 200
    assert ids(eventgrid.namespace(_shop.ENDPOINT).topic(_shop.TOPIC).published) == ["R-1"]


@pytest.mark.parametrize(
    ("fixture_order", "using"),
    [
        pytest.param(("respx_mock", "eventgrid"), "httpx", id="respx-first-using-httpx"),
        pytest.param(("respx_mock", "eventgrid"), "httpcore", id="respx-first-using-httpcore"),
        pytest.param(("eventgrid", "respx_mock"), "httpx", id="eventgrid-first-using-httpx"),
        pytest.param(("eventgrid", "respx_mock"), "httpcore", id="eventgrid-first-using-httpcore"),
    ],
)
@pytest.mark.asyncio
async def test_a_users_respx_mock_still_refuses_unmocked_hosts(started, http_client, loopback):
    with pytest.raises(respx.models.AllMockedAssertionError):
        await result_of(http_client.get(f"{loopback.url}/unmocked"))

    assert loopback.seen == []
