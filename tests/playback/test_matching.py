"""How playback matches requests to recorded entries, and what it says when none fits."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.core.exceptions import ResourceNotFoundError

from pytest_eventgrid import UsageError
from pytest_eventgrid.recordings import load_test_proxy, playback

from ._driver import Clients, result_of

HOST = "https://fake.eastus-1.eventgrid.azure.net"
SUBSCRIPTION = f"{HOST}/topics/orders/eventsubscriptions/billing"
API = "api-version=2024-06-01"
DOCS = "https://pytest-eventgrid.readthedocs.io/en/latest"


def entry(url: str, body: Any = None, status: int = 200, answer: Any = None) -> dict[str, Any]:
    """A test-proxy entry, as the recorder writes it."""
    return {
        "RequestUri": url,
        "RequestMethod": "POST",
        "RequestHeaders": {"Authorization": "Sanitized", "Content-Type": "application/json"},
        "RequestBody": body,
        "StatusCode": status,
        "ResponseHeaders": {"Content-Type": "application/json; charset=utf-8"},
        "ResponseBody": answer,
    }


def received(token: str, count: int = 1) -> dict[str, Any]:
    event = {"specversion": "1.0", "id": token, "source": "shop", "type": "Order.Created"}
    return {
        "value": [
            {"brokerProperties": {"lockToken": token, "deliveryCount": count}, "event": event}
        ]
    }


def recording(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"Entries": list(entries), "Variables": {}}


def receive(max_events: int = 1) -> dict[str, Any]:
    return entry(f"{SUBSCRIPTION}:receive?{API}&maxEvents={max_events}", answer=received("t-1"))


@pytest.mark.asyncio
async def test_identical_receives_take_the_recorded_answers_in_order(clients: Clients) -> None:
    first = entry(f"{SUBSCRIPTION}:receive?{API}", answer=received("t-1"))
    again = entry(f"{SUBSCRIPTION}:receive?{API}", answer=received("t-1b", count=2))
    async with playback(recording(first, again)) as player:
        consumer = await clients.consumer_for(HOST, "orders", "billing")
        answers = [await result_of(consumer.receive()) for _ in range(2)]
        with pytest.raises(ResourceNotFoundError) as third:
            await result_of(consumer.receive())

    tokens = [
        (d.broker_properties.lock_token, d.broker_properties.delivery_count)
        for d in answers[0] + answers[1]
    ]
    assert tokens == [("t-1", 1), ("t-1b", 2)]
    assert [e.index for e in player.played] == [0, 1]
    assert player.unused == []
    assert "    already played (each recorded entry answers once)" in third.value.message


@pytest.mark.asyncio
async def test_unused_lists_what_was_never_played(clients: Clients) -> None:
    ack = entry(
        f"{SUBSCRIPTION}:acknowledge?{API}",
        {"lockTokens": ["t-1"]},
        answer={"succeededLockTokens": ["t-1"], "failedLockTokens": []},
    )
    async with playback(recording(receive(), ack)) as player:
        consumer = await clients.consumer_for(HOST, "orders", "billing")
        await result_of(consumer.receive(max_events=1))

    assert [e.index for e in player.played] == [0]
    assert [e.index for e in player.unused] == [1]
    assert str(player.unused[0]) == f"#1 POST {SUBSCRIPTION}:acknowledge?{API} -> 200"


@pytest.mark.asyncio
async def test_a_request_nothing_matches_gets_a_404_that_says_what_differed(
    clients: Clients,
) -> None:
    async with playback(recording(receive(max_events=1))) as player:
        consumer = await clients.consumer_for(
            HOST, "orders", "billing", api_version="2023-10-01-preview"
        )
        with pytest.raises(ResourceNotFoundError) as raised:
            await result_of(consumer.receive(max_events=5))

    sent = f"{SUBSCRIPTION}:receive?api-version=2023-10-01-preview&maxEvents=5"
    message = (
        f"pytest-eventgrid playback has no recorded answer for POST {sent}\n"
        "Closest recorded entries:\n"
        f"  #0 POST {SUBSCRIPTION}:receive?{API}&maxEvents=1 -> 200\n"
        "    api-version: '2024-06-01' recorded, '2023-10-01-preview' sent\n"
        "    query: maxEvents=1 recorded, maxEvents=5 sent\n"
        f"See {DOCS}/guide/playback/#mismatches"
    )
    assert raised.value.status_code == 404
    assert raised.value.error is not None
    assert (raised.value.error.code, raised.value.error.message) == ("PlaybackMismatch", message)
    assert player.mismatches == [message]
    assert [e.index for e in player.unused] == [0]


def post(url: str, body: Any) -> httpx.Response:
    """A raw REST call; interception routes httpx to the player too."""
    return httpx.post(url, json=body)


def test_the_mismatch_names_the_operation_and_the_first_body_difference() -> None:
    publish = entry(
        f"{HOST}/topics/orders:publish?{API}",
        [{"specversion": "1.0", "id": "1", "source": "shop", "type": "A"}],
        answer={},
    )
    settle = entry(
        f"{SUBSCRIPTION}:acknowledge?{API}",
        {"lockTokens": ["a", "b"]},
        answer={"succeededLockTokens": ["a", "b"], "failedLockTokens": []},
    )
    with playback(recording(publish, settle)) as player:
        wrong_type = post(
            f"{HOST}/topics/orders:publish?{API}",
            [{"specversion": "1.0", "id": "1", "source": "shop", "type": "B"}],
        )
        one_token = post(f"{SUBSCRIPTION}:acknowledge?{API}", {"lockTokens": ["a"]})
        wrong_operation = post(f"{SUBSCRIPTION}:reject?{API}", {"lockTokens": ["a", "b"]})

    assert [r.status_code for r in (wrong_type, one_token, wrong_operation)] == [404, 404, 404]
    assert wrong_type.headers["broker-errorcode"] == "PlaybackMismatch"
    assert "    body: 'A' recorded, 'B' sent at '[0].type'\n" in player.mismatches[0]
    assert "    body: 2 lock tokens recorded, 1 lock token sent\n" in player.mismatches[1]
    assert "    operation: 'acknowledge' recorded, 'reject' sent\n" in player.mismatches[2]


def test_matching_ignores_host_headers_ids_times_trace_context_and_token_values() -> None:
    recorded_event = {
        "specversion": "1.0",
        "id": "x",
        "time": "2024-01-01T00:00:00Z",
        "source": "shop",
        "type": "A",
    }
    publish = entry(
        "https://Sanitized.eastus-1.eventgrid.azure.net/api/events/topics/orders:publish?" + API,
        json.dumps([recorded_event]),
        answer={},
    )
    settle = entry(
        f"{SUBSCRIPTION}:release?{API}",
        {"lockTokens": ["Sanitized"]},
        answer={"succeededLockTokens": ["Sanitized"], "failedLockTokens": []},
    )
    sent_event = {
        **recorded_event,
        "id": "fresh",
        "time": "2025-06-01T10:00:00Z",
        "traceparent": "00-ab-cd-01",
    }
    with playback(recording(publish, settle)) as player:
        published = httpx.post(
            f"https://my-ns.westus-1.eventgrid.azure.net/topics/orders:publish?{API}",
            json=sent_event,
            headers={"Authorization": "SharedAccessKey real"},
        )
        released = post(f"{SUBSCRIPTION}:release?{API}", {"lockTokens": ["real-token"]})

    assert (published.status_code, published.json()) == (200, {})
    assert released.json() == {"succeededLockTokens": ["Sanitized"], "failedLockTokens": []}
    assert player.mismatches == []
    assert player.unused == []


def test_recorded_bodies_become_the_bytes_that_travelled(tmp_path: Path) -> None:
    error = {"error": {"code": "Unauthorized", "message": "no"}}
    raw = recording(
        {
            **entry(f"{HOST}/api/events?api-version=2018-01-01", "AQID", status=401),
            "RequestHeaders": {"Content-Type": "application/octet-stream"},
            "ResponseHeaders": {"Transfer-Encoding": "chunked", "Server": "Microsoft-HTTPAPI/2.0"},
            "ResponseBody": base64.b64encode(json.dumps(error).encode()).decode(),
        },
        {
            **receive(),
            "ResponseHeaders": {"Content-Length": "999", "Content-Type": "application/json"},
        },
    )
    path = tmp_path / "recording.json"
    path.write_text(json.dumps(raw), encoding="utf-8-sig")  # the recorder writes a BOM

    denied, listed = load_test_proxy(path).entries

    assert denied.request.body == b"\x01\x02\x03"
    assert (denied.response.status, json.loads(denied.response.body)) == (401, error)
    assert denied.response.headers == {
        "Server": "Microsoft-HTTPAPI/2.0",
        "Content-Length": str(len(denied.response.body)),
    }
    assert listed.request.body == b""
    assert json.loads(listed.response.body) == received("t-1")
    assert listed.response.headers["Content-Length"] == str(len(listed.response.body))


def test_a_file_that_is_not_a_recording_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cassette.json"
    path.write_text('{"interactions": []}', encoding="utf-8")

    with pytest.raises(UsageError) as raised:
        load_test_proxy(path)

    assert str(raised.value) == (
        f"{path} is not a test-proxy recording: expected "
        '{"Entries": [...], "Variables": {...}}. '
        f"See {DOCS}/guide/playback/#recording-files"
    )
