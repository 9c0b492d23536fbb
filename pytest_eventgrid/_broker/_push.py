"""Push delivery of event subscriptions: batching, the retry schedule, dead letters.

The broker decides what is due and what an outcome means; sending a batch to its
destination is the doors' work, so this module holds no HTTP.
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar

from .._errors import usage_error
from ._chaos import CALM, ChaosSettings
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

# Namespace push (namespace-delivery-retry.md): attempts at 0 s, 10 s, 30 s, 1 min and
# 5 min (the docs' worked example counts these from the first attempt), then every 5 min.
NAMESPACE_ATTEMPT_TIMES = (0.0, 10.0, 30.0, 60.0, 300.0)
NAMESPACE_RETRY_EVERY_AFTER = 300.0
# Never retried: the docs' list (400, 401, 403, 404, 414) and 413 (not retried in its
# status table and dead-lettered at once in its dead-letter section). The status table
# retries 401 and 404 after 5 min instead: a subscription may say `not_retried=`.
NAMESPACE_NOT_RETRIED = frozenset({400, 401, 403, 404, 413, 414})
NAMESPACE_MIN_RETRY_DELAY = {401: 300.0, 404: 300.0, 408: 120.0, 503: 30.0}
SEVEN_DAYS = 7 * 24 * 3600.0
# `deadletterreason` texts of namespace dead letters (namespace-delivery-retry.md,
# dead-letter-event-subscriptions-namespace-topics.md; the time-to-live one is the
# fake's pull dead letters' guess).
NAMESPACE_REASON_TEXTS = {
    REASON_MAX_ATTEMPTS: "Maximum delivery attempts was exceeded.",
    REASON_TIME_TO_LIVE: "Time to live exceeded.",
    REASON_NOT_RETRIED: "Undeliverable due to client error",
}


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
    """Delivery settings of one push event subscription of Event Grid Basic, and its
    retry policy.

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

    ATTEMPTS_RANGE: ClassVar[tuple[int, int]] = (1, 30)
    TIME_TO_LIVE_RANGE: ClassVar[tuple[float, float]] = (60, 86400)
    # The public names of fields, where they differ (namespaces say max_delivery_count).
    PUBLIC_NAMES: ClassVar[Mapping[str, str]] = {}
    DOCS: ClassVar[str] = "guide/webhooks/#delivery-settings"

    def __post_init__(self) -> None:
        self._check("max_delivery_attempts", self.max_delivery_attempts, *self.ATTEMPTS_RANGE)
        self._check("event_time_to_live", self.event_time_to_live, *self.TIME_TO_LIVE_RANGE)
        self._check("max_events_per_batch", self.max_events_per_batch, 1, 5000)
        self._check(
            "preferred_batch_size_in_kilobytes", self.preferred_batch_size_in_kilobytes, 1, 1024
        )

    def _check(self, name: str, value: float, low: float, high: float) -> None:
        _check_range(self.PUBLIC_NAMES.get(name, name), value, low, high, self.DOCS)

    def updated(self, **changes: Any) -> PushSettings:
        return replace(self, **changes)

    # -- the retry policy ---------------------------------------------------------------

    def never_retried(self, status: int | None) -> bool:
        """Whether a failed attempt with `status` dead-letters at once."""
        return status in NOT_RETRIED

    def next_due(self, pending: PendingEvent, status: int | None, now: float) -> float:
        """When to try again after the `pending.attempts`-th attempt failed at `now`."""
        return now + retry_delay(pending.attempts, status)

    def expired(self, pending: PendingEvent, now: float) -> bool:
        """Whether the event's time-to-live is over at `now` (checked when an attempt
        is due, as on the service)."""
        return now - pending.published_at > self.event_time_to_live


@dataclass(frozen=True)
class NamespacePushSettings(PushSettings):
    """Delivery settings of a push subscription of a namespace topic, and its retry
    policy (namespace-delivery-retry.md).

    Attributes:
        max_delivery_attempts: Attempts before dead-lettering: `max_delivery_count`,
            1-10, default 10.
        event_time_to_live: Seconds from publishing an event may wait (60 s to 7 days).
        not_retried: Statuses that dead-letter at once (default 400, 401, 403, 404, 413
            and 414).
    """

    max_delivery_attempts: int = 10
    event_time_to_live: float = SEVEN_DAYS
    not_retried: frozenset[int] = NAMESPACE_NOT_RETRIED

    ATTEMPTS_RANGE: ClassVar[tuple[int, int]] = (1, 10)
    TIME_TO_LIVE_RANGE: ClassVar[tuple[float, float]] = (60, SEVEN_DAYS)
    PUBLIC_NAMES: ClassVar[Mapping[str, str]] = {"max_delivery_attempts": "max_delivery_count"}
    DOCS: ClassVar[str] = "guide/namespace-push/#delivery-settings"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "not_retried", _statuses(self.not_retried, self.DOCS))

    def never_retried(self, status: int | None) -> bool:
        return status in self.not_retried

    def next_due(self, pending: PendingEvent, status: int | None, now: float) -> float:
        """The next time of the schedule, counted from the first attempt; no sooner
        than the least wait after some statuses."""
        first = pending.first_attempt_at if pending.first_attempt_at is not None else now
        attempt = pending.attempts + 1
        # A least wait may have pushed this attempt past its own time: take the next.
        while first + namespace_attempt_time(attempt) <= now:
            attempt += 1
        scheduled = first + namespace_attempt_time(attempt)
        return max(scheduled, now + NAMESPACE_MIN_RETRY_DELAY.get(status or 0, 0.0))

    def expired(self, pending: PendingEvent, now: float) -> bool:
        # At the time-to-live itself the event is dead-lettered: the docs' example has
        # attempt 8 due at minute 20 of a 20-minute time-to-live dead-letter it.
        return now - pending.published_at >= self.event_time_to_live


def namespace_attempt_time(attempt: int) -> float:
    """Seconds after the first attempt that attempt number `attempt` (from 1) is due."""
    if attempt <= len(NAMESPACE_ATTEMPT_TIMES):
        return NAMESPACE_ATTEMPT_TIMES[attempt - 1]
    extra = attempt - len(NAMESPACE_ATTEMPT_TIMES)
    return NAMESPACE_ATTEMPT_TIMES[-1] + extra * NAMESPACE_RETRY_EVERY_AFTER


def _statuses(value: object, docs: str) -> frozenset[int]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        value = None
    statuses = list(value) if value is not None else None
    if statuses is None or not all(
        isinstance(status, int) and not isinstance(status, bool) and 400 <= status <= 599
        for status in statuses
    ):
        raise usage_error(
            f"not_retried must be a list of HTTP error statuses (400-599), such as "
            f"[400, 403, 413, 414]; got {value!r}.",
            anchor=docs,
        )
    return frozenset(statuses)


def _check_range(name: str, value: float, low: float, high: float, docs: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise usage_error(
            f"{name} must be between {low:g} and {high:g}, as on the service; got {value!r}.",
            anchor=docs,
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
    first_attempt_at: float | None = None


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
        last_attempt_at: Virtual time of the last attempt, or None if none was made
            (an event whose time-to-live ended before its first attempt).
        dead_letter_properties: What a namespace dead letter carries as
            `deadLetterProperties`: `deadletterreason`, `deliveryattempts`,
            `deliveryresult`, `publishutc` and `deliveryattemptutc` (empty for Basic).
    """

    event: Event
    reason: str
    delivery_attempts: int
    last_delivery_outcome: str
    published_at: float
    last_attempt_at: float | None
    dead_letter_properties: Mapping[str, Any] = field(default_factory=dict)


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
    # Set for namespace push: virtual seconds to UTC, for `deadLetterProperties`.
    utc: Callable[[float], datetime] | None = None
    # The broker's chaos (namespace push): duplicates and reordering of batches.
    chaos: ChaosSettings = field(default_factory=lambda: CALM)
    # Custom headers (webhooks) or message properties (Event Hubs) of each delivery.
    delivery_properties: tuple[DeliveryProperty, ...] = ()
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

    def pending_events(self) -> list[Event]:
        """The events waiting for a (re)delivery, soonest due first."""
        return [pending.event for _, _, pending in sorted(self._pending)]

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
            if self.settings.expired(pending, now):
                self._dead_letter(pending, REASON_TIME_TO_LIVE)
            else:
                alive.append(pending)
        if self.chaos.reorder and len(alive) > 1:
            alive = [alive.pop(self.chaos.pick(len(alive))) for _ in range(len(alive))]
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
        settings = self.settings
        for pending in batch:
            pending.attempts += 1
            pending.last_status = status
            pending.last_attempt_at = now
            if pending.first_attempt_at is None:
                pending.first_attempt_at = now
            if status in SUCCESS:
                self.delivered.append(pending.event)
                if self.chaos.duplicate():  # at-least-once: it comes once more
                    self.offer([pending.event], now)
            elif settings.never_retried(status):
                self._dead_letter(pending, REASON_NOT_RETRIED)
            elif pending.attempts >= settings.max_delivery_attempts:
                self._dead_letter(pending, REASON_MAX_ATTEMPTS)
            else:
                pending.due_at = settings.next_due(pending, status, now)
                heapq.heappush(self._pending, (pending.due_at, pending.seq, pending))
        return attempt

    def _dead_letter(self, pending: PendingEvent, reason: str) -> None:
        outcome = outcome_name(pending.last_status) if pending.attempts else "NotAttempted"
        letter = DeadLetter(
            event=pending.event,
            reason=reason,
            delivery_attempts=pending.attempts,
            last_delivery_outcome=outcome,
            published_at=pending.published_at,
            last_attempt_at=pending.last_attempt_at,
            dead_letter_properties=self._dead_letter_properties(pending, reason, outcome),
        )
        (self.dead_lettered if self.settings.dead_letter else self.dropped).append(letter)

    def _dead_letter_properties(
        self, pending: PendingEvent, reason: str, outcome: str
    ) -> dict[str, Any]:
        """The `deadLetterProperties` of a namespace dead letter (none for Basic)."""
        if self.utc is None:
            return {}
        attempted = pending.last_attempt_at
        return {
            "deadletterreason": NAMESPACE_REASON_TEXTS[reason],
            "deliveryattempts": pending.attempts,
            "deliveryresult": outcome,
            "publishutc": utc_text(self.utc(pending.published_at)),
            "deliveryattemptutc": None if attempted is None else utc_text(self.utc(attempted)),
        }


def utc_text(instant: datetime) -> str:
    """An instant as the service writes it in dead letters: seven decimals and a Z."""
    return f"{instant:%Y-%m-%dT%H:%M:%S}.{instant.microsecond:06d}0Z"


@dataclass(frozen=True)
class DeliveryProperty:
    """One delivery property (`deliveryAttributeMappings`) of a push subscription: a
    header (webhooks) or a message property (Event Hubs) set on each delivery.

    Attributes:
        name: The header or property name.
        value: A static value, or None for a dynamic one.
        source_field: The JSON path into the event a dynamic value comes from.
        secret: Whether a static value is secret (hidden when the subscription is read).
    """

    name: str
    value: str | None = None
    source_field: str | None = None
    secret: bool = False


@dataclass(frozen=True)
class HubMessage:
    """One message Event Grid sent to an event hub: one event, and its properties.

    Attributes:
        event: The event, as sent (a CloudEvent as JSON).
        properties: The message's application properties: `aeg-subscription-name`,
            `aeg-delivery-count`, `aeg-output-event-id`, `aeg-compatibility-mode-enabled`,
            `aeg-metadata-version`, and the subscription's delivery properties.
        partition_key: The `PartitionKey` delivery property, if one was set.
    """

    event: Event
    properties: Mapping[str, str]
    partition_key: str | None = None


@dataclass(frozen=True)
class HubBatch:
    """One send to an event hub: the messages of one delivery attempt that succeeded."""

    time: float
    topic: str
    subscription: str
    messages: tuple[HubMessage, ...]


@dataclass(eq=False)
class EventHub:
    """An Event Hubs destination, by name: there is no Event Hubs here, so what Event
    Grid sends it is kept, batch by batch."""

    name: str
    batches: list[HubBatch] = field(default_factory=list)
