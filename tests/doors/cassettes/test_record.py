"""Recording real traffic (a loopback HTTP server) into a cassette, then replaying it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_eventgrid.recordings import SANITIZED, load_cassette, playback, record

from ._support import Loopback, publish_and_receive


@pytest.mark.asyncio
async def test_a_session_is_recorded_through_the_network_and_replays_offline(
    service: Loopback, flavour: str, tmp_path: Path
) -> None:
    cassette = tmp_path / "session.json"
    with record(cassette, hosts=["127.0.0.1"]) as recorder:
        live = await publish_and_receive(flavour, service.endpoint, service.key, (1, 2))

    assert live == [{"number": 1}, {"number": 2}]
    assert len(service.requests) == 3  # it went through the real HTTP server
    assert [e.request.url.rpartition(":")[2].split("?")[0] for e in recorder.recorded] == [
        "publish",
        "receive",
        "acknowledge",
    ]
    with playback(cassette) as player:
        replayed = await publish_and_receive(flavour, service.endpoint, "any-key", (1, 2))
    assert replayed == live
    assert player.unused == []
    assert player.mismatches == []
    assert len(service.requests) == 3  # playback never reached the server


@pytest.mark.asyncio
async def test_a_cloudevents_batch_is_stored_as_json_not_as_an_escaped_string(
    service: Loopback, flavour: str, tmp_path: Path
) -> None:
    cassette = tmp_path / "session.json"
    with record(cassette, hosts=["127.0.0.1"]):
        await publish_and_receive(flavour, service.endpoint, service.key, (7,))

    data = json.loads(cassette.read_text(encoding="utf-8"))
    assert data["version"] == 1
    publish = data["interactions"][0]["request"]
    assert publish["method"] == "POST"
    assert [e["data"] for e in publish["body"]] == [{"number": 7}]
    receive = data["interactions"][1]["response"]
    assert receive["status"] == 200
    assert receive["body"]["value"][0]["event"]["data"] == {"number": 7}


@pytest.mark.asyncio
async def test_secrets_never_reach_the_cassette(
    service: Loopback, flavour: str, tmp_path: Path
) -> None:
    cassette = tmp_path / "session.json"
    with record(cassette, hosts=["127.0.0.1"]) as recorder:
        await publish_and_receive(flavour, service.endpoint, service.key)

    text = cassette.read_text(encoding="utf-8")
    assert service.key not in text
    for entry in recorder.recorded:
        headers = {name.lower(): value for name, value in entry.request.headers.items()}
        assert headers["authorization"] == SANITIZED
        assert headers["x-ms-client-request-id"] == SANITIZED


def test_sanitizing_replaces_shared_access_keys_and_signatures_and_user_patterns(
    tmp_path: Path,
) -> None:
    from pytest_eventgrid.recordings import Sanitizer

    sanitizer = Sanitizer([r"order-\d+", r"token=(\w+)"])
    text = (
        "Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=s3cr3t+/=;"
        " https://h/?sr=x&sig=abc%2Fdef&se=1 order-42 token=zzz"
    )
    assert sanitizer.text(text) == (
        "Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=Sanitized;"
        " https://h/?sr=x&sig=Sanitized&se=1 Sanitized token=Sanitized"
    )
    assert sanitizer.headers({"aeg-sas-key": "k", "aeg-sas-token": "t", "Accept": "a"}) == {
        "aeg-sas-key": SANITIZED,
        "aeg-sas-token": SANITIZED,
        "Accept": "a",
    }


@pytest.mark.asyncio
async def test_a_user_pattern_sanitizes_bodies(
    service: Loopback, flavour: str, tmp_path: Path
) -> None:
    cassette = tmp_path / "session.json"
    with record(cassette, hosts=["127.0.0.1"], sanitize=[r'"number": ?(\d+)']):
        await publish_and_receive(flavour, service.endpoint, service.key, (31337,))

    assert "31337" not in cassette.read_text(encoding="utf-8")
    assert load_cassette(cassette).entries[0].request.body.count(b"Sanitized") == 1


def test_a_failed_block_writes_nothing(service: Loopback, tmp_path: Path) -> None:
    cassette = tmp_path / "session.json"
    with pytest.raises(RuntimeError), record(cassette, hosts=["127.0.0.1"]):
        raise RuntimeError("boom")
    assert not cassette.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left either


@pytest.mark.asyncio
async def test_volatile_headers_are_left_out_of_the_cassette(
    service: Loopback, flavour: str, tmp_path: Path
) -> None:
    cassette = tmp_path / "session.json"
    with record(cassette, hosts=["127.0.0.1"]):
        await publish_and_receive(flavour, service.endpoint, service.key, (7,))

    data = json.loads(cassette.read_text(encoding="utf-8"))
    publish, receive, acknowledge = data["interactions"]
    for interaction in (publish, receive, acknowledge):
        request = {name.lower() for name in interaction["request"]["headers"]}
        response = {name.lower() for name in interaction["response"]["headers"]}
        assert not request & {"content-length", "user-agent"}
        assert not response & {"content-length", "date"}
    # What a replay needs stays.
    assert publish["request"]["headers"]["content-type"].startswith(
        "application/cloudevents-batch+json"
    )
    assert receive["response"]["headers"]["Content-Type"].startswith("application/json")
