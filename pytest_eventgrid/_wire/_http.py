"""Plain request and response values: the wire's whole interface."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Generic, Protocol, TypeVar, overload
from urllib.parse import parse_qs, unquote, urlsplit


@lru_cache(maxsize=256)
def _split_url(url: str) -> tuple[str, str, dict[str, list[str]]]:
    """Host, decoded path and query of `url`; clients repeat URLs, so it is cached.
    (Callers must not change the query dict.)"""
    try:
        split = urlsplit(url)
        hostname = split.hostname
    except ValueError:  # "https://[broken", say: a host nobody serves
        return "", "", {}
    return (
        (hostname or "").lower(),
        unquote(split.path),
        parse_qs(split.query, keep_blank_values=True),
    )


Kept = TypeVar("Kept")
# What a frozen dataclass's own `__init__` uses to create and fill an instance.
_new = object.__new__
_set_field = object.__setattr__


class _kept(Generic[Kept]):
    """A property computed on its first read and kept beside the instance's fields,
    where later reads find it without a call: `functools.cached_property` without its
    lock (one request is read by one thread)."""

    def __init__(self, compute: Callable[[WireRequest], Kept]) -> None:
        self._compute = compute
        self._name = compute.__name__

    @overload
    def __get__(self, instance: None, owner: type[WireRequest]) -> _kept[Kept]: ...

    @overload
    def __get__(self, instance: WireRequest, owner: type[WireRequest]) -> Kept: ...

    def __get__(self, instance: WireRequest | None, owner: type[WireRequest]) -> Kept | _kept[Kept]:
        if instance is None:
            return self
        value = instance.__dict__[self._name] = self._compute(instance)
        return value


@dataclass(frozen=True)
class WireRequest:
    """An HTTP request as bytes and text, free of any HTTP library."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @_kept
    def _parts(self) -> tuple[str, str, dict[str, list[str]]]:
        return _split_url(self.url)

    @property
    def host(self) -> str:
        return self._parts[0]

    @property
    def path(self) -> str:
        return self._parts[1]

    @property
    def query(self) -> dict[str, list[str]]:
        return self._parts[2]

    @_kept
    def lower_headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}

    @classmethod
    def lowered(
        cls, method: str, url: str, headers: dict[str, str], body: bytes = b""
    ) -> WireRequest:
        """A request whose header names are all lower-case already: `headers` serves
        as `lower_headers` too (so the caller must not change it)."""
        # Built as the frozen dataclass's `__init__` would build it, in one step: the
        # doors hand over a request per call.
        request = _new(cls)
        _set_field(
            request,
            "__dict__",
            {
                "method": method,
                "url": url,
                "headers": headers,
                "body": body,
                "lower_headers": headers,
                "_parts": _split_url(url),
            },
        )
        return request

    def header(self, name: str) -> str | None:
        return self.lower_headers.get(name.lower())

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass(frozen=True)
class WireResponse:
    """An HTTP response as the service would send it."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def built(cls, status: int, headers: dict[str, str], body: bytes) -> WireResponse:
        """`WireResponse(status, headers, body)`, built in one step rather than field by
        field: for the answers the fake gives most."""
        response = _new(cls)
        _set_field(response, "__dict__", {"status": status, "headers": headers, "body": body})
        return response

    def json(self) -> object:
        return json.loads(self.body) if self.body else None


@dataclass
class LongPoll:
    """A receive that found nothing and may wait, on the virtual clock, for events.

    `poll()` tries again and answers `None` while there is still nothing;
    `timeout()` gives the service's empty answer once the wait is over.
    """

    deadline: float
    poll: Callable[[], WireResponse | None]
    timeout: Callable[[], WireResponse]
    next_change: Callable[[], float | None]
    add_listener: Callable[[Callable[[], None]], None]
    remove_listener: Callable[[Callable[[], None]], None]

    def wake_at(self) -> float:
        """The earliest virtual instant worth polling again."""
        change = self.next_change()
        return self.deadline if change is None else min(change, self.deadline)


WireResult = WireResponse | LongPoll


@dataclass
class Delayed:
    """Answer with `then()` after `seconds` on the fake clock."""

    seconds: float
    then: Callable[[], WireResult]


class InjectedTransportError(Exception):
    """A transport failure a fault asked for (`kind` is "connection_refused",
    "connection_reset" or "read_timeout"); each door raises its own kind of it."""

    def __init__(self, kind: str, url: str) -> None:
        super().__init__(f"{kind.replace('_', ' ')} (injected by pytest-eventgrid) for {url}")
        self.kind = kind


class Handler(Protocol):
    """What the doors talk to: the wire, or the faults in front of it.

    `handle()` may raise `InjectedTransportError` for the door to translate.
    """

    def handle(self, request: WireRequest) -> WireResult | Delayed: ...


def json_response(
    status: int,
    payload: object,
    *,
    content_type: str = "application/json; charset=utf-8",
    headers: Mapping[str, str] | None = None,
) -> WireResponse:
    try:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        # Text from the request (a path, say) may hold a lone surrogate: escape it.
        body = json.dumps(payload, separators=(",", ":")).encode("ascii")
    merged = {"Content-Type": content_type, "Content-Length": str(len(body))}
    if headers:
        merged.update(headers)
    return WireResponse.built(status, merged, body)
