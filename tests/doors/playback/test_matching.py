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
from pytest_eventgrid.recordings import IGNORED_EVENT_FIELDS, MATCH_ON, load_test_proxy, playback

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


def post(url: str, body: Any = None) -> httpx.Response:
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


def publish_entry(event: dict[str, Any]) -> dict[str, Any]:
    return entry(f"{HOST}/topics/orders:publish?{API}", [event], answer={})


ORDER = {"specversion": "1.0", "id": "1", "source": "shop", "type": "A", "data": {"n": 1}}


def test_ignore_adds_event_fields_by_json_path() -> None:
    recorded = {**ORDER, "data": {"n": 1, "placedAt": "2024-01-01", "lines": [{"sku": "x"}]}}
    sent = {**ORDER, "data": {"n": 1, "placedAt": "2026-11-24", "lines": [{"sku": "y"}]}}
    ignore = (*IGNORED_EVENT_FIELDS, "data.placedAt", "data.lines[*].sku")

    with playback(recording(publish_entry(recorded)), ignore=ignore) as player:
        assert post(f"{HOST}/topics/orders:publish?{API}", [sent]).status_code == 200
    with playback(recording(publish_entry(recorded))) as strict:
        assert post(f"{HOST}/topics/orders:publish?{API}", [sent]).status_code == 404

    assert player.mismatches == []
    assert "    body: 'x' recorded, 'y' sent at '[0].data.lines[0].sku'\n" in strict.mismatches[0]


def test_ignore_replaces_the_defaults_so_ids_can_be_compared() -> None:
    with playback(recording(publish_entry(ORDER)), ignore=["time"]) as player:
        other_id = post(f"{HOST}/topics/orders:publish?{API}", [{**ORDER, "id": "2"}])
        same_id = post(f"{HOST}/topics/orders:publish?{API}", [ORDER])

    assert (other_id.status_code, same_id.status_code) == (404, 200)
    assert "    body: '1' recorded, '2' sent at '[0].id'\n" in player.mismatches[0]


def test_match_on_leaves_out_what_it_does_not_name() -> None:
    recorded = entry(f"{SUBSCRIPTION}:receive?{API}&maxEvents=1", answer=received("t-1"))
    with playback(recording(recorded), match_on=["method", "path", "operation"]) as player:
        answer = post(f"{SUBSCRIPTION}:receive?api-version=2023-10-01-preview&maxEvents=9")

    assert answer.status_code == 200
    assert player.mismatches == []


def test_match_on_host_compares_hosts() -> None:
    recorded = entry(f"{SUBSCRIPTION}:receive?{API}", answer=received("t-1"))
    other_host = SUBSCRIPTION.replace("//fake.", "//other.") + f":receive?{API}"
    with playback(recording(recorded), match_on=(*MATCH_ON, "host")) as player:
        assert post(other_host).status_code == 404
        assert post(f"{SUBSCRIPTION}:receive?{API}").status_code == 200

    assert (
        "    host: 'fake.eastus-1.eventgrid.azure.net' recorded, "
        "'other.eastus-1.eventgrid.azure.net' sent\n"
    ) in player.mismatches[0]


def test_unknown_match_on_names_and_bad_json_paths_are_refused() -> None:
    with pytest.raises(UsageError) as unknown:
        playback(recording(), match_on=["method", "headers"])
    with pytest.raises(UsageError) as bad_path:
        playback(recording(), ignore=["data..["])
    with pytest.raises(UsageError) as not_a_string:
        playback(recording(), ignore=[3])  # type: ignore[list-item]

    assert str(unknown.value) == (
        "match_on= does not know 'headers'; it takes any of method, path, operation, "
        f"api_version, query, body, host. See {DOCS}/guide/playback/#matching"
    )
    assert str(bad_path.value).startswith("ignore=: 'data..[' is not a JSON path (")
    assert str(not_a_string.value) == (
        f"ignore= takes JSON paths as strings; got 3. See {DOCS}/guide/playback/#matching"
    )


def test_the_mismatch_lists_each_body_difference_field_by_field() -> None:
    sent = {**ORDER, "type": "B", "subject": "s", "data": {"n": 2}}
    del sent["source"]
    many = {**ORDER, "data": {f"k{n}": n for n in range(10)}}

    with playback(recording(publish_entry(ORDER))) as player:
        post(f"{HOST}/topics/orders:publish?{API}", [sent])
        post(f"{HOST}/topics/orders:publish?{API}", [many])

    assert player.mismatches[0].splitlines()[2:7] == [
        f"  #0 POST {HOST}/topics/orders:publish?{API} -> 200",
        "    body: 1 recorded, 2 sent at '[0].data.n'",
        "    body: '[0].source' recorded, not sent",
        "    body: '[0].subject' sent, not recorded",
        "    body: 'A' recorded, 'B' sent at '[0].type'",
    ]
    assert player.mismatches[1].splitlines()[3:11] == [
        "    body: '[0].data.k0' sent, not recorded",
        "    body: '[0].data.k1' sent, not recorded",
        "    body: '[0].data.k2' sent, not recorded",
        "    body: '[0].data.k3' sent, not recorded",
        "    body: '[0].data.k4' sent, not recorded",
        "    body: '[0].data.k5' sent, not recorded",
        "    body: ... and more",
        "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/playback/#mismatches",
    ]
