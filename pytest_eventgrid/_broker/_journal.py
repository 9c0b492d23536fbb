"""The timeline of what the fake service did, for reports and call history."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class JournalItem:
    """One event or lock token touched by an operation."""

    event_id: str | None = None
    event_type: str | None = None
    lock_token: str | None = None
    delivery_count: int | None = None
    outcome: str = "ok"

    def with_outcome(self, outcome: str) -> JournalItem:
        return replace(self, outcome=outcome)


@dataclass(frozen=True)
class JournalEntry:
    """One operation of the fake service, at a time on the virtual clock."""

    time: float
    operation: str
    namespace: str
    topic: str | None = None
    subscription: str | None = None
    items: tuple[JournalItem, ...] = ()
    status: int = 200
    detail: str = ""
    events: tuple[dict[str, object], ...] = field(default=(), repr=False, compare=False)


JournalListener = Callable[[JournalEntry], None]
# Sets one field of a frozen dataclass, as its own `__init__` does.
_set_field = object.__setattr__
_new = object.__new__


def _publish_item(event: Mapping[str, object]) -> JournalItem:
    item = _new(JournalItem)
    _set_field(item, "event_id", str(event.get("id")))
    _set_field(item, "event_type", str(event.get("type")))
    _set_field(item, "lock_token", None)
    _set_field(item, "delivery_count", None)
    _set_field(item, "outcome", "ok")
    return item


class _ItemsOfEvents:
    """`JournalEntry.items` where an entry was built without them (a publish's): one
    item per event of `events`, built on the first read and kept.

    A publish is the request the fake answers most, and its items are seldom read.
    An entry built with `items` keeps them in its own fields, which come first.
    """

    def __get__(
        self, entry: JournalEntry | None, owner: type[JournalEntry] | None = None
    ) -> tuple[JournalItem, ...]:
        if entry is None:
            return ()  # the field's default, as the class attribute was
        items = tuple([_publish_item(event) for event in entry.events])
        _set_field(entry, "items", items)
        return items


# Reads of `items` find an entry's own value first, as for any field; the class
# attribute (the default) serves the entries built without it.
setattr(JournalEntry, "items", _ItemsOfEvents())  # noqa: B010 - past the dataclass's typing


def publish_entry(
    time: float, namespace: str, topic: str, events: Sequence[dict[str, object]]
) -> JournalEntry:
    """The entry of a publish of `events` to `topic`, with one item per event (built
    when first read).

    Its fields are written straight into the instance's dictionary, where the frozen
    dataclass's `__init__` would put them one call each: a publish is the request the
    fake answers most. The fields left at their defaults (`subscription`, `status`,
    `detail`) are read from the class, where the dataclass keeps the defaults.
    """
    entry = _new(JournalEntry)
    fields = entry.__dict__
    fields["time"] = time
    fields["operation"] = "publish"
    fields["namespace"] = namespace
    fields["topic"] = topic
    fields["events"] = tuple(events)
    return entry


class Journal:
    """An append-only, thread-safe list of `JournalEntry`, with change listeners."""

    def __init__(self) -> None:
        self._entries: list[JournalEntry] = []
        self._listeners: list[JournalListener] = []
        self._lock = threading.Lock()

    def record(self, entry: JournalEntry) -> None:
        with self._lock:
            self._entries.append(entry)
            if not self._listeners:
                return
            listeners = list(self._listeners)
        for listener in listeners:
            listener(entry)

    def add_listener(self, listener: JournalListener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: JournalListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self._entries)
