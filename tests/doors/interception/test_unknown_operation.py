"""A request the fake has no route for gets a 404 that says what it can serve."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from azure.core.credentials import AzureKeyCredential
from azure.core.rest import HttpRequest
from azure.eventgrid import EventGridPublisherClient, aio

from . import _shop
from ._helpers import cannot_serve, result_of

HOST = "my-namespace.westus-1.eventgrid.azure.net"
PEEK_URL = f"https://{HOST}/topics/t:peek?api-version=2024-06-01"

PEEK_MESSAGE = f"""\
pytest-eventgrid cannot serve POST {PEEK_URL}
On host '{HOST}' the fake Event Grid serves:
  - POST /topics/{{topic}}:publish
  - POST /topics/{{topic}}/eventsubscriptions/{{subscription}}:receive
  - POST /topics/{{topic}}/eventsubscriptions/{{subscription}}:acknowledge
  - POST /topics/{{topic}}/eventsubscriptions/{{subscription}}:release
  - POST /topics/{{topic}}/eventsubscriptions/{{subscription}}:reject
  - POST /topics/{{topic}}/eventsubscriptions/{{subscription}}:renewLock
See https://pytest-eventgrid.readthedocs.io/en/latest/fidelity/#unsupported-requests"""


@pytest_asyncio.fixture(
    params=[EventGridPublisherClient, aio.EventGridPublisherClient], ids=["sync", "aio"]
)
async def sdk_client(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A publisher the test builds itself, sync or async, for `send_request`."""
    client = request.param(_shop.ENDPOINT, AzureKeyCredential("access_key"), namespace_topic="t")
    yield client
    await result_of(client.close())


def assert_cannot_serve(status: int, headers: Any, body: Any, message: str) -> None:
    assert status == 404
    assert headers["broker-errorcode"] == "NotFound"
    assert body["error"]["code"] == "NotFound"
    assert body["error"]["message"] == message


def test_the_message_is_pinned():
    assert cannot_serve("POST", PEEK_URL, HOST) == PEEK_MESSAGE


@pytest.mark.asyncio
async def test_raw_httpx_gets_the_message(eventgrid, http_client):
    response = await result_of(http_client.post(PEEK_URL, json={}))

    assert_cannot_serve(response.status_code, response.headers, response.json(), PEEK_MESSAGE)


@pytest.mark.asyncio
async def test_the_sdks_send_request_gets_the_message(eventgrid, sdk_client):
    request = HttpRequest("POST", "/topics/t:peek", params={"api-version": "2024-06-01"}, json={})

    response = await result_of(sdk_client.send_request(request))

    assert_cannot_serve(response.status_code, response.headers, response.json(), PEEK_MESSAGE)


@pytest.mark.asyncio
async def test_an_unserved_method_is_named_in_the_message(eventgrid, http_client):
    url = f"https://{HOST}/topics/orders:publish?api-version=2024-06-01"

    response = await result_of(http_client.get(url))

    message = cannot_serve("GET", url, HOST)
    assert_cannot_serve(response.status_code, response.headers, response.json(), message)


@pytest.mark.asyncio
async def test_the_timeline_records_the_unserved_request(eventgrid, http_client):
    await result_of(http_client.post(PEEK_URL, json={}))

    last = eventgrid.timeline[-1]
    assert (last.operation, last.namespace, last.status, last.detail) == (
        "POST /topics/t:peek",
        HOST,
        404,
        f"NotFound: pytest-eventgrid cannot serve POST {PEEK_URL}",
    )
