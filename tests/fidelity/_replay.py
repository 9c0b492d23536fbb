"""Replay real Event Grid traffic (Azure test-proxy recordings) through the fake's wire.

A recording is a list of entries, each a request the SDK sent and what the real
service answered. `Replay` sends every request of one recording, in order, to a
fresh `EventGrid` whose topology is read from the request URLs, and `view()` turns
both the recorded and the fake answer into the facts that must agree:

- status, `Content-Type` and `broker-errorcode`;
- for errors: `error.code`, `error.message`, and the *shape* of `timestamp_utc`
  and `tracking_id` (their values are the instant and an id of one real request);
- for publish: the body itself (`{}`);
- for receive: the body with each lock token reduced to its shape (a token is
  one lease handed out by the real service, so its value cannot repeat) and
  each event as a dict (key order ignored: the service reorders keys);
- for settlements: the succeeded and failed lock tokens, as the recording named
  them, with the failure codes and messages;
- the `Content-Length`, wherever the recorder replaced nothing in the answer.

What the recorder changed: the Azure test-proxy sanitised some values before the
recordings were published, in requests and responses alike, but not always
both sides of a pair (ce-* headers were left alone, some settlement answers kept
real tokens). `Replay` applies the same substitutions to the fake's answer where
the recording shows them, and nowhere else; see `PLACEHOLDERS` and `LockTokens`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pytest_eventgrid import EventGrid
from pytest_eventgrid._doors import wait_sync
from pytest_eventgrid._wire import LongPoll, WireRequest, WireResponse

RECORDINGS = Path(__file__).parent / "recordings"

# Event attributes the recorder replaced in response bodies, with the value it put in:
# the Python recorder rewrote every JSON `id` to "id" (ce-id headers were not
# touched), the Go recorder every JSON `time` to one fixed instant (Ce-Time headers
# were not touched). Where a recorded event shows the placeholder, the fake's event
# gets it too before the comparison.
PLACEHOLDERS = {"id": "id", "time": "2023-06-17T00:33:32Z"}
# The Go recorder's stand-in for every lock token.
SANITISED_TOKEN = "fake-lock-token"

_PATH = re.compile(
    r"(?:/api/events)?/topics/(?P<topic>[^/:]+)(?:/eventsubscriptions/(?P<sub>[^/:]+))?:"
)
_SETTLEMENTS = ("acknowledge", "release", "reject")


@dataclass(frozen=True)
class Entry:
    """One recorded request and the real service's answer."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: object
    status: int
    response_headers: Mapping[str, str]
    response_body: object

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def operation(self) -> str:
        """`publish`, `receive`, `acknowledge`, `release`, `reject` or `renewLock`."""
        return self.path.rpartition(":")[2]

    def header(self, name: str) -> str | None:
        return _lower(self.headers).get(name.lower())

    def request_bytes(self) -> bytes:
        """The request body as sent.

        The test-proxy stores a JSON body as its JSON value, a text body as a string,
        and any other body as base64; `Content-Length` tells text from base64.
        """
        if self.body is None:
            return b""
        if not isinstance(self.body, str):
            return _compact(self.body)
        text = self.body.encode("utf-8")
        length = self.header("content-length")
        if length is None or int(length) == len(text):
            return text
        raw = base64.b64decode(self.body, validate=True)
        assert len(raw) == int(length), f"cannot decode the body of {self.url}"
        return raw


@dataclass(frozen=True)
class Recording:
    path: Path
    entries: tuple[Entry, ...]

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"

    def topology(self) -> dict[str, list[str]]:
        """Topics and subscriptions the requests name, without those answered 404."""
        missing_topics: set[str] = set()
        missing_subscriptions: set[tuple[str, str | None]] = set()
        named: dict[str, list[str]] = {}
        for entry in self.entries:
            match = _PATH.match(entry.path)
            assert match is not None, f"not a namespace request: {entry.url}"
            topic, subscription = match["topic"], match["sub"]
            subscriptions = named.setdefault(topic, [])
            if subscription is not None and subscription not in subscriptions:
                subscriptions.append(subscription)
            if entry.status == 404:
                message = _error(entry.response_body).get("message", "")
                if message == f"Topic '{topic}' is not found":
                    missing_topics.add(topic)
                else:
                    missing_subscriptions.add((topic, subscription))
        return {
            topic: [name for name in names if (topic, name) not in missing_subscriptions]
            for topic, names in named.items()
            if topic not in missing_topics
        }


def load(path: Path) -> Recording:
    # The Go files are stored with CRLF line endings (and might carry a BOM).
    document = json.loads(path.read_text(encoding="utf-8-sig"))
    entries = tuple(
        Entry(
            method=raw["RequestMethod"],
            url=raw["RequestUri"],
            headers=raw["RequestHeaders"],
            body=raw["RequestBody"],
            status=raw["StatusCode"],
            response_headers=raw["ResponseHeaders"],
            response_body=raw["ResponseBody"],
        )
        for raw in document["Entries"]
    )
    return Recording(path, entries)


def namespace_recordings() -> list[Path]:
    """Every recording of the namespace data plane (`/topics/...` requests)."""
    return [
        path
        for path in sorted(RECORDINGS.glob("*/*.json"))
        if all(_PATH.match(entry.path) for entry in load(path).entries)
    ]


class LockTokens:
    """Maps the lock tokens a recording shows to the ones the fake handed out.

    A receive pairs its recorded tokens with the fake's by position. The Go recorder
    replaced every token with `fake-lock-token`, so one recorded value may stand for
    several fake tokens: a settlement then takes, for each recorded token in order,
    the earliest fake token with that value that no earlier acknowledge, release or
    reject used and that this request did not take yet, else the earliest one. That
    is how the recorded tests used them: `TestSendEventsAndReceiveEvents` acknowledges
    two events one by one, `TestPartialAckFailure` acknowledges the first, then both,
    `TestFailedAck` settles the same token four times. A token no receive showed
    ("faketoken") is sent as recorded.
    """

    def __init__(self) -> None:
        self._issued: list[tuple[str, str]] = []
        self._settled: set[str] = set()

    def received(self, recorded: list[str], fake: list[str]) -> None:
        # A count that differs fails the comparison of the receive itself.
        self._issued.extend(zip(recorded, fake, strict=False))

    def translate(self, recorded: list[str], operation: str) -> list[str]:
        chosen: list[str] = []
        for token in recorded:
            candidates = [fake for value, fake in self._issued if value == token]
            fresh = [fake for fake in candidates if fake not in self._settled | set(chosen)]
            chosen.append(fresh[0] if fresh else candidates[0] if candidates else token)
        if operation in _SETTLEMENTS:
            self._settled.update(chosen)
        return chosen


class Replay:
    """A fresh fake Event Grid, built for one recording, that its requests go to."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.eventgrid = EventGrid(auto_create=False, topics=recording.topology())
        self.tokens = LockTokens()

    def send(self, entry: Entry) -> tuple[dict[str, Any], dict[str, Any]]:
        """Send `entry`'s request to the fake; the views of the fake and real answers."""
        recorded_tokens = _lock_tokens(entry.body)
        body = entry.request_bytes()
        sent_tokens: list[str] = []
        if recorded_tokens is not None:
            sent_tokens = self.tokens.translate(recorded_tokens, entry.operation)
            body = json.dumps({"lockTokens": sent_tokens}).encode()
        # The fake serves its own host; recordings use many (some not even shaped
        # like a namespace host), and the host plays no part in any answer.
        url = urlunsplit(urlsplit(entry.url)._replace(netloc=self.eventgrid.host))
        result = self.eventgrid._service.handle(
            WireRequest(entry.method, url, dict(entry.headers), body)
        )
        response: WireResponse = (
            wait_sync(result, self.eventgrid.clock) if isinstance(result, LongPoll) else result
        )
        fake_body = response.json()
        if entry.operation == "receive" and response.status == 200:
            self.tokens.received(_received_tokens(entry.response_body), _received_tokens(fake_body))
        recorded = view(entry, entry.status, entry.response_headers, entry.response_body)
        fake = view(entry, response.status, response.headers, fake_body)
        if recorded_tokens is not None:
            fake = _settlement_as_recorded(
                fake, dict(zip(sent_tokens, recorded_tokens, strict=True))
            )
            recorded = _settlement_unsanitised(recorded, recorded_tokens)
        return fake, recorded


def view(entry: Entry, status: int, headers: Mapping[str, str], body: object) -> dict[str, Any]:
    """The facts of one answer that the fake must share with the real service.

    `entry` is the recorded exchange: where its answer shows a sanitised value, the
    same value is put in `body` (a no-op for the recorded answer itself).
    """
    lower = _lower(headers)
    result: dict[str, Any] = {
        "status": status,
        "content-type": lower.get("content-type"),
        "broker-errorcode": lower.get("broker-errorcode"),
    }
    if _unsanitised(entry):
        # The service sends compact JSON; tokens, timestamps and tracking ids have fixed
        # lengths, so the byte counts agree wherever the recorder replaced nothing.
        result["content-length"] = lower.get("content-length")
    if status != 200:
        result["body"] = _error_view(body)
    elif entry.operation == "receive":
        result["body"] = _receive_view(body, entry.response_body)
    else:
        result["body"] = body
    return result


def _unsanitised(entry: Entry) -> bool:
    """Whether the recorded answer shows none of the recorder's placeholders."""
    return not _has_placeholder(entry.response_body)


def _has_placeholder(value: object, key: str | None = None) -> bool:
    if isinstance(value, dict):
        return any(_has_placeholder(item, name) for name, item in value.items())
    if isinstance(value, list):
        return any(_has_placeholder(item, key) for item in value)
    return value == SANITISED_TOKEN or (key is not None and PLACEHOLDERS.get(key) == value)


def _compact(body: object) -> bytes:
    if body is None:
        return b""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _error_view(body: object) -> dict[str, Any]:
    error = _error(body)
    return {
        "error": {
            **error,
            # The instant and the id of one request: only their form can agree.
            "timestamp_utc": re.sub(r"\d", "0", str(error.get("timestamp_utc"))),
            "tracking_id": re.sub(r"[0-9A-F]", "X", str(error.get("tracking_id"))),
        }
    }


def _receive_view(body: object, recorded: object) -> object:
    if not isinstance(body, dict) or not isinstance(body.get("value"), list):
        return body
    recorded_items = _items(recorded)
    items = []
    for index, item in enumerate(body["value"]):
        twin = recorded_items[index] if index < len(recorded_items) else {}
        properties = dict(item.get("brokerProperties", {}))
        if "lockToken" in properties:
            properties["lockToken"] = _token_view(
                properties["lockToken"], twin.get("brokerProperties", {}).get("lockToken")
            )
        event = dict(item.get("event", {}))
        for key, placeholder in PLACEHOLDERS.items():
            if twin.get("event", {}).get(key) == placeholder and key in event:
                event[key] = placeholder
        items.append({**item, "brokerProperties": properties, "event": event})
    return {**body, "value": items}


def _token_view(token: object, recorded: object) -> object:
    """A token as its shape; the recorder's placeholder where it left one."""
    if isinstance(recorded, str) and _token_shape(recorded) is None:
        return recorded
    return _token_shape(token) or token


def _token_shape(token: object) -> str | None:
    if not isinstance(token, str):
        return None
    try:
        raw = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        return None
    return f"<lock token: {len(token)} base64 characters, {len(raw)} bytes>"


def _settlement_as_recorded(fake: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """The fake's settlement answer with each token named as the recording sent it."""
    body = fake["body"]
    if fake["status"] != 200 or not isinstance(body, dict):
        return fake
    failed = [
        {**item, "lockToken": names.get(item["lockToken"], item["lockToken"])}
        for item in body.get("failedLockTokens", [])
    ]
    succeeded = [names.get(token, token) for token in body.get("succeededLockTokens", [])]
    return {**fake, "body": {**body, "succeededLockTokens": succeeded, "failedLockTokens": failed}}


def _settlement_unsanitised(recorded: dict[str, Any], sent: list[str]) -> dict[str, Any]:
    """The recorded settlement answer, named as its request named the tokens.

    `TestPublishCloudEvent_worksSameInBinaryVsNonBinaryMode.json` sent two
    `fake-lock-token`s and its answer kept the two real tokens: those stand for the
    placeholder the request used.
    """
    body = recorded["body"]
    if recorded["status"] != 200 or not isinstance(body, dict) or len(set(sent)) != 1:
        return recorded
    (placeholder,) = set(sent)
    succeeded = [
        token if token in sent else placeholder for token in body.get("succeededLockTokens", [])
    ]
    return {**recorded, "body": {**body, "succeededLockTokens": succeeded}}


def _lock_tokens(body: object) -> list[str] | None:
    if isinstance(body, dict) and isinstance(body.get("lockTokens"), list):
        return list(body["lockTokens"])
    return None


def _items(body: object) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("value"), list):
        return body["value"]
    return []


def _received_tokens(body: object) -> list[str]:
    return [item["brokerProperties"]["lockToken"] for item in _items(body)]


def _error(body: object) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]
    return {}


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}
