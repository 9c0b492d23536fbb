"""Scripted faults: a layer in front of the wire's service that the doors talk to.

`FaultScript.handle()` looks like the service's: each request either reaches the
service unchanged, or meets the first active fault whose selectors match it. A fault
may answer in the service's error shape, fail the transport, delay the answer on the
fake clock, fail some lock tokens of a settlement, or shorten a receive.
`pytest_eventgrid.faults` builds the outcomes.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .. import _errors
from .._broker import Broker, JournalEntry
from .._errors import one_of, usage_error
from ._basic import BasicError, basic_error_response
from ._errors import ServiceError, namespace_error
from ._hosts import resource_name
from ._http import Delayed, InjectedTransportError, LongPoll, WireRequest, WireResponse, WireResult
from ._namespaces import match_route
from ._operations import DELIVER, FAULT_OPERATIONS, SETTLEMENTS
from ._service import EventGridService

# What a `BadToken` fault puts in front of a token: the wire cannot decode it.
CORRUPTED = "bad:"
# What a push delivery may meet instead of its destination's answer.
_DELIVERY_OUTCOMES = frozenset(
    {"ok", "status", "latency", "connection_refused", "connection_reset", "read_timeout"}
)
# Outcomes the wire still serves (and records); the others replace its answer.
_SERVED = frozenset({"ok", "latency", "short_receive", "tokens"})
STATUSES = (400, 401, 403, 404, 409, 413, 429, 500, 502, 503, 504)
TOKEN_CODES = ("TokenLost", "BadToken")
OUTCOMES_DOCS = "guide/failures/#outcomes"
SELECTING_DOCS = "guide/failures/#selecting-requests"
HOW_MANY_DOCS = "guide/failures/#how-many-requests"
STRICTNESS_DOCS = "guide/failures/#strictness"
MISTAKES_DOCS = "guide/failures/#mistakes"
_CODES = {
    400: ("BadRequest", "The request is invalid."),
    401: ("Unauthorized", "The request authorization key is not authorized for {host}."),
    403: ("Forbidden", "The request is not allowed: the quota is exceeded."),
    404: ("NotFound", "The resource is not found."),
    409: ("Conflict", "The request conflicts with the current state of the resource."),
    413: ("RequestEntityTooLarge", "The maximum size (1048576) has been exceeded."),
    429: ("TooManyRequests", "The request was throttled. Retry later."),
    500: ("InternalServerError", "The service encountered an internal error. Please retry."),
    502: ("BadGateway", "The service could not be reached. Please retry."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please retry."),
    504: ("GatewayTimeout", "The operation timed out. Please retry."),
}


@dataclass(frozen=True)
class Outcome:
    """One thing a fault does to one request. Build it with the functions of
    `pytest_eventgrid.faults`."""

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


@dataclass(frozen=True)
class FaultedRequest:
    """What a fault's `when=` predicate is given, and what `Fault.requests` keeps."""

    operation: str | None
    topic: str | None
    subscription: str | None
    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        """The body as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        """The value of header `name` (any case), or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    @property
    def lock_tokens(self) -> list[str]:
        """The lock tokens a settlement carries (empty for other requests)."""
        try:
            document = self.json()
        except ValueError:
            return []
        tokens = document.get("lockTokens") if isinstance(document, dict) else None
        if not isinstance(tokens, list):
            return []
        return [token for token in tokens if isinstance(token, str)]


@dataclass(eq=False)
class Fault:
    """A scripted fault, as `eventgrid.fail()` returns it.

    Attributes:
        operation: The operation it catches ("publish", "receive", ...), or None (any).
        topic: The topic it catches, or None (any).
        subscription: The subscription it catches, or None (any).
        outcomes: What it does, in turn for a sequence.
        times: How many requests it catches (None: no limit).
        probability: The chance (seeded) that it catches a matching request.
        optional: Whether it may never fire without failing the test.
        requests: Every request it caught, in order.
    """

    operation: str | None
    outcomes: tuple[Outcome, ...]
    topic: str | None = None
    subscription: str | None = None
    when: Callable[[FaultedRequest], bool] | None = None
    times: int | None = 1
    probability: float | None = None
    optional: bool = False
    requests: list[FaultedRequest] = field(default_factory=list)

    @property
    def fired(self) -> int:
        """How many requests it caught."""
        return len(self.requests)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def describe(self) -> str:
        """The fault as it was scripted: `fail('publish', 503, times=2)`."""
        what = ", ".join(outcome.describe() for outcome in self.outcomes)
        where = "".join(
            f", {name}={value!r}"
            for name, value in (("topic", self.topic), ("subscription", self.subscription))
            if value is not None
        )
        if self.when is not None:
            where += f", when={getattr(self.when, '__qualname__', None) or repr(self.when)}"
        usual = None if self.probability is not None else len(self.outcomes)
        count = "" if self.times == usual else f", times={self.times}"
        chance = f", probability={self.probability:g}" if self.probability is not None else ""
        return f"fail({self.operation!r}, {what}{where}{count}{chance})"

    def matches(self, request: FaultedRequest) -> bool:
        return (
            not self.exhausted
            and (self.operation is None or self.operation == request.operation)
            and (self.topic is None or self.topic == request.topic)
            and (self.subscription is None or self.subscription == request.subscription)
            and self._carries_its_tokens(request)
            and (self.when is None or bool(self.when(request)))
        )

    def _carries_its_tokens(self, request: FaultedRequest) -> bool:
        """A fault that loses chosen tokens waits for a settlement that carries one."""
        outcome = self.next_outcome()
        if outcome.kind != "tokens" or outcome.tokens is None:
            return True
        return not set(outcome.tokens).isdisjoint(request.lock_tokens)

    def next_outcome(self) -> Outcome:
        return self.outcomes[min(self.fired, len(self.outcomes) - 1)]


def check_fault(fault: Fault) -> None:
    """A `UsageError` for a fault the fake cannot honour, naming the argument of `fail()`."""
    if fault.operation is not None and fault.operation not in FAULT_OPERATIONS:
        raise usage_error(
            "fail(operation)",
            fault.operation,
            f"{one_of(FAULT_OPERATIONS, fault.operation)}, or None for any",
            SELECTING_DOCS,
        )
    _errors.optional_name("fail(topic=)", fault.topic, SELECTING_DOCS)
    _errors.optional_name("fail(subscription=)", fault.subscription, SELECTING_DOCS)
    if fault.when is not None:
        _errors.function("fail(when=)", fault.when, SELECTING_DOCS)
    if fault.times is not None:
        _errors.integer("fail(times=)", fault.times, HOW_MANY_DOCS, low=1)
    if fault.probability is not None:
        _errors.chance("fail(probability=)", fault.probability, HOW_MANY_DOCS, zero=False)
    _errors.flag("fail(optional=)", fault.optional, STRICTNESS_DOCS)
    if not fault.outcomes:
        raise usage_error(
            "fail(outcome)", [], "an outcome, or a non-empty list of them", OUTCOMES_DOCS
        )
    for outcome in fault.outcomes:
        _check_outcome(fault.operation, outcome)


def _check_outcome(operation: str | None, outcome: object) -> None:
    if not isinstance(outcome, Outcome):
        raise usage_error(
            "fail(outcome)",
            outcome,
            "an outcome made by pytest_eventgrid.faults, such as faults.status(503)",
            OUTCOMES_DOCS,
        )
    if outcome.kind == "tokens" and operation not in SETTLEMENTS:
        raise usage_error(
            "fail(operation) of lose_tokens()",
            operation,
            "a settlement: acknowledge, release, reject or renew_locks",
            MISTAKES_DOCS,
        )
    if operation == DELIVER and outcome.kind not in _DELIVERY_OUTCOMES:
        raise usage_error(
            f"fail('deliver') of {outcome.describe()}",
            outcome.kind,
            "an answer of the destination: status(...), latency(...), connection_refused(), "
            "connection_reset(), read_timeout() or ok()",
            MISTAKES_DOCS,
        )
    if outcome.kind == "short_receive" and operation != "receive":
        raise usage_error(
            "fail(operation) of short_receive()", operation, "'receive'", MISTAKES_DOCS
        )


def _faulted_request(request: WireRequest) -> FaultedRequest:
    route = match_route(request)
    if route is not None:
        operation, topic, subscription = route.operation, route.topic, route.subscription
    elif request.method == "POST" and request.path.rstrip("/") == "/api/events":
        operation, topic, subscription = "send", resource_name(request.host), None
    else:
        operation, topic, subscription = None, None, None
    return _faulted(request, operation, topic, subscription)


def _faulted(
    request: WireRequest, operation: str | None, topic: str | None, subscription: str | None
) -> FaultedRequest:
    """What a fault's `when=` sees of `request`, for `operation` on `topic`."""
    return FaultedRequest(
        operation,
        topic,
        subscription,
        request.method,
        request.url,
        dict(request.headers),
        request.body,
    )


class FaultScript:
    """The faults of one fake, in front of its wire. Thread-safe."""

    def __init__(self, service: EventGridService, broker: Broker, seed: int | str) -> None:
        self._service = service
        self._broker = broker
        self._random = random.Random(f"faults:{seed}")
        self._lock = threading.Lock()
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Script `fault`, once its selectors and outcomes are checked."""
        check_fault(fault)
        with self._lock:
            self.faults.append(fault)
        return fault

    def unfired(self) -> list[Fault]:
        """The faults that never fired and were not marked optional."""
        with self._lock:
            return [fault for fault in self.faults if fault.fired == 0 and not fault.optional]

    def _pick(self, request: FaultedRequest, *, named: bool = False) -> Outcome | None:
        """The outcome of the first fault that catches `request`; with `named`, only
        of a fault that names its operation."""
        with self._lock:
            for fault in self.faults:
                if (named and fault.operation is None) or not fault.matches(request):
                    continue
                if fault.probability is not None and self._random.random() >= fault.probability:
                    continue
                outcome = fault.next_outcome()
                fault.requests.append(request)
                return outcome
        return None

    def deliver(
        self, request: WireRequest, topic: str, subscription: str
    ) -> WireResponse | str | None:
        """The answer a "deliver" fault gives a push delivery instead of its
        destination (a status, or in words why none came), or None to let it through.
        Only faults that name "deliver" catch deliveries: `fail(None, ...)` does not."""
        if not self.faults:
            return None
        outcome = self._pick(_faulted(request, DELIVER, topic, subscription), named=True)
        if outcome is None or outcome.kind == "ok":
            return None
        if outcome.kind == "latency":  # a slow destination: time passes, then it answers
            self._broker.clock.advance(outcome.seconds)
            return None
        if outcome.kind == "status":
            headers = {}
            if outcome.retry_after is not None:
                headers["Retry-After"] = f"{outcome.retry_after:g}"
            return WireResponse(outcome.status or 500, headers, b"")
        return str(InjectedTransportError(outcome.kind, request.url))

    def handle(self, request: WireRequest) -> WireResult | Delayed:
        if not self.faults:
            return self._service.handle(request)
        faulted = _faulted_request(request)
        outcome = self._pick(faulted)
        if outcome is None:
            return self._service.handle(request)
        if outcome.kind not in _SERVED:  # the wire records the others itself
            self._record(faulted, outcome)
        return self._apply(outcome, request, faulted)

    # -- outcomes -------------------------------------------------------------------------

    def _apply(
        self, outcome: Outcome, request: WireRequest, faulted: FaultedRequest
    ) -> WireResult | Delayed:
        if outcome.kind == "ok":
            return self._service.handle(request)
        if outcome.kind == "status":
            return self._status(outcome, request, faulted)
        if outcome.kind == "latency":
            return Delayed(outcome.seconds, lambda: self._service.handle(request))
        if outcome.kind == "short_receive":
            return self._service.handle(_with_max_events(request, outcome.max_events))
        if outcome.kind == "tokens":
            return self._lose_tokens(outcome, request, faulted)
        raise InjectedTransportError(outcome.kind, request.url)

    def _status(
        self, outcome: Outcome, request: WireRequest, faulted: FaultedRequest
    ) -> WireResponse:
        status = outcome.status or 500
        code, default = _CODES[status]
        message = outcome.message or default.format(host=request.host.upper())
        instant = self._broker.clock.utcnow()
        response: WireResponse
        if faulted.operation == "send":
            response = basic_error_response(
                BasicError(status, code, message),
                instant=instant,
                tracking_id=self._broker.ids.guid(),
            )
        else:
            response = namespace_error(
                ServiceError(status, code, message),
                instant=instant,
                tracking_id=self._broker.ids.tracking_id(),
            )
        if outcome.retry_after is not None:
            response.headers["Retry-After"] = f"{outcome.retry_after:g}"
        return response

    def _lose_tokens(
        self, outcome: Outcome, request: WireRequest, faulted: FaultedRequest
    ) -> WireResult:
        """Serve the settlement with the chosen tokens failing, in one request the
        timeline shows whole.

        `TokenLost`: the locks end first, as if they had expired, so the wire answers
        "Token has expired." for them and their events are available again.
        `BadToken`: the tokens reach the wire corrupted, so it answers "Cannot decode
        lockToken" and nothing changes; the answer names the tokens as sent.
        """
        document = faulted.json()
        tokens = document.get("lockTokens") if isinstance(document, dict) else None
        if (
            not isinstance(document, dict)
            or not isinstance(tokens, list)
            or not all(isinstance(t, str) for t in tokens)
        ):
            return self._service.handle(request)  # the wire gives the service's 400
        chosen = self._choose(outcome, tokens)
        if not chosen:
            return self._service.handle(request)
        if outcome.code == "TokenLost":
            # In the request's order (not the set's), so redeliveries come in a stable order.
            self._expire(faulted, [token for token in dict.fromkeys(tokens) if token in chosen])
            return self._service.handle(request)
        corrupted = {token: f"{CORRUPTED}{token}" for token in chosen}
        document["lockTokens"] = [corrupted.get(token, token) for token in tokens]
        answer = self._service.handle(_with_body(request, document))
        if isinstance(answer, LongPoll):  # pragma: no cover - settlements never wait
            return answer
        return _restore_tokens(answer, {bad: token for token, bad in corrupted.items()})

    def _choose(self, outcome: Outcome, tokens: Sequence[str]) -> set[str]:
        if outcome.tokens is not None:
            return set(outcome.tokens) & set(tokens)
        if outcome.fraction is not None:
            with self._lock:
                return {token for token in tokens if self._random.random() < outcome.fraction}
        return set(tokens)

    def _expire(self, faulted: FaultedRequest, tokens: Sequence[str]) -> None:
        """A lost lock: the event is available again, as after a lock expiry."""
        namespace = self._broker.namespaces.get((urlsplit(faulted.url).hostname or "").lower())
        if namespace is None or faulted.topic is None or faulted.subscription is None:
            return
        namespace.lose_locks(faulted.topic, faulted.subscription, tokens)

    def _record(self, faulted: FaultedRequest, outcome: Outcome) -> None:
        status = outcome.status if outcome.kind == "status" else 0
        self._broker.journal.record(
            JournalEntry(
                self._broker.clock.now(),
                faulted.operation or f"{faulted.method} {urlsplit(faulted.url).path}",
                (urlsplit(faulted.url).hostname or "").lower(),
                faulted.topic,
                faulted.subscription,
                status=status or 0,
                detail=f"injected: {outcome.describe()}",
            )
        )


def _with_max_events(request: WireRequest, limit: int) -> WireRequest:
    url = urlsplit(request.url)
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    current = query.get("maxEvents", "1")
    query["maxEvents"] = str(min(int(current), limit)) if current.isdigit() else current
    return WireRequest(
        request.method,
        urlunsplit(url._replace(query=urlencode(query))),
        request.headers,
        request.body,
    )


def _with_body(request: WireRequest, document: object) -> WireRequest:
    body = json.dumps(document).encode("utf-8")
    headers = {
        name: str(len(body)) if name.lower() == "content-length" else value
        for name, value in request.headers.items()
    }
    return WireRequest(request.method, request.url, headers, body)


def _restore_tokens(answer: WireResponse, originals: dict[str, str]) -> WireResponse:
    """The settlement answer, naming the corrupted tokens as the client sent them."""
    if answer.status != 200:
        return answer
    document = json.loads(answer.body)
    for failed in document.get("failedLockTokens", []):
        failed["lockToken"] = originals.get(failed["lockToken"], failed["lockToken"])
    body = json.dumps(document, separators=(",", ":")).encode("utf-8")
    return WireResponse(answer.status, {**answer.headers, "Content-Length": str(len(body))}, body)
