"""The edges of the wire: what a strict JSON parser refuses, how the service re-serialises
`data`, and events the views must read whatever they hold.

Lone surrogates and deep nesting get the fake's "not valid JSON" 400 (a guess, like the
other malformed-JSON answers: fidelity.md, Namespace guesses). Sorted `data` keys are
the service's (REC dotnet/Acknowledge.json: `{"Name", "Age"}` comes back as
`{"Age", "Name"}`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.messaging import CloudEvent

from pytest_eventgrid import EventGrid

from ._support import BATCH, SINGLE, Wire, cloud_event, error_view, service_error

LONE_SURROGATE = b'[{"id": "e1", "source": "/orders", "type": "T", "specversion": "1.0", '
NOT_UNICODE = (
    "The request body is not valid JSON: the string escape \\ud800 is a lone surrogate, "
    "not a Unicode character"
)
TOO_DEEP = "The request body is not valid JSON: it is nested more than 64 levels deep"


def bad_request(message: str) -> dict[str, object]:
    return service_error(400, "BadRequest", message)


def nested(depth: int) -> str:
    """A JSON value `depth` arrays deep."""
    return "[" * depth + "]" * depth


# -- strict JSON --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(LONE_SURROGATE + b'"data": "\\ud800"}]', id="in a value"),
        pytest.param(LONE_SURROGATE + b'"data": {"\\ud800": 1}}]', id="in a key"),
        pytest.param(LONE_SURROGATE + b'"data": "a\\ud800\\u0041"}]', id="high, then no low"),
    ],
)
def test_a_lone_surrogate_is_refused_at_publish(wire: Wire, body: bytes) -> None:
    before = wire.state()

    response = wire.publish(body)

    assert error_view(response) == bad_request(NOT_UNICODE)
    assert wire.state() == before


def test_a_surrogate_pair_is_a_character(wire: Wire) -> None:
    response = wire.publish(LONE_SURROGATE + b'"data": "\\ud83d\\ude00"}]')

    assert response.status == 200
    assert wire.receive_event()["data"] == "\U0001f600"


def test_a_lone_surrogate_sent_by_the_sdk_is_refused_and_blocks_no_neighbour() -> None:
    eventgrid = EventGrid()
    publisher, consumer = eventgrid.publisher(), eventgrid.consumer()

    with pytest.raises(HttpResponseError) as raised:
        publisher.send(CloudEvent(source="/orders", type="T", data={"note": "\ud800"}))
    publisher.send(CloudEvent(source="/orders", type="T", data={"note": "fine"}))

    assert raised.value.status_code == 400
    assert "lone surrogate" in str(raised.value.message)
    (received,) = consumer.receive()
    assert received.event.data == {"note": "fine"}


def test_a_lone_surrogate_in_a_lock_token_is_refused(wire: Wire) -> None:
    wire.seed()
    before = wire.state()

    response = wire.operation("acknowledge", body=b'{"lockTokens": ["\\udfff"]}')

    assert error_view(response) == bad_request(NOT_UNICODE.replace("\\ud800", "\\udfff"))
    assert wire.state() == before


def test_a_lone_surrogate_in_a_binary_mode_header_is_refused(wire: Wire) -> None:
    headers = {
        "ce-id": "e1",
        "ce-source": "/orders",
        "ce-type": "T\ud800",
        "ce-specversion": "1.0",
        "Content-Type": "text/plain",
    }

    response = wire.publish(b"hello", content_type=None, headers=headers)

    assert error_view(response) == bad_request(
        "The `ce-type` header is not valid text: \\ud800 is a lone surrogate"
    )
    assert wire.published() == []


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param(BATCH, f'[{{"data": {nested(1000)}}}]', id="batch"),
        pytest.param(SINGLE, f'{{"data": {nested(1000)}}}', id="single"),
        pytest.param(BATCH, nested(100_000), id="a hundred thousand"),
        pytest.param(BATCH, f'[{{"data": {nested(63)}}}]', id="just too deep"),
    ],
)
def test_json_nested_too_deep_is_refused(wire: Wire, content_type: str, body: str) -> None:
    response = wire.publish(body.encode(), content_type=content_type)

    assert error_view(response) == bad_request(TOO_DEEP)


def test_json_nested_64_levels_deep_is_accepted(wire: Wire) -> None:
    event = {**cloud_event(), "data": json.loads(nested(62))}

    response = wire.publish([event])

    assert response.status == 200
    assert wire.receive_event()["data"] == event["data"]


def test_a_settlement_nested_too_deep_is_refused(wire: Wire) -> None:
    wire.seed()

    response = wire.operation("release", body=f'{{"lockTokens": {nested(1000)}}}'.encode())

    assert error_view(response) == bad_request(TOO_DEEP)


def test_a_number_beyond_double_range_is_refused(wire: Wire) -> None:
    response = wire.publish(LONE_SURROGATE + b'"data": 1e400}]')

    assert error_view(response) == bad_request(
        "The request body is not valid JSON: the number 1e400 is out of range"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://[broken/topics/orders:publish?api-version=2024-06-01",
        "https://test-namespace.westus-1.eventgrid.azure.net/topics/\ud800:publish"
        "?api-version=2024-06-01",
    ],
    ids=["unparsable URL", "lone surrogate in the path"],
)
def test_an_odd_url_gets_an_answer(url: str) -> None:
    wire = Wire(auto_create=True)

    response = wire.send("POST", url, headers={"Content-Type": BATCH}, body=b"[")

    assert response.status in (400, 404)
    assert isinstance(response.json(), dict)


# -- data as the service re-serialises it ----------------------------------------------


def test_received_data_has_its_keys_sorted_at_every_depth() -> None:
    eventgrid = EventGrid()
    data = {
        "Field2": 2,
        "Field3": {"b": [{"z": 1, "a": 2}], "a": None},
        "Field1": "1",
    }

    eventgrid.publisher().send(CloudEvent(source="/orders", type="T", data=data))
    (received,) = eventgrid.consumer().receive()

    assert received.event.data == data
    assert list(received.event.data) == ["Field1", "Field2", "Field3"]
    assert list(received.event.data["Field3"]) == ["a", "b"]
    assert list(received.event.data["Field3"]["b"][0]) == ["a", "z"]


def test_binary_mode_json_data_has_its_keys_sorted(wire: Wire) -> None:
    headers = {
        "ce-id": "e1",
        "ce-source": "/orders",
        "ce-type": "T",
        "ce-specversion": "1.0",
        "Content-Type": "application/json",
    }

    wire.publish(b'{"b": 1, "a": {"d": 1, "c": 2}}', content_type=None, headers=headers)

    data = wire.receive_event()["data"]
    assert (list(data), list(data["a"])) == (["a", "b"], ["c", "d"])


# -- events the views must read ---------------------------------------------------------


def digit_extension_event(wire: Wire) -> dict[str, Any]:
    event = {**cloud_event(id="digits"), "123": "x", "a1": 2, "data": {"n": 1}}
    assert wire.publish([event]).status == 200
    return event


def test_an_extension_named_by_digits_only_is_accepted_and_viewed(wire: Wire) -> None:
    digit_extension_event(wire)
    topic = wire.eventgrid.topic("orders")
    billing = topic.subscription("billing")

    (published,) = topic.published
    (available,) = billing.available

    assert published.extensions == {"123": "x", "a1": 2}
    assert (available.id, available.extensions) == ("digits", {"123": "x", "a1": 2})


def test_the_assertions_read_an_extension_named_by_digits_only(wire: Wire) -> None:
    digit_extension_event(wire)
    topic = wire.eventgrid.topic("orders")

    topic.assert_published(id="digits")
    wire.eventgrid.assert_published(id="digits")
    wire.eventgrid.subscription("billing", topic="orders").assert_published(id="digits")
    (item,) = wire.receive()
    token = item["brokerProperties"]["lockToken"]
    wire.settle("acknowledge", [token])
    topic.subscription("billing").assert_acknowledged(id="digits", extensions={"123": "x", "a1": 2})
    assert [call.operation for call in topic.calls] == ["publish", "receive", "acknowledge"]
