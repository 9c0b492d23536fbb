"""What a scripted fault does to the requests it catches: `eventgrid.fail(op, outcome)`.

from pytest_eventgrid import faults

eventgrid.fail("publish", faults.status(503), times=2)
eventgrid.fail("receive", faults.throttle(retry_after=5))
eventgrid.fail("publish", [faults.status(503), faults.status(503), faults.ok()])
eventgrid.fail("acknowledge", faults.lose_tokens(fraction=0.5))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import _checks
from ._errors import one_of, usage_error

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

STATUSES = (400, 401, 403, 404, 409, 413, 429, 500, 502, 503, 504)
SETTLEMENTS = frozenset({"acknowledge", "release", "reject", "renew_locks"})
TOKEN_CODES = ("TokenLost", "BadToken")
OUTCOMES_DOCS = "guide/failures/#outcomes"
STATUSES_DOCS = "guide/failures/#statuses"


@dataclass(frozen=True)
class Outcome:
    """One thing a fault does to one request. Build it with this module's functions."""

    kind: str
    status: int | None = None
    message: str | None = None
    retry_after: float | None = None
    seconds: float = 0.0
    tokens: tuple[str, ...] | None = None
    fraction: float | None = None
    code: str = "TokenLost"
    max_events: int = 1

    def describe(self) -> str:
        """The outcome in words, as failure messages show it."""
        if self.kind == "status":
            after = f", Retry-After {self.retry_after:g}" if self.retry_after is not None else ""
            return f"{self.status}{after}"
        if self.kind == "latency":
            return f"latency {self.seconds:g}s"
        if self.kind == "tokens":
            which = (
                f"{len(self.tokens)} chosen"
                if self.tokens is not None
                else f"{self.fraction:g} of the"
                if self.fraction is not None
                else "all"
            )
            return f"{self.code} for {which} tokens"
        if self.kind == "short_receive":
            return f"at most {self.max_events} events"
        return self.kind.replace("_", " ")


def status(code: int, *, message: str | None = None, retry_after: float | None = None) -> Outcome:
    """Answer with HTTP `code` and the service-shaped error body and headers.

    `retry_after` adds a `Retry-After` header (seconds), which the SDK's retry policy
    honours, on the fake clock.
    """
    if isinstance(code, bool) or code not in STATUSES:
        raise usage_error(
            "faults.status(code)", code, f"{one_of(STATUSES)} (an int)", STATUSES_DOCS
        )
    message = _checks.optional_text("faults.status(message=)", message, STATUSES_DOCS)
    if retry_after is not None:
        retry_after = _checks.seconds(
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
    duration = _checks.seconds("faults.latency(seconds)", seconds, OUTCOMES_DOCS, timedeltas=False)
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
        chosen = _checks.strings("faults.lose_tokens(tokens)", tokens, OUTCOMES_DOCS)
    if fraction is not None:
        fraction = _checks.chance("faults.lose_tokens(fraction=)", fraction, OUTCOMES_DOCS)
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
    limit = _checks.integer("faults.short_receive(max_events)", max_events, OUTCOMES_DOCS, low=1)
    return Outcome("short_receive", max_events=limit)


def ok() -> Outcome:
    """Serve the request as usual: a step of a sequence that lets one through."""
    return Outcome("ok")
