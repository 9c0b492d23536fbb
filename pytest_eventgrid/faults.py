"""What a scripted fault does to the requests it catches: `eventgrid.fail(op, outcome)`.

from pytest_eventgrid import faults

eventgrid.fail("publish", faults.status(503), times=2)
eventgrid.fail("receive", faults.throttle(retry_after=5))
eventgrid.fail("publish", [faults.status(503), faults.status(503), faults.ok()])
eventgrid.fail("acknowledge", faults.lose_tokens(fraction=0.5))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import _errors
from ._errors import one_of, usage_error
from ._wire._faults import STATUSES, TOKEN_CODES, Outcome
from ._wire._operations import SETTLEMENTS as SETTLEMENTS

__all__ = [
    "Outcome",
    "bad_token",
    "connection_refused",
    "connection_reset",
    "latency",
    "lose_tokens",
    "ok",
    "read_timeout",
    "short_receive",
    "status",
    "throttle",
]

OUTCOMES_DOCS = "guide/failures/#outcomes"
STATUSES_DOCS = "guide/failures/#statuses"
MARKER_DOCS = "guide/failures/#the-marker"


def status(code: int, *, message: str | None = None, retry_after: float | None = None) -> Outcome:
    """Answer with HTTP `code` and the service-shaped error body and headers.

    `retry_after` adds a `Retry-After` header (seconds), which the SDK's retry policy
    honours, on the fake clock.
    """
    if isinstance(code, bool) or code not in STATUSES:
        raise usage_error(
            "faults.status(code)", code, f"{one_of(STATUSES)} (an int)", STATUSES_DOCS
        )
    message = _errors.optional_text("faults.status(message=)", message, STATUSES_DOCS)
    if retry_after is not None:
        retry_after = _errors.seconds(
            "faults.status(retry_after=)", retry_after, STATUSES_DOCS, timedeltas=False
        )
    return Outcome("status", status=code, message=message, retry_after=retry_after)


def throttle(*, retry_after: float = 1.0) -> Outcome:
    """A 429 with `Retry-After`: the service throttling the client."""
    return status(429, retry_after=retry_after)


def connection_refused() -> Outcome:
    """No connection: the SDK raises `ServiceRequestError`.

    The fake does not serve the request. The SDK does not retry it: azure-core retries
    a POST (every Event Grid operation is one) only on 500, 503, 504 or a `Retry-After`.
    """
    return Outcome("connection_refused")


def connection_reset() -> Outcome:
    """The connection drops before an answer: `ServiceRequestError`, not retried.

    The fake does not serve the request. Raw httpx callers get `httpx.RemoteProtocolError`.
    """
    return Outcome("connection_reset")


def read_timeout() -> Outcome:
    """The answer never comes: `ServiceResponseTimeoutError`, not retried.

    `ServiceResponseTimeoutError` is a `ServiceResponseError`. The fake does not
    serve the request, so nothing changes on the service side.
    Raw httpx callers get `httpx.ReadTimeout`.
    """
    return Outcome("read_timeout")


def latency(seconds: float) -> Outcome:
    """Answer normally after `seconds` on the fake clock (other tasks run meanwhile)."""
    duration = _errors.seconds("faults.latency(seconds)", seconds, OUTCOMES_DOCS, timedeltas=False)
    return Outcome("latency", seconds=duration)


def lose_tokens(
    tokens: Sequence[str] | None = None,
    *,
    fraction: float | None = None,
    code: str = "TokenLost",
) -> Outcome:
    """Fail chosen lock tokens of a settlement (all, `tokens`, or a seeded `fraction`).

    The rest of the request is served as usual. With `TokenLost` ("Token has
    expired.") the lock is gone, so the event becomes available again, as after a
    lock expiry; with `BadToken` ("Cannot decode lockToken") nothing changes.
    """
    if code not in TOKEN_CODES:
        raise usage_error(
            "faults.lose_tokens(code=)", code, one_of(map(repr, TOKEN_CODES)), OUTCOMES_DOCS
        )
    chosen = None
    if tokens is not None:
        chosen = _errors.strings("faults.lose_tokens(tokens)", tokens, OUTCOMES_DOCS)
    if fraction is not None:
        fraction = _errors.chance("faults.lose_tokens(fraction=)", fraction, OUTCOMES_DOCS)
    if chosen is not None and fraction is not None:
        raise usage_error(
            "faults.lose_tokens(tokens, fraction=)",
            (tokens, fraction),
            "the chosen tokens or a fraction, not both",
            OUTCOMES_DOCS,
        )
    return Outcome("tokens", tokens=chosen, fraction=fraction, code=code)


def bad_token(tokens: Sequence[str] | None = None) -> Outcome:
    """`lose_tokens(tokens, code="BadToken")`."""
    return lose_tokens(tokens, code="BadToken")


def short_receive(max_events: int = 1) -> Outcome:
    """A receive that returns at most `max_events` events, however many are available."""
    limit = _errors.integer("faults.short_receive(max_events)", max_events, OUTCOMES_DOCS, low=1)
    return Outcome("short_receive", max_events=limit)


def ok() -> Outcome:
    """Serve the request as usual: a step of a sequence that lets one through."""
    return Outcome("ok")


# -- the marker's `faults=` ----------------------------------------------------------------

_SPEC_KEYS = frozenset(
    {
        "operation",
        "topic",
        "subscription",
        "status",
        "message",
        "retry_after",
        "error",
        "latency",
        "lose_tokens",
        "code",
        "fraction",
        "short_receive",
        "times",
        "probability",
        "optional",
    }
)
_KINDS = ("status", "error", "latency", "lose_tokens", "short_receive")
_ERRORS: Mapping[str, Callable[[], Outcome]] = {
    "connection_refused": connection_refused,
    "connection_reset": connection_reset,
    "read_timeout": read_timeout,
}


def _outcome_from_spec(spec: object) -> Outcome:
    """The outcome a marker's fault mapping asks for (exactly one kind of outcome)."""
    if not isinstance(spec, Mapping):
        raise usage_error(
            "faults=[...] item",
            spec,
            'a mapping such as {"operation": "publish", "status": 503}',
            MARKER_DOCS,
        )
    unknown = sorted(str(key) for key in spec if key not in _SPEC_KEYS)
    kinds = [key for key in _KINDS if key in spec]
    if unknown or len(kinds) != 1 or "operation" not in spec:
        raise usage_error(
            "faults=[...] item",
            dict(spec),
            f"a mapping with `operation` and exactly one of {', '.join(_KINDS)}"
            + (f"; unknown key(s): {', '.join(unknown)}" if unknown else "")
            + f" (allowed keys: {', '.join(sorted(_SPEC_KEYS))})",
            MARKER_DOCS,
        )
    kind = kinds[0]
    if kind == "status":
        return status(
            spec["status"], message=spec.get("message"), retry_after=spec.get("retry_after")
        )
    if kind == "error":
        if spec["error"] not in _ERRORS:
            raise usage_error("faults=[...] error", spec["error"], one_of(_ERRORS), MARKER_DOCS)
        return _ERRORS[spec["error"]]()
    if kind == "latency":
        return latency(spec["latency"])
    if kind == "short_receive":
        return short_receive(spec["short_receive"])
    tokens = spec["lose_tokens"]
    return lose_tokens(
        None if tokens is True or tokens == "all" else tokens,
        fraction=spec.get("fraction"),
        code=spec.get("code", "TokenLost"),
    )


def _faults_from_specs(specs: object) -> list[Mapping[str, Any]]:
    """The `faults=` setting: a list of fault mappings (not one mapping on its own)."""
    if isinstance(specs, Mapping | str | bytes) or not isinstance(specs, Sequence):
        raise usage_error(
            "faults=",
            specs,
            'a list of fault mappings, such as [{"operation": "publish", "status": 503}]',
            MARKER_DOCS,
        )
    for spec in specs:
        _outcome_from_spec(spec)
    return list(specs)
