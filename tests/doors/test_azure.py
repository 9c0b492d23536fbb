"""The conversion between azure-core requests and responses and the wire's values."""

from __future__ import annotations

import io
import json

import pytest
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.rest import HttpRequest

from pytest_eventgrid import EventGrid
from pytest_eventgrid._doors._azure import FakeHttpResponse, to_wire
from pytest_eventgrid._wire import WireResponse
from tests._clients import Door, resolve

URL = "https://ns.westus-1.eventgrid.azure.net/topics/t:publish?api-version=2024-06-01"


@pytest.mark.parametrize(
    ("content", "body"),
    [
        ({}, b""),
        ({"content": b"\x00raw"}, b"\x00raw"),
        ({"content": "héllo"}, "héllo".encode()),
        ({"json": {"a": 1}}, b'{"a": 1}'),
        ({"data": {"a": "b c"}}, b"a=b+c"),
        ({"content": io.BytesIO(b"from a file")}, b"from a file"),
        ({"content": iter([b"chunk1", "chunk2"])}, b"chunk1chunk2"),
    ],
    ids=["none", "bytes", "str", "json", "form", "file", "chunks"],
)
def test_a_request_body_becomes_bytes(content: dict[str, object], body: bytes) -> None:
    request = HttpRequest("post", URL, headers={"X-Test": "1"}, **content)  # type: ignore[arg-type]

    wire = to_wire(request)

    assert (wire.method, wire.url, wire.body) == ("POST", URL, body)
    assert wire.header("x-test") == "1"


def test_a_legacy_request_body_becomes_bytes() -> None:
    request = LegacyHttpRequest("POST", URL)
    request.set_json_body([{"id": "1"}])

    assert json.loads(to_wire(request).body) == [{"id": "1"}]


def test_a_response_keeps_status_headers_and_body() -> None:
    wire = WireResponse(599, {"Content-Type": "application/json", "broker-errorcode": "X"}, b"{}")

    response = FakeHttpResponse(HttpRequest("POST", URL), wire)

    assert (response.status_code, response.reason) == (599, "")
    assert (response.content_type, response.headers["Broker-ErrorCode"]) == (
        "application/json",
        "X",
    )
    assert response.json() == {}
    assert list(response.iter_bytes()) == [b"{}"]
    assert FakeHttpResponse(HttpRequest("POST", URL), WireResponse(404)).reason == "Not Found"


@pytest.mark.asyncio
@pytest.mark.parametrize("stream", [False, True], ids=["read", "stream"])
async def test_send_request_returns_a_readable_response(
    eventgrid: EventGrid, door: Door, stream: bool
) -> None:
    consumer = await door.consumer()
    request = HttpRequest(
        "POST",
        f"{eventgrid.endpoint}/topics/test-topic/eventsubscriptions/test-subscription:receive"
        "?api-version=2024-06-01&maxWaitTime=10",
    )

    response = await resolve(consumer.client.send_request(request, stream=stream))
    body = await resolve(response.read())
    await resolve(response.close())

    assert response.status_code == 200
    assert body == b'{"value":[]}'
    assert response.json() == {"value": []}
    assert eventgrid.clock.now() == 10


@pytest.mark.asyncio
async def test_transports_open_and_close_as_no_ops(eventgrid: EventGrid) -> None:
    before = eventgrid.timeline
    with eventgrid.transport() as transport:
        transport.open()
        transport.close()
    async with eventgrid.async_transport() as async_transport:
        await async_transport.open()
        await async_transport.close()

    assert eventgrid.timeline == before
