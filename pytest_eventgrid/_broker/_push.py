"""Push delivery of event subscriptions: batching, the retry schedule, dead letters.

The broker decides what is due and what an outcome means; sending a batch to its
destination is the doors' work, so this module holds no HTTP.
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .._errors import usage_error
from ._filters import EventFilter

Event = dict[str, Any]

# Basic webhook retry schedule (delivery-and-retry.md): after the 1st, 2nd, ... failure.
RETRY_SCHEDULE = (10.0, 30.0, 60.0, 300.0, 600.0, 1800.0, 3600.0, 10800.0, 21600.0)
RETRY_EVERY_AFTER = 43200.0
# Statuses that are never retried for webhooks: the event is dead-lettered at once.
NOT_RETRIED = frozenset({400, 401, 403, 413})
# The least wait after some statuses, whatever the schedule says.
MIN_RETRY_DELAY = {404: 300.0, 408: 120.0, 503: 30.0}
SUCCESS = frozenset({200, 201, 202, 203, 204})
OUTCOMES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    408: "TimedOut",
    413: "PayloadTooLarge",
    429: "Busy",
    503: "Busy",
}
REASON_MAX_ATTEMPTS = "MaxDeliveryAttemptsExceeded"
REASON_TIME_TO_LIVE = "TimeToLiveExceeded"
REASON_NOT_RETRIED = "NonRetriableDeliveryFailure"


def outcome_name(status: int | None) -> str:
    """The `lastDeliveryOutcome` the service reports for a response status."""
    if status is None:
        return "TimedOut"
    if status in SUCCESS:
        return "Succeeded"
    return OUTCOMES.get(status, "GenericError")


def retry_delay(attempts: int, status: int | None) -> float:
    """Seconds before the next try after the `attempts`-th failed one."""
    scheduled = (
        RETRY_SCHEDULE[attempts - 1] if attempts <= len(RETRY_SCHEDULE) else RETRY_EVERY_AFTER
    )
    return max(scheduled, MIN_RETRY_DELAY.get(status or 0, 0.0))


@dataclass(frozen=True)
class PushSettings:
    """Delivery settings of one push event subscription.

    Attributes:
        max_delivery_attempts: Attempts before dead-lettering (1-30, default 30).
        event_time_to_live: Seconds an event may wait for delivery (60-86400, one day).
        max_events_per_batch: Events per request (1-5000, default 1: no batching).
        preferred_batch_size_in_kilobytes: Batch size goal in KB (1-1024, default 64).
        dead_letter: Keep undeliverable events in a dead-letter store (default True).
    """

    max_delivery_attempts: int = 30
    event_time_to_live: float = 86400.0
    max_events_per_batch: int = 1
    preferred_batch_size_in_kilobytes: int = 64
    dead_letter: bool = True

    def __post_init__(self) -> None:
        _check_range("max_delivery_attempts", self.max_delivery_attempts, 1, 30)
        _check_range("event_time_to_live", self.event_time_to_live, 60, 86400)
        _check_range("max_events_per_batch", self.max_events_per_batch, 1, 5000)
        _check_range(
            "preferred_batch_size_in_kilobytes", self.preferred_batch_size_in_kilobytes, 1, 1024
        )

    def updated(self, **changes: Any) -> PushSettings:
        return replace(self, **changes)


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise usage_error(
            f"{name} must be between {low:g} and {high:g}, as on the service; got {value!r}.",
            anchor="guide/webhooks/#delivery-settings",
        )


@dataclass
class PendingEvent:
    """One event waiting for delivery to one subscription."""

    event: Event
    seq: int
    published_at: float
    due_at: float
    attempts: int = 0
    last_status: int | None = None
    last_attempt_at: float | None = None


@dataclass(frozen=True)
class DeliveryAttempt:
    """One request made to a destination, and what came of it.

    Attributes:
        time: Virtual time (seconds) of the attempt.
        subscription: The event subscription's name.
        events: The events of the batch, as sent.
        delivery_count: Earlier attempts of this batch (the `aeg-delivery-count`
            header): 0 on the first.
        status: The destination's HTTP status, or None when no answer came.
        outcome: "Succeeded", or the service's `lastDeliveryOutcome` for the status.
        error: Why no answer came (a connection error, a raising handler), if so.
    """

    time: float
    subscription: str
    events: tuple[Event, ...]
    delivery_count: int
    status: int | None
    outcome: str
    error: str | None = None


@dataclass(frozen=True)
class DeadLetter:
    """An event that could not be delivered, as the dead-letter store keeps it.

    Attributes:
        event: The event, as published.
        reason: `MaxDeliveryAttemptsExceeded`, `TimeToLiveExceeded` or
            `NonRetriableDeliveryFailure`.
        delivery_attempts: How many attempts were made.
        last_delivery_outcome: The outcome of the last attempt (`NotAttempted` if none).
        published_at: Virtual time the event was published.
        last_attempt_at: Virtual time of the last attempt, or of the expiry.
    """

    event: Event
    reason: str
    delivery_attempts: int
    last_delivery_outcome: str
    published_at: float
    last_attempt_at: float | None


@dataclass
class PushSubscription:
    """An event subscription that pushes to a destination."""

    name: str
    destination: Any
    filter: EventFilter = field(default_factory=EventFilter)
    settings: PushSettings = field(default_factory=PushSettings)
    schema: str = "eventgrid"
    # False when neither the subscription nor its topic named a schema: each batch then
    # goes out in the schema its events were published in.
    schema_declared: bool = True
    # "pending" until the destination passed the handshake, then "succeeded" or "failed"
    # (a failed subscription is never created on the service, so it receives nothing).
    validation: str = "pending"
    attempts: list[DeliveryAttempt] = field(default_factory=list)
    delivered: list[Event] = field(default_factory=list)
    dead_lettered: list[DeadLetter] = field(default_factory=list)
    dropped: list[DeadLetter] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._pending: list[tuple[float, int, PendingEvent]] = []
        self._seq = itertools.count()

    def offer(self, events: Sequence[Event], now: float, schema: str | None = None) -> int:
        """Queue every event this subscription's filter accepts; return how many.

        `schema` is the one the events were published in (default: the delivery
        schema): the filter reads their keys in it.
        """
        accepted = 0
        if self.validation == "failed":
            return 0
        for event in events:
            if self.filter.matches(event, schema or self.schema):
                pending = PendingEvent(event, next(self._seq), now, now)
                heapq.heappush(self._pending, (pending.due_at, pending.seq, pending))
                accepted += 1
        return accepted

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def next_due(self) -> float | None:
        return self._pending[0][0] if self._pending else None

    def requeue(self, batch: Sequence[PendingEvent]) -> None:
        """Put back a batch taken by `due_batches()` that was not sent after all."""
        for pending in batch:
            heapq.heappush(self._pending, (pending.due_at, pending.seq, pending))

    def fail_validation(self) -> None:
        """The handshake failed: the service would not have created the subscription,
        so nothing it was offered meanwhile is ever delivered."""
        self.validation = "failed"
        self._pending.clear()

    def due_batches(self, now: float) -> list[list[PendingEvent]]:
        """Take every event due at `now`, grouped into batches by the batch settings."""
        due: list[PendingEvent] = []
        while self._pending and self._pending[0][0] <= now:
            due.append(heapq.heappop(self._pending)[2])
        if self.validation != "succeeded":
            for pending in due:
                heapq.heappush(self._pending, (pending.due_at, pending.seq, pending))
            return []
        # Time-to-live is checked when an attempt is due (delivery-and-retry.md).
        alive: list[PendingEvent] = []
        for pending in due:
            if now - pending.published_at > self.settings.event_time_to_live:
                self._dead_letter(pending, REASON_TIME_TO_LIVE)
            else:
                alive.append(pending)
        limit = self.settings.max_events_per_batch
        budget = self.settings.preferred_batch_size_in_kilobytes * 1024
        batches: list[list[PendingEvent]] = []
        size = 0
        for pending in alive:
            event_size = len(json.dumps(pending.event, separators=(",", ":")).encode())
            if (
                not batches
                or len(batches[-1]) >= limit
                or (size + event_size > budget and batches[-1])
            ):
                batches.append([])
                size = 0
            batches[-1].append(pending)
            size += event_size
        return batches

    def settle(
        self, batch: list[PendingEvent], status: int | None, now: float, error: str | None = None
    ) -> DeliveryAttempt:
        """Apply the outcome of one delivery attempt of `batch`."""
        attempt = DeliveryAttempt(
            time=now,
            subscription=self.name,
            events=tuple(pending.event for pending in batch),
            delivery_count=batch[0].attempts if batch else 0,
            status=status,
            outcome=outcome_name(status),
            error=error,
        )
        self.attempts.append(attempt)
        for pending in batch:
            pending.attempts += 1
            pending.last_status = status
            pending.last_attempt_at = now
            if status in SUCCESS:
                self.delivered.append(pending.event)
            elif status in NOT_RETRIED:
                self._dead_letter(pending, REASON_NOT_RETRIED)
            elif pending.attempts >= self.settings.max_delivery_attempts:
                self._dead_letter(pending, REASON_MAX_ATTEMPTS)
            else:
                pending.due_at = now + retry_delay(pending.attempts, status)
                heapq.heappush(self._pending, (pending.due_at, pending.seq, pending))
        return attempt

    def _dead_letter(self, pending: PendingEvent, reason: str) -> None:
        letter = DeadLetter(
            event=pending.event,
            reason=reason,
            delivery_attempts=pending.attempts,
            last_delivery_outcome=(
                outcome_name(pending.last_status) if pending.attempts else "NotAttempted"
            ),
            published_at=pending.published_at,
            last_attempt_at=pending.last_attempt_at,
        )
        (self.dead_lettered if self.settings.dead_letter else self.dropped).append(letter)
