"""The native cassette format: reading, writing, converting test-proxy recordings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_eventgrid import UsageError
from pytest_eventgrid.recordings import (
    Recording,
    convert_test_proxy,
    load_cassette,
    load_test_proxy,
    playback,
    save_cassette,
)
from tests import _paths

RECORDINGS = _paths.RECORDINGS
FILES = sorted(RECORDINGS.glob("*/*.json"))


def _exchanges(recording: Recording) -> list[tuple[object, ...]]:
    def body(raw: bytes) -> object:
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return raw

    return [
        (
            e.request.method,
            e.request.url,
            body(e.request.body),
            e.response.status,
            body(e.response.body),
        )
        for e in recording.entries
    ]


@pytest.mark.parametrize("source", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_converted_recording_holds_the_same_exchanges(source: Path, tmp_path: Path) -> None:
    cassette = convert_test_proxy(source, tmp_path / "c.json")
    assert _exchanges(load_cassette(cassette)) == _exchanges(load_test_proxy(source))
    assert _exchanges(playback(cassette).recording) == _exchanges(playback(source).recording)


def test_json_bodies_are_json_values_and_binary_bodies_base64(tmp_path: Path) -> None:
    data = {
        "version": 1,
        "interactions": [
            {
                "request": {
                    "method": "POST",
                    "uri": "https://t.westus-1.eventgrid.azure.net/api/events",
                    "headers": {},
                    "body": [{"id": "1", "data": {"a": 1}}],
                },
                "response": {
                    "status": 401,
                    "headers": {},
                    "body": "/w==",
                    "body_encoding": "base64",
                },
            }
        ],
    }
    recording = load_cassette(data)
    assert recording.entries[0].request.body == b'[{"id":"1","data":{"a":1}}]'
    assert recording.entries[0].response.body == b"\xff"
    save_cassette(recording, tmp_path / "c.json")
    assert json.loads((tmp_path / "c.json").read_text(encoding="utf-8")) == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"version": 2, "interactions": []}, "is a version 2 cassette; this pytest-eventgrid"),
        ({"version": 1}, 'has no "interactions" list'),
        ({"version": 1, "interactions": [{"request": {}}]}, "interactions[0] has no 'response'"),
        (
            {"version": 1, "interactions": [{"request": {"uri": "u"}, "response": {}}]},
            "interactions[0].request has no 'method'",
        ),
    ],
)
def test_a_malformed_cassette_is_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=".*" + message.replace("[", r"\[").replace("]", r"\]")):
        load_cassette(data)


def test_playback_refuses_what_is_neither_format(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(UsageError, match="is neither a native cassette"):
        playback(path)
