"""Playback of Azure SDK test-proxy recordings, through interception.

A `Player` is an interception target: while it is active, every request for an
Event Grid host (or a host the recording names) is answered with the matching
recorded response, whoever built the client. Matching ignores what changes from
run to run or was sanitised away: the host, every header, the CloudEvent `id` and
`time`, trace-context extensions and the lock tokens themselves. `Matching` makes
the parts compared and the event fields ignored configurable.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .. import _errors
from .._broker import Clock
from .._errors import docs, usage_error
from .._wire import WireRequest, WireResponse
from .._wire._errors import ServiceError, namespace_error
from .._wire._matching import (
    DEFAULT_MATCHING,
    IGNORED_EVENT_FIELDS,
    MATCH_ON,
    Matching,
    RequestKey,
    differences,
)
from ._intercept import Intercepting
from ._transport import AsyncEventGridTransport, EventGridTransport

MISMATCH_CODE = "PlaybackMismatch"
# Headers the player recomputes instead of replaying.
_DROPPED_RESPONSE_HEADERS = frozenset({"content-length", "transfer-encoding", "content-encoding"})
_TEXT_TYPES = ("json", "text/", "xml", "charset=", "x-www-form-urlencoded")
_CLOSEST = 3


# -- the recording ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the recording holds it; `body` is the bytes that were sent."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class RecordedResponse:
    """A response as the recording holds it; `body` is the bytes that came back."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class RecordedEntry:
    """One recorded exchange; `index` is its position in the file (from 0)."""

    index: int
    request: RecordedRequest
    response: RecordedResponse

    def __str__(self) -> str:
        return f"#{self.index} {self.request.method} {self.request.url} -> {self.response.status}"


@dataclass(frozen=True)
class Recording:
    """A parsed test-proxy recording: its entries in request order, and its variables."""

    entries: tuple[RecordedEntry, ...]
    variables: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None

    @property
    def hosts(self) -> frozenset[str]:
        """The lower-case hosts the recorded requests went to."""
        return frozenset((urlsplit(e.request.url).hostname or "").lower() for e in self.entries)

    def to_cassette(self) -> dict[str, Any]:
        """This recording as a native cassette (the parsed JSON; see `save_cassette`)."""
        from ._cassette import to_cassette

        return to_cassette(self)


def _is_text(content_type: str | None) -> bool:
    return content_type is not None and any(part in content_type.lower() for part in _TEXT_TYPES)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _body_bytes(value: object, content_type: str | None) -> bytes:
    """The bytes a recorded body stands for (see the test-proxy entry format)."""
    if value is None:
        return b""
    if not isinstance(value, str):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if _is_text(content_type):
        return value.encode("utf-8")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value.encode("utf-8")  # text after all, recorded without a Content-Type


def _headers(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise usage_error(
            f"{where} must be an object of header names to values, not {value!r}.",
            anchor="guide/playback/#recording-files",
        )
    return {
        str(name): ", ".join(map(str, item)) if isinstance(item, list) else str(item)
        for name, item in value.items()
    }


def _entry(index: int, raw: object) -> RecordedEntry:
    where = f"Entries[{index}]"
    if not isinstance(raw, Mapping):
        raise usage_error(
            f"{where} is not an object: {raw!r}.", anchor="guide/playback/#recording-files"
        )
    try:
        method, url, status = raw["RequestMethod"], raw["RequestUri"], raw["StatusCode"]
    except KeyError as missing:
        raise usage_error(
            f"{where} has no {missing}: a test-proxy entry needs RequestUri, RequestMethod "
            f"and StatusCode.",
            anchor="guide/playback/#recording-files",
        ) from None
    request_headers = _headers(raw.get("RequestHeaders"), f"{where}.RequestHeaders")
    response_headers = _headers(raw.get("ResponseHeaders"), f"{where}.ResponseHeaders")
    request_body = _body_bytes(raw.get("RequestBody"), _header(request_headers, "content-type"))
    response_value = raw.get("ResponseBody")
    response_type = _header(response_headers, "content-type")
    response_body = _body_bytes(response_value, response_type)
    kept = {k: v for k, v in response_headers.items() if k.lower() not in _DROPPED_RESPONSE_HEADERS}
    if response_value is not None and not isinstance(response_value, str) and not response_type:
        kept["Content-Type"] = "application/json"
    kept["Content-Length"] = str(len(response_body))
    return RecordedEntry(
        index,
        RecordedRequest(str(method).upper(), str(url), request_headers, request_body),
        RecordedResponse(int(status), kept, response_body),
    )


def load_test_proxy(recording: str | os.PathLike[str] | Mapping[str, Any]) -> Recording:
    """Parse an Azure SDK test-proxy recording: a file path or the parsed JSON.

    Bodies become the bytes that travelled: a JSON value is serialised, a string is
    text when its Content-Type is textual and base64 otherwise, null is empty.
    """
    source: str | None = None
    if isinstance(recording, Mapping):
        data: object = recording
    else:
        source = _errors.path(
            "load_test_proxy(recording)",
            recording,
            "guide/playback/#recording-files",
            expected=f"{_errors.PATH} or the parsed JSON (a dict)",
        )
        with open(source, encoding="utf-8-sig") as file:
            data = json.load(file)
    if not isinstance(data, Mapping) or not isinstance(data.get("Entries"), list):
        raise usage_error(
            f"{source or 'the recording'} is not a test-proxy recording: expected "
            f'{{"Entries": [...], "Variables": {{...}}}}.',
            anchor="guide/playback/#recording-files",
        )
    variables = data.get("Variables") or {}
    return Recording(
        entries=tuple(_entry(index, raw) for index, raw in enumerate(data["Entries"])),
        variables={str(k): str(v) for k, v in dict(variables).items()},
        source=source,
    )


# -- the player ------------------------------------------------------------------------------


class Player(Intercepting):
    """Answers requests from a recording while active (`with` / `async with`).

    Attributes:
        recording: What is played.
        matching: What a request is compared on.
        played: The entries that answered a request, in the order they did.
        mismatches: The message of every request nothing in the recording matched.
    """

    def __init__(
        self,
        recording: Recording,
        *,
        clock: Clock | None = None,
        matching: Matching = DEFAULT_MATCHING,
        normalize: Callable[[WireRequest], WireRequest] | None = None,
        hint: str | None = None,
    ) -> None:
        self.recording = recording
        self.matching = matching
        self._normalize = normalize
        self._hint = hint
        self.clock = clock or Clock(autojump=False)
        self.played: list[RecordedEntry] = []
        self.mismatches: list[str] = []
        self._keys = [
            RequestKey.of(e.request.method, e.request.url, e.request.body, matching)
            for e in recording.entries
        ]
        self._used: set[int] = set()
        self._hosts = recording.hosts
        self._lock = threading.Lock()

    @property
    def unused(self) -> list[RecordedEntry]:
        """The entries no request has played yet, in recording order."""
        with self._lock:
            return [e for e in self.recording.entries if e.index not in self._used]

    # -- interception target --------------------------------------------------------------

    def transport(self) -> EventGridTransport:
        """A sync azure-core transport that answers from the recording."""
        return EventGridTransport(self, self.clock)

    def async_transport(self) -> AsyncEventGridTransport:
        """An async azure-core transport that answers from the recording."""
        return AsyncEventGridTransport(self, self.clock)

    def handle(self, request: WireRequest) -> WireResponse:
        """The recorded answer to `request`, or a 404 that says what did not match."""
        answer = self.answer(request)
        return answer if answer is not None else self.miss(request)

    def _key(self, request: WireRequest) -> RequestKey:
        if self._normalize is not None:
            request = self._normalize(request)
        return RequestKey.of(request.method, request.url, request.body, self.matching)

    def answer(self, request: WireRequest) -> WireResponse | None:
        """The recorded answer to `request` (the entry is then played), or `None`."""
        key = self._key(request)
        with self._lock:
            for index, recorded in enumerate(self._keys):
                if index not in self._used and recorded == key:
                    self._used.add(index)
                    entry = self.recording.entries[index]
                    self.played.append(entry)
                    return WireResponse(
                        entry.response.status, dict(entry.response.headers), entry.response.body
                    )
        return None

    def assert_all_answered(self) -> None:
        """Fail with each mismatch message if a request got no recorded answer (the
        code under test may have swallowed the 404)."""
        __tracebackhide__ = True
        with self._lock:
            missed = list(self.mismatches)
        if missed:
            where = self.recording.source or "the recording"
            count = f"{len(missed)} request{'s' if len(missed) != 1 else ''}"
            raise AssertionError(f"{count} had no answer in {where}:\n\n" + "\n\n".join(missed))

    def miss(self, request: WireRequest) -> WireResponse:
        """The 404 `PlaybackMismatch` for a request nothing matched (kept in `mismatches`)."""
        key = self._key(request)
        with self._lock:
            message = self._mismatch(request, key)
            self.mismatches.append(message)
        error = ServiceError(404, MISMATCH_CODE, message)
        return namespace_error(error, instant=self.clock.utcnow(), tracking_id="playback")

    def _mismatch(self, request: WireRequest, key: RequestKey) -> str:
        ranked = sorted(
            (sum(weight for weight, _ in found), index in self._used, index, found)
            for index, recorded in enumerate(self._keys)
            for found in [differences(recorded, key)]
        )
        lines = [
            f"pytest-eventgrid playback has no recorded answer for {request.method} {request.url}"
        ]
        if not ranked:
            lines.append("The recording has no entries.")
        else:
            lines.append("Closest recorded entries:")
        for _, used, index, found in ranked[:_CLOSEST]:
            lines.append(f"  {self.recording.entries[index]}")
            if used:
                lines.append("    already played (each recorded entry answers once)")
            lines.extend(f"    {what}" for _, what in found)
        if self._hint:
            lines.append(self._hint)
        lines.append(f"See {docs('guide/playback/#mismatches')}")
        return "\n".join(lines)


def checked_clock(what: str, clock: object, anchor: str) -> Clock | None:
    """`clock=`: a fake's clock (`eventgrid.clock`), or None for a clock of its own."""
    if clock is not None and not isinstance(clock, Clock):
        raise usage_error(what, clock, "an EventGrid's clock (eventgrid.clock), or None", anchor)
    return clock


def playback(
    recording: Recording | str | os.PathLike[str] | Mapping[str, Any],
    *,
    match_on: Iterable[str] = MATCH_ON,
    ignore: Iterable[str] = IGNORED_EVENT_FIELDS,
    clock: Clock | None = None,
) -> Player:
    """A player for `recording` (a `Recording`, or a test-proxy recording or a native
    cassette as a file path or parsed JSON), to use as `with playback(...) as player:`
    or `async with playback(...) as player:`.

    A request is compared on the parts named in `match_on` (any of `MATCHABLE`), and a
    publish ignores the fields of each event that the `ignore` JSON paths match
    (`IGNORED_EVENT_FIELDS` unless given; add yours with
    `ignore=(*IGNORED_EVENT_FIELDS, "data.placedAt")`)."""
    matching = Matching.of(match_on, ignore)
    clock = checked_clock("playback(clock=)", clock, "guide/playback/#replaying-a-recording")
    if not isinstance(recording, Recording):
        from ._cassette import load_recording

        if not isinstance(recording, Mapping):
            _errors.path(
                "playback(recording)",
                recording,
                "guide/playback/#replaying-a-recording",
                expected=f"{_errors.PATH}, the parsed JSON (a dict) or a Recording",
            )
        recording = load_recording(recording)
    return Player(recording, clock=clock, matching=matching)


__all__: Sequence[str] = [
    "Player",
    "RecordedEntry",
    "RecordedRequest",
    "RecordedResponse",
    "Recording",
    "load_test_proxy",
    "playback",
]
