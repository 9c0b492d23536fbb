"""The value types of history: the calls the fake served, read from the broker journal,
and the events a subscription holds."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, SupportsIndex, overload

from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from .._broker import Journal, JournalEntry, Snapshot
from .._errors import docs
from .._wire._operations import OPERATIONS, PUBLISHES
from .._wire._schemas import as_cloudevent
from .cloudevent import decode as decode_cloudevent
from .cloudevent import decode_as

# Journal entries of requests (`OPERATIONS`) are calls; the others record topology and
# timed transitions. A request the fake refused is a call too, whatever it asked for.
REQUESTS = frozenset(OPERATIONS)
_CALLS_DOCS = "guide/assertions/#call-history"

Event = dict[str, object]


class SubscriptionEvent(CloudEvent):  # type: ignore[type-arg]
    """A `CloudEvent` as one subscription holds it, with its delivery state.

    Attributes:
        delivery_count: How many times the event has been delivered so far.
        state: "available", "delayed", "locked", "acknowledged", "rejected",
            "dead_lettered" or "dropped", as of when the view was read (for history
            lists, as of the recorded operation).
        lock_token: The token of the current lock, for locked events.
        locked_until: Virtual time (seconds) at which the lock expires.
        release_delay: The delay given with a release, for entries of `released`.
        dead_letter_reason: Why the event was dead-lettered or dropped.
        recorded_at: Virtual time (seconds) of the operation, for history lists.
    """

    delivery_count: int
    state: str
    lock_token: str | None
    locked_until: float | None
    release_delay: float | None
    dead_letter_reason: str | None
    recorded_at: float

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot) -> SubscriptionEvent:
        event = decode_as(cls, snapshot.event)
        event.delivery_count = snapshot.delivery_count
        event.state = snapshot.state.value
        event.lock_token = snapshot.lock_token
        event.locked_until = snapshot.locked_until
        event.release_delay = snapshot.release_delay
        event.dead_letter_reason = snapshot.dead_letter_reason
        event.recorded_at = snapshot.time
        return event

    def __repr__(self) -> str:
        return (
            f"SubscriptionEvent(type={self.type!r}, source={self.source!r}, id={self.id!r}, "
            f"state={self.state!r}, delivery_count={self.delivery_count})"
        )


@dataclass(frozen=True)
class Call:
    """One request the fake served, with the events it carried or touched.

    Attributes:
        operation: "publish", "receive", "acknowledge", "release", "reject" or
            "renew_locks" on namespace topics, "send" on Basic topics and domains
            (or "METHOD /path" for a request no route serves).
        time: Virtual time (seconds) of the operation.
        namespace: The host the request went to.
        topic: The topic it addressed, if any.
        subscription: The subscription it addressed, if any.
        status: The HTTP status the fake answered with.
        detail: What the timeline says besides (an error code and message, say).
        events: The events published, received or settled, decoded: azure-core
            `CloudEvent`s, `EventGridEvent`s (Event Grid schema) or dicts (custom
            schema).
        lock_tokens: The lock tokens the operation handed out or took.
        entry: The journal entry the call was read from.
    """

    operation: str
    time: float
    namespace: str
    topic: str | None
    subscription: str | None
    status: int
    detail: str = ""
    events: tuple[Any, ...] = field(default=(), compare=False)
    lock_tokens: tuple[str, ...] = ()
    entry: JournalEntry | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Whether the fake answered with a success status (not an error, and not an
        injected transport failure, which records status 0)."""
        return 0 < self.status < 400

    def describe(self) -> str:
        """One line: time, operation, where, status, detail and event ids."""
        where = f"{self.topic}/{self.subscription}" if self.subscription else self.topic
        line = f"t={self.time:.3f}s {self.operation}"
        if where:
            line += f" {where}"
        line += f" -> {self.status}"
        if self.detail:
            line += f" {self.detail}"
        if self.events:
            line += f" events={[_event_id(event) for event in self.events]!r}"
        return line


class CallList(list[Call]):
    """A list of `Call`s that also answers as `unittest.mock` does.

    `call_count`, `called`, `last`, `assert_called()`, `assert_called_once()` and
    `assert_not_called()` work as on a mock; `filter()` narrows the list down.
    """

    def __init__(
        self,
        calls: Iterable[Call] = (),
        *,
        where: str = "on the fake Event Grid",
        kind: str = "call",
        condition: str = "",
    ) -> None:
        super().__init__(calls)
        self._where = where
        self._kind = kind
        self._condition = condition

    @property
    def call_count(self) -> int:
        """How many calls there were."""
        return len(self)

    @property
    def called(self) -> bool:
        """Whether there was any call."""
        return bool(self)

    @property
    def last(self) -> Call:
        """The latest call; `AssertionError` if no call was made."""
        __tracebackhide__ = True
        if not self:
            raise AssertionError(
                f"No call to give as `last`: expected at least one {self._describe(1)}, "
                f"got none.\nSee {docs(_CALLS_DOCS)}"
            )
        return self[-1]

    def filter(self, operation: str | None = None, *, status: int | None = None) -> CallList:
        """The calls of `operation` ("publish", "receive", ...) and/or with `status`."""
        kept = [
            call
            for call in self
            if (operation is None or call.operation == operation)
            and (status is None or call.status == status)
        ]
        kind = self._kind if operation is None else f"{operation!r} {self._kind}"
        condition = self._condition if status is None else f" with status {status}"
        return CallList(kept, where=self._where, kind=kind, condition=condition)

    def assert_called(self) -> None:
        """Fail unless there was at least one call."""
        __tracebackhide__ = True
        if not self:
            raise AssertionError(self._message("at least one"))

    def assert_called_once(self) -> None:
        """Fail unless there was exactly one call."""
        __tracebackhide__ = True
        if len(self) != 1:
            raise AssertionError(self._message("exactly one"))

    def assert_not_called(self) -> None:
        """Fail if there was any call."""
        __tracebackhide__ = True
        if self:
            raise AssertionError(self._message("no"))

    def _message(self, expected: str) -> str:
        lines = [f"Expected {expected} {self._describe(1)}, got {len(self) or 'none'}."]
        lines.extend(f"  {index}. {call.describe()}" for index, call in enumerate(self, 1))
        lines.append(f"See {docs(_CALLS_DOCS)}")
        return "\n".join(lines)

    @overload
    def __getitem__(self, index: SupportsIndex) -> Call: ...

    @overload
    def __getitem__(self, index: slice) -> CallList: ...

    def __getitem__(self, index: SupportsIndex | slice) -> Call | CallList:
        if isinstance(index, slice):
            calls = super().__getitem__(index)
            return CallList(calls, where=self._where, kind=self._kind, condition=self._condition)
        return super().__getitem__(index)

    def _describe(self, count: int) -> str:
        plural = "" if count == 1 else "s"
        return f"{self._kind}{plural}{self._condition} {self._where}"

    def __repr__(self) -> str:
        return f"<CallList: {len(self)} {self._describe(len(self))}>"


@dataclass(frozen=True)
class Scope:
    """Which part of the fake a view stands for: all of it, a topic, or a subscription."""

    journal: Journal
    namespace: str | None = None
    topic: str | None = None
    subscription: str | None = None

    @property
    def label(self) -> str:
        """The scope in words: "subscription 'orders/billing'", say."""
        if self.subscription is not None:
            return f"subscription '{self.topic}/{self.subscription}'"
        if self.topic is not None:
            return f"topic '{self.topic}'"
        return "the fake Event Grid"

    def covers(self, entry: JournalEntry) -> bool:
        """Whether `entry` is an operation on this scope."""
        return (
            (self.namespace is None or entry.namespace == self.namespace)
            and (self.topic is None or entry.topic == self.topic)
            and (self.subscription is None or entry.subscription == self.subscription)
        )

    def calls(self) -> CallList:
        """Every request served on this scope, oldest first."""
        return CallList(_calls(self.journal.entries(), self), where=f"on {self.label}")

    def published(self) -> list[tuple[str, CloudEvent[Any]]]:
        """(topic, event) for every event published to this scope, oldest first.

        For a subscription, that is what was published to its topic while the
        subscription existed: the events it was given. Basic topics count too:
        EventGridEvents are seen as the CloudEvents the service would deliver for them
        (`type` from `eventType`, `source` from `topic`), and a custom-schema event as
        a CloudEvent whose `data` is the whole object.
        """
        found: list[tuple[str, CloudEvent[Any]]] = []
        topic = replace(self, subscription=None)
        subscribed = self.subscription is None
        for entry in self.journal.entries():
            if not subscribed:
                subscribed = entry.operation == "create_subscription" and self.covers(entry)
            elif entry.operation in PUBLISHES and entry.status < 400 and topic.covers(entry):
                source = f"/{entry.namespace}/{entry.topic}"
                found.extend(
                    (entry.topic or "", decode(as_cloudevent(event, source=source)))
                    for event in entry.events
                )
        return found


def decode(event: Event) -> CloudEvent[Any]:
    """A stored CloudEvent as an azure-core `CloudEvent`, as a consumer would get it."""
    return decode_cloudevent(event)


def _decode_any(event: Event) -> Any:
    """A stored event of any schema, as the SDK would give it (a dict for a custom schema)."""
    try:
        if "specversion" in event:
            return decode(event)
        if "eventType" in event:
            return EventGridEvent.from_dict(dict(event))
    except (ValueError, TypeError, KeyError):  # the SDK cannot read it; show it as it is
        pass
    return dict(event)


def _event_id(event: Any) -> object:
    return event.get("id") if isinstance(event, dict) else event.id


def _calls(entries: Iterable[JournalEntry], scope: Scope) -> Iterator[Call]:
    stored: dict[tuple[str, str | None, str], Event] = {}
    for entry in entries:
        if entry.operation == "publish":
            for event in entry.events:
                stored[(entry.namespace, entry.topic, str(event.get("id")))] = event
        if not scope.covers(entry) or (entry.operation not in REQUESTS and entry.status < 400):
            continue
        if entry.events:
            events = [_decode_any(event) for event in entry.events]
        else:
            events = [
                _decode_any(stored[key])
                for item in entry.items
                if item.outcome == "ok"
                and (key := (entry.namespace, entry.topic, str(item.event_id))) in stored
            ]
        yield Call(
            operation=entry.operation,
            time=entry.time,
            namespace=entry.namespace,
            topic=entry.topic,
            subscription=entry.subscription,
            status=entry.status,
            detail=entry.detail,
            events=tuple(events),
            lock_tokens=tuple(item.lock_token for item in entry.items if item.lock_token),
            entry=entry,
        )
