"""Settings of queue subscriptions, checked against the service's ranges."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from typing import Any

from .. import _errors
from .._errors import usage_error
from ._filters import EventFilter, parse_filter

DAY = 24 * 3600.0
SEVEN_DAYS = 7 * DAY
LOCK_DURATION_RANGE = (60.0, 300.0)
MAX_DELIVERY_COUNT_RANGE = (1, 10)
MIN_TIME_TO_LIVE = 60.0
SETTINGS_DOCS = "guide/#subscription-settings"
TOPOLOGY_DOCS = "guide/#topology"
RETENTION_DOCS = "guide/#retention"
# A namespace topic's `eventRetentionInDays`: 1 to 7 days, 7 by default (event-retention.md).
RETENTION_DAYS_RANGE = (1, 7)
DEFAULT_RETENTION_DAYS = 7


def seconds(value: float | timedelta, name: str) -> float:
    """`value` in seconds: a `timedelta` or a number, finite and >= 0."""
    return _errors.seconds(name, value, SETTINGS_DOCS)


@dataclass(frozen=True)
class SubscriptionSettings:
    """The delivery settings of one queue subscription.

    Attributes:
        lock_duration: Seconds a received event stays locked (60-300, default 60).
        max_delivery_count: Deliveries before the event is dead-lettered (1-10, default 10).
        time_to_live: Seconds an event may wait before it is dead-lettered (default 7 days).
        dead_letter: Keep rejected and expired events in a dead-letter store (default
            `True`); with `False` they are dropped, as on a subscription with no
            dead-letter destination.
        filter: Which published events the subscription takes, as the service's
            `filtersConfiguration` (`includedEventTypes`, `filters`); a mapping is
            parsed with the service's semantics and limits.
    """

    lock_duration: float = 60.0
    max_delivery_count: int = 10
    time_to_live: float = SEVEN_DAYS
    dead_letter: bool = True
    filter: EventFilter = field(default_factory=EventFilter)

    def __post_init__(self) -> None:
        for name in ("lock_duration", "time_to_live"):
            object.__setattr__(self, name, seconds(getattr(self, name), name))
        object.__setattr__(self, "filter", parse_filter(self.filter))
        low, high = LOCK_DURATION_RANGE
        if not low <= self.lock_duration <= high:
            raise usage_error(
                f"lock_duration must be between {low:g} and {high:g} seconds, as on the "
                f"service; got {self.lock_duration:g}.",
                anchor=TOPOLOGY_DOCS,
            )
        low_count, high_count = MAX_DELIVERY_COUNT_RANGE
        if (
            isinstance(self.max_delivery_count, bool)
            or not isinstance(self.max_delivery_count, int)
            or not low_count <= self.max_delivery_count <= high_count
        ):
            raise usage_error(
                f"max_delivery_count must be an integer from {low_count} to {high_count}, "
                f"as on the service; got {self.max_delivery_count!r}.",
                anchor=TOPOLOGY_DOCS,
            )
        if not MIN_TIME_TO_LIVE <= self.time_to_live <= SEVEN_DAYS:
            raise usage_error(
                "time_to_live must be between 60 seconds and 7 days, as on the service; "
                f"got {self.time_to_live:g} seconds.",
                anchor=TOPOLOGY_DOCS,
            )
        if self.time_to_live < self.lock_duration:
            raise usage_error(
                f"time_to_live ({self.time_to_live:g} seconds) must be at least the "
                f"lock_duration ({self.lock_duration:g} seconds), as on the service.",
                anchor=TOPOLOGY_DOCS,
            )
        _errors.flag("dead_letter", self.dead_letter, SETTINGS_DOCS)

    def updated(self, **changes: Any) -> SubscriptionSettings:
        """A copy with `changes` applied and checked."""
        allowed = {field.name for field in fields(self)}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise usage_error(
                "subscription setting(s)",
                unknown,
                f"some of {', '.join(sorted(allowed))}",
                SETTINGS_DOCS,
            )
        converted: dict[str, Any] = dict(changes)
        if "filter" in converted and not isinstance(converted["filter"], EventFilter):
            converted["filter"] = parse_filter(converted["filter"])
        return replace(self, **converted)


def retention_days(value: object, name: str = "event_retention_in_days") -> int:
    """A namespace topic's event retention: whole days, 1 to 7, as on the service."""
    low, high = RETENTION_DAYS_RANGE
    return _errors.integer(name, value, RETENTION_DOCS, low=low, high=high)


def capped_to_retention(defaults: SubscriptionSettings, days: int) -> SubscriptionSettings:
    """`defaults` for a new subscription of a topic that keeps events `days` days: the
    service's default time-to-live is 7 days or the topic's retention, whichever is lower."""
    if defaults.time_to_live <= days * DAY:
        return defaults
    return replace(defaults, time_to_live=days * DAY)


def check_within_retention(
    settings: SubscriptionSettings, days: int, topic: str, subscription: str
) -> None:
    """Refuse a time-to-live longer than the topic's retention, as the service does (its
    exact error text is not published: this one names both values)."""
    if settings.time_to_live > days * DAY:
        raise usage_error(
            f"time_to_live of subscription '{subscription}' ({settings.time_to_live:g} "
            f"seconds) is longer than the event_retention_in_days of topic '{topic}' "
            f"({days} days, {days * DAY:g} seconds): the service refuses an eventTimeToLive "
            "greater than the topic's eventRetentionInDays.",
            anchor=RETENTION_DOCS,
        )
