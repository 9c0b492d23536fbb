"""Matching a request to recorded ones: what playback compares, and how it says what
differed. The Event Grid knowledge of record and replay lives here."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from .._errors import usage_error
from ._jsonpaths import JsonPaths
from ._operations import SETTLEMENT_ACTIONS

# What a request is matched on by default; "host" may be added.
MATCH_ON = ("method", "path", "operation", "api_version", "query", "body")
MATCHABLE = (*MATCH_ON, "host")
# Event attributes that differ on every run, so a publish does not match on them.
IGNORED_EVENT_FIELDS = ("id", "time", "eventTime", "traceparent", "tracestate")
_BODY_LINES = 6  # body differences listed per entry in a mismatch message


@dataclass(frozen=True)
class Matching:
    """Which parts of a request playback compares (`match_on`), and which fields of
    each published event it ignores (`ignore`: JSON paths relative to the event)."""

    match_on: frozenset[str]
    ignore: JsonPaths

    @classmethod
    def of(
        cls, match_on: Iterable[str] = MATCH_ON, ignore: Iterable[str] = IGNORED_EVENT_FIELDS
    ) -> Matching:
        """Checked rules: an unknown `match_on` name or a bad JSON path is a `UsageError`."""
        if not isinstance(match_on, Iterable):
            raise usage_error(
                "match_on=",
                match_on,
                f"a list of names from {', '.join(MATCHABLE)}",
                "guide/playback/#matching",
            )
        chosen = (match_on,) if isinstance(match_on, str) else tuple(match_on)
        unknown = [name for name in chosen if name not in MATCHABLE]
        if unknown:
            raise usage_error(
                f"match_on= does not know {', '.join(map(repr, unknown))}; it takes any of "
                f"{', '.join(MATCHABLE)}.",
                anchor="guide/playback/#matching",
            )
        paths = JsonPaths.compile(ignore, what="ignore=", anchor="guide/playback/#matching")
        return cls(frozenset(chosen), paths)


DEFAULT_MATCHING = Matching.of()


@dataclass(frozen=True)
class RequestKey:
    """What a request is matched on; a part the rules leave out is `None`."""

    method: str | None
    host: str | None
    resource: str | None
    operation: str | None
    api_version: str | None
    query: tuple[tuple[str, tuple[str, ...]], ...] | None
    body: object

    @classmethod
    def of(
        cls, method: str, url: str, body: bytes, rules: Matching = DEFAULT_MATCHING
    ) -> RequestKey:
        split = urlsplit(url)
        path = unquote(split.path) or "/"
        if path.lower().startswith("/api/events/topics/"):
            path = path[len("/api/events") :]  # the Python SDK tests' endpoint prefix
        resource, _, operation = path.partition(":")
        if not operation and path.rstrip("/").lower().endswith("/api/events"):
            operation = "publish"  # Event Grid Basic
        query = parse_qs(split.query, keep_blank_values=True)
        api_version = query.pop("api-version", [None])[-1]
        on = rules.match_on
        return cls(
            method=method.upper() if "method" in on else None,
            host=(split.hostname or "").lower() if "host" in on else None,
            resource=(resource.rstrip("/").lower() or "/") if "path" in on else None,
            operation=operation if "operation" in on else None,
            api_version=api_version if "api_version" in on else None,
            query=tuple(sorted((name, tuple(values)) for name, values in query.items()))
            if "query" in on
            else None,
            body=_comparable_body(operation, body, rules.ignore) if "body" in on else None,
        )


@dataclass(frozen=True)
class _LockTokens:
    count: int

    def __str__(self) -> str:
        return f"{self.count} lock token{'s' if self.count != 1 else ''}"


def _comparable_body(operation: str, body: bytes, ignore: JsonPaths) -> object:
    if not body:
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return body
    if operation in SETTLEMENT_ACTIONS and isinstance(value, dict):
        tokens = value.get("lockTokens")
        return _LockTokens(len(tokens) if isinstance(tokens, list) else 0)
    if operation == "publish":
        events = value if isinstance(value, list) else [value]
        return [ignore.without(event) for event in events]
    return value


def _body_differences(recorded: object, sent: object, where: str = "") -> Iterator[str]:
    """Each place two JSON values differ, as `'<path>' recorded, not sent` or
    `<recorded> recorded, <sent> sent at '<path>'`."""
    if isinstance(recorded, dict) and isinstance(sent, dict):
        for key in sorted(recorded.keys() | sent.keys()):
            inner = f"{where}.{key}" if where else str(key)
            if key not in sent:
                yield f"'{inner}' recorded, not sent"
            elif key not in recorded:
                yield f"'{inner}' sent, not recorded"
            else:
                yield from _body_differences(recorded[key], sent[key], inner)
    elif isinstance(recorded, list) and isinstance(sent, list):
        if len(recorded) != len(sent):
            at = f" at '{where}'" if where else ""
            yield f"{len(recorded)} items recorded, {len(sent)} sent{at}"
        for position, (left, right) in enumerate(zip(recorded, sent, strict=False)):
            yield from _body_differences(left, right, f"{where}[{position}]")
    elif recorded != sent:
        at = f" at '{where}'" if where else ""
        yield f"{_short(recorded)} recorded, {_short(sent)} sent{at}"


def _short(value: object) -> str:
    text = str(value) if isinstance(value, _LockTokens) else repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def differences(recorded: RequestKey, sent: RequestKey) -> list[tuple[int, str]]:
    """What differs between a recorded entry and a request, with a weight each."""
    found: list[tuple[int, str]] = []
    if recorded.host != sent.host:
        found.append((2, f"host: {recorded.host!r} recorded, {sent.host!r} sent"))
    if recorded.method != sent.method:
        found.append((8, f"method: {recorded.method} recorded, {sent.method} sent"))
    if recorded.resource != sent.resource:
        found.append((4, f"path: {recorded.resource!r} recorded, {sent.resource!r} sent"))
    if recorded.operation != sent.operation:
        what = f"{recorded.operation or '(none)'!r} recorded, {sent.operation or '(none)'!r} sent"
        found.append((8, f"operation: {what}"))
    if recorded.api_version != sent.api_version:
        what = f"{recorded.api_version!r} recorded, {sent.api_version!r} sent"
        found.append((2, f"api-version: {what}"))
    if recorded.query != sent.query:
        what = f"{_query(recorded.query)} recorded, {_query(sent.query)} sent"
        found.append((2, f"query: {what}"))
    if recorded.body != sent.body:
        listed = list(
            itertools.islice(_body_differences(recorded.body, sent.body), _BODY_LINES + 1)
        )
        if len(listed) > _BODY_LINES:
            listed[_BODY_LINES:] = ["... and more"]
        found.extend((1, f"body: {what}") for what in listed)
    return found


def _query(query: tuple[tuple[str, tuple[str, ...]], ...] | None) -> str:
    pairs = (f"{name}={value}" for name, values in query or () for value in values)
    return "&".join(pairs) or "(none)"
