"""The fake answers every recorded Basic request (`/api/events`, api-version
2018-01-01) as the real service did.

Each recording is replayed through the wire against a fake configured as the
recording implies: a custom-schema topic for the custom-schema files, a domain for
the domain file, a partner namespace for the channel files, and `key=` for the 401
file. Compared: the status; the headers the service always sends
(`api-supported-versions`, `Server`, `Strict-Transport-Security`, `Content-Type`, and
`Content-Length: 0` on a 200); the body (empty on a 200); for errors, the code,
the message, the details and the body's layout byte for byte, with the parts that
name one real request (its tracking id and instant, and the host the recorder
sanitised in the URL but not in the body) reduced to their shape.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from pytest_eventgrid import EventGrid
from tests.fidelity._replay import RECORDINGS, Entry, load

from ._support import KEY, BasicWire

BASIC = [
    path
    for path in sorted(RECORDINGS.glob("*/*.json"))
    if all("api-version=2018-01-01" in entry.url for entry in load(path).entries)
]
# What each recording implies about the resource it talked to (all others: a custom
# topic, no key).
KINDS = {
    "test_send_custom_schema_event": "custom",
    "test_send_custom_schema_event_as_list": "custom",
    "CanPublishCloudEventToDomain": "domain",
    "test_send_partner_namespace": "partner",
    "CanPublishEventsToChannel": "partner",
}
# The recorder dropped the key from the request; the test sent this one
# (azure-sdk-for-python, sdk/eventgrid/azure-eventgrid/tests/test_exceptions.py).
SENT_KEYS = {"test_raise_on_auth_error": "bad credential"}
_GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_REPORT = re.compile(
    rf"Report '{_GUID}:\d+:\d{{1,2}}/\d{{1,2}}/\d{{4}} \d{{1,2}}:\d\d:\d\d [AP]M \(UTC\)'"
)
_HOST = re.compile(r"authorized for [A-Z0-9.-]+\.EVENTGRID\.AZURE\.NET\.")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def test_every_basic_recording_is_replayed() -> None:
    languages = [path.parent.name for path in BASIC]
    assert {name: languages.count(name) for name in set(languages)} == {"python": 19, "dotnet": 4}


def recorded_name(path: Path) -> str:
    """The recorded test's name: `test_send_partner_namespace`, `CanPublishEventUsingSAS`."""
    return path.stem[path.stem.rindex("test_") :] if "test_" in path.stem else path.stem


def fake_for(path: Path, entry: Entry) -> BasicWire:
    """A fake with the resource the recording talked to, named by its host."""
    name = recorded_name(path)
    eventgrid = EventGrid(auto_create=False, key=KEY if name in SENT_KEYS else None)
    host = entry.url.split("/")[2]
    declare = {
        "custom": lambda: eventgrid.basic_topic(host, schema="custom"),
        "domain": lambda: eventgrid.domain(host),
        "partner": lambda: eventgrid.partner_namespace(host),
    }.get(KINDS.get(name, "topic"), lambda: eventgrid.basic_topic(host))
    return BasicWire(eventgrid, declare())


def recorded_body(entry: Entry) -> bytes:
    """The answer's bytes: the recorder stored the undecoded error streams as base64."""
    if entry.response_body is None:
        return b""
    assert isinstance(entry.response_body, str)
    return base64.b64decode(entry.response_body)


def view(status: int, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    lower = {name.lower(): value for name, value in headers.items()}
    result: dict[str, Any] = {
        "status": status,
        **{
            name: lower.get(name)
            for name in (
                "api-supported-versions",
                "content-type",
                "server",
                "strict-transport-security",
            )
        },
    }
    if status == 200:
        result["content-length"] = lower.get("content-length")
        result["body"] = body
        return result
    text = _HOST.sub("authorized for <HOST>.", _REPORT.sub("Report '<request>'", body.decode()))
    error = json.loads(text)["error"]
    result["code"] = error["code"]
    result["message"] = error["message"]
    result["details"] = error["details"]
    # The layout: CRLFs, indents and the brackets out of step, every string elided.
    result["layout"] = _STRING.sub('""', text)
    return result


@pytest.mark.parametrize("path", BASIC, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_the_fake_answers_like_the_recorded_service(path: Path) -> None:
    [entry] = load(path).entries
    wire = fake_for(path, entry)
    headers = dict(entry.headers)
    if recorded_name(path) in SENT_KEYS:
        headers["aeg-sas-key"] = SENT_KEYS[recorded_name(path)]

    response = wire.send(entry.method, entry.url, headers=headers, body=entry.request_bytes())

    assert view(response.status, response.headers, response.body) == view(
        entry.status, entry.response_headers, recorded_body(entry)
    )
    stored = len(json.loads(entry.request_bytes())) if entry.status == 200 else 0
    assert len(wire.topic.published) == stored


def test_the_domain_recording_routes_by_source() -> None:
    [path] = [path for path in BASIC if path.stem == "CanPublishCloudEventToDomain"]
    [entry] = load(path).entries
    wire = fake_for(path, entry)

    wire.send(entry.method, entry.url, headers=dict(entry.headers), body=entry.request_bytes())

    sources = [event["source"] for event in json.loads(entry.request_bytes())]
    assert len(sources) > 1
    for source in sources:
        assert [event.source for event in wire.topic.topic(source).published] == [source]


@pytest.mark.parametrize("name", ["CanPublishEventsToChannel", "test_send_partner_namespace"])
def test_the_channel_recordings_keep_the_channel(name: str) -> None:
    [path] = [path for path in BASIC if recorded_name(path) == name]
    [entry] = load(path).entries
    wire = fake_for(path, entry)

    wire.send(entry.method, entry.url, headers=dict(entry.headers), body=entry.request_bytes())

    assert wire.topic.channels == [entry.header("aeg-channel-name")]
