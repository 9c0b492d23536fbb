"""Playback of Azure SDK test-proxy recordings, through interception.

A `Player` is an interception target: while it is active, every request for an
Event Grid host (or a host the recording names) is answered with the matching
recorded response, whoever built the client. Matching ignores what changes from
run to run or was sanitised away: the host, every header, the CloudEvent `id` and
`time`, trace-context extensions and the lock tokens themselves. `Matching` makes
the parts compared and the event fields ignored configurable.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

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
from ._recording import (
    RecordedEntry,
    Recording,
    load_recording,
)
from ._transport import AsyncEventGridTransport, EventGridTransport

MISMATCH_CODE = "PlaybackMismatch"
_CLOSEST = 3


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
        if not isinstance(recording, Mapping):
            _errors.path(
                "playback(recording)",
                recording,
                "guide/playback/#replaying-a-recording",
                expected=f"{_errors.PATH}, the parsed JSON (a dict) or a Recording",
            )
        recording = load_recording(recording)
    return Player(recording, clock=clock, matching=matching)


__all__: Sequence[str] = ["Player", "checked_clock", "playback"]
