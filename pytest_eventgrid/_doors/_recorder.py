"""Recording: real traffic, through a real azure-core transport, into a native cassette.

A `Recorder` is an interception target. Each request for an Event Grid host (or a
host given in `hosts=`) is answered from the cassette when the record mode replays
and an entry matches (the player's rules), else sent through the client's own
azure-core transport (or the ones given; raw `httpx` requests through a default
`RequestsTransport` or, async, `AioHttpTransport`) and recorded, sanitised. The
cassette is written atomically when the `with` block ends without an exception.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from azure.core.pipeline.transport import AsyncHttpTransport, HttpTransport
from azure.core.rest import HttpRequest

from .. import _errors
from .._broker import Clock
from .._errors import one_of, usage_error
from .._wire import WireRequest, WireResponse
from .._wire._hosts import EVENTGRID_DOMAIN, is_eventgrid_host, resource_name
from .._wire._jsonpaths import JsonPaths
from .._wire._matching import IGNORED_EVENT_FIELDS, MATCH_ON, Matching
from ._azure import AzureRequest, FakeAsyncHttpResponse, FakeHttpResponse, to_wire
from ._intercept import Intercepting
from ._playback import Player, checked_clock
from ._recording import (
    RecordedEntry,
    RecordedRequest,
    RecordedResponse,
    Recording,
    load_cassette,
    save_cassette,
)
from ._transport import AsyncEventGridTransport, EventGridTransport

RECORD_MODES = ("none", "once", "new_episodes", "all", "rewrite")
SANITIZED = "Sanitized"
SANITIZED_NAMESPACE = "sanitized"  # a host label, so lower-case
# Headers whose whole value is a secret or differs on every run.
SANITIZED_HEADERS = frozenset(
    {"authorization", "aeg-sas-key", "aeg-sas-token", "x-ms-client-request-id"}
)
# Secrets inside URLs, header values and bodies: only the captured value is replaced.
SECRET_PATTERNS = (
    re.compile(r"SharedAccessKey=([^;&\s\"']+)", re.IGNORECASE),
    re.compile(r"\bsig=([^;&\s\"']+)", re.IGNORECASE),
)
# Not kept from a real response: its body is stored decoded, its length recomputed.
_DROPPED_RESPONSE_HEADERS = frozenset({"content-length", "transfer-encoding", "content-encoding"})
# Not recorded, as they differ from run to run and machine to machine and no replay
# needs them: a request's length (of a body that is stored) and its SDK and platform.
UNRECORDED_REQUEST_HEADERS = frozenset({"content-length", "user-agent"})
# ... and the instant of a response.
UNRECORDED_RESPONSE_HEADERS = _DROPPED_RESPONSE_HEADERS | {"date"}

Pattern = str | re.Pattern[str]
RECORDING_DOCS = "guide/playback/#recording"
SANITIZING_DOCS = "guide/playback/#sanitizing"
PATTERNS = "a regular expression or a list of them (strings or compiled str patterns)"
HOSTS = "a host name or a list of host names (strings)"


def _one_or_many(what: str, given: object, expected: str, anchor: str) -> Iterable[object]:
    """`given` as a list: a lone string (or compiled pattern) is one item, not split."""
    if isinstance(given, str | re.Pattern):
        return (given,)
    if not isinstance(given, Iterable):
        raise usage_error(what, given, expected, anchor)
    return given


def _compiled(patterns: Iterable[Pattern]) -> tuple[re.Pattern[str], ...]:
    """`sanitize=` compiled; a `UsageError` for what is no str regular expression."""
    compiled = []
    for pattern in _one_or_many("sanitize=", patterns, PATTERNS, SANITIZING_DOCS):
        if isinstance(pattern, re.Pattern) and isinstance(pattern.pattern, str):
            compiled.append(pattern)
        elif not isinstance(pattern, str):
            raise usage_error("sanitize=", pattern, PATTERNS, SANITIZING_DOCS)
        else:
            try:
                compiled.append(re.compile(pattern))
            except re.error as error:
                expected = f"a valid regular expression ({error})"
                raise usage_error("sanitize=", pattern, expected, SANITIZING_DOCS) from None
    return tuple(compiled)


def _hosts(hosts: Iterable[str]) -> frozenset[str]:
    """`hosts=` in lower case; a `UsageError` for what is no host name."""
    checked = [
        _errors.name("record(hosts=)", host, RECORDING_DOCS, expected=HOSTS)
        for host in _one_or_many("record(hosts=)", hosts, HOSTS, RECORDING_DOCS)
    ]
    return frozenset(host.lower() for host in checked)


def _checked_transports(transport: object, async_transport: object) -> None:
    if transport is not None and not isinstance(transport, HttpTransport):
        expected = "an azure-core HttpTransport (RequestsTransport(), say), or None"
        raise usage_error("record(transport=)", transport, expected, RECORDING_DOCS)
    if async_transport is not None and not isinstance(async_transport, AsyncHttpTransport):
        expected = "an azure-core AsyncHttpTransport (AioHttpTransport(), say), or None"
        raise usage_error("record(async_transport=)", async_transport, expected, RECORDING_DOCS)


class Sanitizer:
    """Replaces secrets with `Sanitized` in what is recorded (never in what the client gets).

    Always: the headers in `SANITIZED_HEADERS` (whole value), and `SharedAccessKey=...`
    and `sig=...` values anywhere. `extra` patterns are added: each match is replaced,
    or only its first group when the pattern has groups. Each of `json_paths` (a
    jsonpath-ng path, such as `$..data.email`) replaces what it matches in JSON bodies.
    With `hosts=True`, the namespace (or Basic topic) name of each Event Grid host
    seen becomes `sanitized` in hosts and `/namespaces/<name>` resource ids.
    """

    def __init__(
        self,
        extra: Iterable[Pattern] = (),
        *,
        json_paths: Iterable[str] = (),
        hosts: bool = False,
    ) -> None:
        self.patterns = SECRET_PATTERNS + _compiled(extra)
        hosts = _errors.flag("Sanitizer(hosts=)", hosts, SANITIZING_DOCS)
        self.json_paths = JsonPaths.compile(
            json_paths, what="sanitize_json=", anchor="guide/playback/#sanitizing"
        )
        self.hosts = hosts
        self._names: frozenset[str] = frozenset()
        self._name_patterns: tuple[re.Pattern[str], ...] = ()

    def note(self, url: str) -> None:
        """Learn the namespace name in `url`'s host (with `hosts=True`)."""
        host = (urlsplit(url).hostname or "").lower()
        if not self.hosts or not is_eventgrid_host(host):
            return
        name = resource_name(host)
        if name in self._names or name == SANITIZED_NAMESPACE:
            return
        self._names = names = self._names | {name}
        alternatives = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
        in_host = rf"(?<![\w.-])(?:{alternatives})(?=\.[\w-]+{re.escape(EVENTGRID_DOMAIN)})"
        in_resource_id = rf"(?<=/namespaces/)(?:{alternatives})(?![\w-])"
        self._name_patterns = (re.compile(in_host, re.I), re.compile(in_resource_id, re.I))

    def text(self, text: str) -> str:
        for pattern in self.patterns:
            text = pattern.sub(_replace, text)
        for pattern in self._name_patterns:
            text = pattern.sub(SANITIZED_NAMESPACE, text)
        return text

    def headers(self, headers: Any) -> dict[str, str]:
        return {
            str(name): SANITIZED if str(name).lower() in SANITIZED_HEADERS else self.text(value)
            for name, value in headers.items()
        }

    def body(self, body: bytes) -> bytes:
        try:
            text = self.text(body.decode("utf-8"))
        except UnicodeDecodeError:
            return body
        if self.json_paths:
            try:
                value = json.loads(text)
            except ValueError:
                pass
            else:
                if self.json_paths.replace(value, SANITIZED):
                    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8")

    def request(self, request: WireRequest) -> WireRequest:
        """`request` as it is recorded, and as a replayed one is compared."""
        self.note(request.url)
        return WireRequest(
            request.method,
            self.text(request.url),
            self.headers(request.headers),
            self.body(request.body),
        )


def _replace(match: re.Match[str]) -> str:
    if match.re.groups == 0:
        return SANITIZED
    start, end = match.span(1)
    whole = match.group(0)
    offset = match.start(0)
    return whole[: start - offset] + SANITIZED + whole[end - offset :]


def _check_mode(mode: str) -> str:
    if mode not in RECORD_MODES:
        raise usage_error(
            "record(mode=)", mode, one_of(RECORD_MODES, mode), "guide/playback/#record-modes"
        )
    return mode


def _kept(headers: Mapping[str, str], unrecorded: frozenset[str]) -> dict[str, str]:
    """`headers` without the ones not recorded (named in lower case)."""
    return {name: value for name, value in headers.items() if name.lower() not in unrecorded}


def _wire_response(status: int, headers: Any, body: bytes) -> WireResponse:
    kept = {
        str(name): str(value)
        for name, value in headers.items()
        if str(name).lower() not in _DROPPED_RESPONSE_HEADERS
    }
    kept["Content-Length"] = str(len(body))
    return WireResponse(status, kept, body)


def _azure_request(request: WireRequest) -> HttpRequest:
    return HttpRequest(
        request.method, request.url, headers=dict(request.headers), content=request.body
    )


class Recorder(Intercepting):
    """Records real traffic to a cassette, or replays it, by record mode (`with` / `async with`).

    Use it as `record(path, ...)`, the same class under its documented name.

    Args:
        path: The cassette file.
        mode: The record mode, one of `RECORD_MODES`.
        sanitize: Regular expressions whose matches (or first groups) are recorded as
            `Sanitized`, on top of the secrets that always are.
        sanitize_json: JSON paths (jsonpath-ng syntax, such as `$..data.email`) whose
            values in JSON bodies are recorded as `Sanitized`.
        sanitize_hosts: Record each Event Grid namespace (or Basic topic) name as
            `sanitized`, in hosts and resource ids.
        hosts: More hosts to record, besides `*.eventgrid.azure.net`.
        match_on: What a replayed request is compared on (see `playback()`).
        ignore: JSON paths of the published event fields replay ignores.
        transport: A sync transport to record through, instead of each client's own.
        async_transport: An async transport to record through, instead of each
            client's own.
        clock: The clock replay's retry backoff sleeps on.

    Attributes:
        path: The cassette file.
        mode: The record mode.
        player: Answers from the cassette as it was when the recorder started.
        recorded: The entries recorded by this recorder, in order (sanitised).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        mode: str = "once",
        sanitize: Iterable[Pattern] = (),
        sanitize_json: Iterable[str] = (),
        sanitize_hosts: bool = False,
        hosts: Iterable[str] = (),
        match_on: Iterable[str] = MATCH_ON,
        ignore: Iterable[str] = IGNORED_EVENT_FIELDS,
        transport: HttpTransport | None = None,  # type: ignore[type-arg]
        async_transport: AsyncHttpTransport | None = None,  # type: ignore[type-arg]
        clock: Clock | None = None,
    ) -> None:
        self.path = Path(_errors.path("record(path)", path, RECORDING_DOCS))
        self.mode = _check_mode(mode)
        sanitize_hosts = _errors.flag("record(sanitize_hosts=)", sanitize_hosts, SANITIZING_DOCS)
        self.sanitizer = Sanitizer(sanitize, json_paths=sanitize_json, hosts=sanitize_hosts)
        matching = Matching.of(match_on, ignore)
        hosts = _hosts(hosts)
        _checked_transports(transport, async_transport)
        clock = checked_clock("record(clock=)", clock, RECORDING_DOCS)
        exists = self.path.exists()
        kept = load_cassette(self.path) if exists and mode != "rewrite" else Recording(())
        self.replays = exists and mode in ("none", "once", "new_episodes")
        self.records = mode in ("new_episodes", "all", "rewrite") or (mode == "once" and not exists)
        hint = None
        if not exists and not self.records:
            hint = (
                f"No cassette at {self.path}: record mode 'none' only replays. Record it "
                f"with mode='once' (in pytest, --eventgrid-record-mode=once)."
            )
        elif not self.records:
            hint = (
                f"Record mode {mode!r} with an existing cassette does not record: use "
                f"mode='new_episodes' to add this request, or 'rewrite' to record afresh "
                f"(in pytest, --eventgrid-record-mode=new_episodes or rewrite)."
            )
        self.clock = clock or Clock(autojump=False)
        self.player = Player(
            kept if self.replays else Recording((), source=str(self.path)),
            clock=self.clock,
            matching=matching,
            normalize=self.sanitizer.request,
            hint=hint,
        )
        self.recorded: list[RecordedEntry] = []
        self._kept = kept
        self._hosts = hosts | kept.hosts
        self._transport = transport
        self._owns_transport = transport is None
        self._async_transport = async_transport
        self._lock = threading.Lock()

    # -- what was played and recorded ------------------------------------------------------

    @property
    def played(self) -> list[RecordedEntry]:
        """The cassette entries that answered a request."""
        return self.player.played

    @property
    def mismatches(self) -> list[str]:
        """The message of every request nothing answered (replay-only modes)."""
        return self.player.mismatches

    def assert_all_answered(self) -> None:
        """Fail with each mismatch message if a request got no answer (replay-only modes)."""
        __tracebackhide__ = True
        self.player.assert_all_answered()

    @property
    def recording(self) -> Recording:
        """What the cassette holds now: the entries kept, then those recorded."""
        with self._lock:
            entries = list(self._kept.entries) + self.recorded
        return Recording(
            tuple(
                RecordedEntry(index, entry.request, entry.response)
                for index, entry in enumerate(entries)
            ),
            self._kept.variables,
            str(self.path),
        )

    # -- interception target -----------------------------------------------------------------

    def transport(self) -> EventGridTransport:
        """A sync azure-core transport: the cassette, else a real transport, recorded."""
        return _RecorderTransport(self)

    def async_transport(self) -> AsyncEventGridTransport:
        """An async azure-core transport: the cassette, else a real transport, recorded."""
        return _AsyncRecorderTransport(self)

    def handle(self, request: WireRequest) -> WireResponse:
        """Answer a raw request (raw `httpx`): replayed, or sent for real and recorded."""
        return self._send_sync(request, _azure_request(request))

    async def handle_async(self, request: WireRequest) -> WireResponse:
        """Answer a raw async request (`httpx.AsyncClient`): replayed, or sent for real
        through an async transport, without blocking the loop, and recorded."""
        return await self._send_async(request, _azure_request(request), self._async_transport)

    # -- shared by the doors ------------------------------------------------------------------

    def _replayed(self, request: WireRequest) -> WireResponse | None:
        """The cassette's answer; the mismatch 404 when the mode does not record; else None."""
        answer = self.player.answer(request) if self.replays else None
        if answer is None and not self.records:
            return self.player.miss(request)
        return answer

    def _send_sync(
        self,
        wire: WireRequest,
        request: AzureRequest,
        replaced: HttpTransport | None = None,  # type: ignore[type-arg]
        **kwargs: Any,
    ) -> WireResponse:
        """The cassette's answer, else one sent for real through the sync transport
        (`_sync_sender()`) and recorded."""
        answer = self._replayed(wire)
        if answer is not None:
            return answer
        response = self._sync_sender(replaced).send(request, **kwargs)
        response.read()
        return self._record(wire, response.status_code, response.headers, response.content)

    async def _send_async(
        self,
        wire: WireRequest,
        request: AzureRequest,
        transport: AsyncHttpTransport | None,  # type: ignore[type-arg]
        **kwargs: Any,
    ) -> WireResponse:
        """The cassette's answer, else one sent for real through `transport` (else a
        default one of its own, closed after) and recorded."""
        answer = self._replayed(wire)
        if answer is not None:
            return answer
        if transport is not None:
            response = await transport.send(request, **kwargs)
            await response.read()
        else:
            async with _default_async_transport() as own:
                response = await own.send(request, **kwargs)
                await response.read()
        return self._record(wire, response.status_code, response.headers, response.content)

    def _sync_sender(self, replaced: HttpTransport | None = None) -> HttpTransport:  # type: ignore[type-arg]
        """The transport given to the recorder, else the client's own, else a default."""
        if self._transport is not None and not self._owns_transport:
            return self._transport
        if replaced is not None:
            return replaced
        if self._transport is None:
            from azure.core.pipeline.transport import RequestsTransport

            self._transport = RequestsTransport()
        return self._transport

    def _record(self, request: WireRequest, status: int, headers: Any, body: bytes) -> WireResponse:
        response = _wire_response(status, headers, body)
        clean = self.sanitizer
        sent = clean.request(request)
        entry = RecordedEntry(
            0,
            RecordedRequest(
                sent.method, sent.url, _kept(sent.headers, UNRECORDED_REQUEST_HEADERS), sent.body
            ),
            RecordedResponse(
                status,
                clean.headers(_kept(response.headers, UNRECORDED_RESPONSE_HEADERS)),
                clean.body(body),
            ),
        )
        with self._lock:
            self.recorded.append(entry)
        return response

    def save(self) -> Path | None:
        """Write the cassette (atomically) if this recorder changed it; its path if so."""
        if not self.records or not (self.recorded or self.mode == "rewrite"):
            return None
        return save_cassette(self.recording, self.path)

    def _finish(self, *, failed: bool) -> None:
        """Close the recorder's own transport; write the cassette unless the block failed."""
        if self._owns_transport and self._transport is not None:
            self._transport.close()
            self._transport = None
        if not failed:
            self.save()


def _default_async_transport() -> AsyncHttpTransport:  # type: ignore[type-arg]
    try:
        from azure.core.pipeline.transport import AioHttpTransport

        return AioHttpTransport()  # type: ignore[no-any-return]
    except ImportError:  # pragma: no cover - aiohttp is optional
        from azure.core.pipeline.transport import AsyncioRequestsTransport

        return AsyncioRequestsTransport()  # type: ignore[no-any-return]


class _RecorderTransport(EventGridTransport):
    """The recorder's sync door (an `EventGridTransport`, so interception keeps it)."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(recorder, recorder.clock)
        self._recorder = recorder

    def send(self, request: AzureRequest, **kwargs: Any) -> FakeHttpResponse:
        answer = self._recorder._send_sync(to_wire(request), request, self.replaced, **kwargs)
        return FakeHttpResponse(request, answer)

    def sleep(self, duration: float) -> None:
        if self._recorder.records:
            time.sleep(duration)  # a real service's backoff
        else:
            self.clock.advance(duration)


class _AsyncRecorderTransport(AsyncEventGridTransport):
    """The recorder's async door."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(recorder, recorder.clock)
        self._recorder = recorder

    async def send(self, request: AzureRequest, **kwargs: Any) -> FakeAsyncHttpResponse:
        recorder = self._recorder
        given = recorder._async_transport or self.replaced
        answer = await recorder._send_async(to_wire(request), request, given, **kwargs)
        return FakeAsyncHttpResponse(request, answer)

    async def sleep(self, duration: float) -> None:
        if self._recorder.records:
            await asyncio.sleep(duration)  # a real service's backoff
        else:
            await super().sleep(duration)


# The documented entry point, `with record(path, mode=...) as recorder:`.
record = Recorder
