"""The timeline of a fake Event Grid as text, for failure reports."""

from __future__ import annotations

import difflib
import shlex
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from .._broker import Broker, JournalEntry, JournalItem
from .._broker._filters import EventFilter
from .._wire._operations import PUBLISHES

_QUIET = frozenset({"create_topic", "create_subscription"})
_MIN_WHERE_WIDTH = 34


def _short(token: str | None) -> str:
    if not token:
        return "-"
    return f"{token[:6]}…{token[-6:]}" if len(token) > 16 else token


def _item(item: JournalItem) -> str:
    parts = []
    if item.event_id is not None:
        parts.append(f"id={item.event_id}")
    if item.event_type is not None:
        parts.append(f"type={item.event_type}")
    if item.lock_token is not None:
        parts.append(f"token={_short(item.lock_token)}")
    if item.delivery_count is not None:
        parts.append(f"delivery={item.delivery_count}")
    parts.append(f"-> {item.outcome}")
    return " ".join(parts)


def _host_labels(entries: Sequence[JournalEntry]) -> Callable[[str], str] | None:
    """How to name each host, when several took part: its first label, unless two
    hosts share one, then the whole host."""
    hosts = {entry.namespace for entry in entries}
    if len(hosts) < 2:
        return None
    if len({host.split(".", 1)[0] for host in hosts}) == len(hosts):
        return lambda host: host.split(".", 1)[0]
    return lambda host: host


def format_timeline(entries: Sequence[JournalEntry]) -> str:
    """One line per operation (and one per event or token), on the virtual clock."""
    if not entries:
        return "(no Event Grid operations)"
    label = _host_labels(entries)

    def where(entry: JournalEntry) -> str:
        place = entry.topic or ""
        if entry.topic and entry.subscription:
            place = f"{entry.topic}/{entry.subscription}"
        return f"{label(entry.namespace)}: {place}" if label else place

    width = max(_MIN_WHERE_WIDTH, *(len(where(entry)) for entry in entries))
    lines = []
    for entry in entries:
        head = f"t={entry.time:>9.3f}s  {entry.operation:<19} {where(entry)}"
        if entry.operation not in _QUIET:
            status = entry.status or ""  # 0: no request, time passed
            head = f"{head:<{len(head) - len(where(entry)) + width}} {status}"
            if entry.detail:
                head += f"  {entry.detail}"
        lines.append(head.rstrip())
        lines.extend(f"{'':14}{_item(item)}" for item in entry.items)
    return "\n".join(lines)


_SHOWN_TIMELINE = "eventgrid_timeline"  # the attribute that keeps what a message showed


def timeout_with_timeline(message: str, timeline: str) -> TimeoutError:
    """A `TimeoutError` whose message ends with the fake's timeline, as it was then."""
    error = TimeoutError(f"{message}\n{timeline}")
    setattr(error, _SHOWN_TIMELINE, timeline)
    return error


def timeline_shown(error: BaseException | None, timeline: str) -> bool:
    """Whether `error`, or an exception it chains, already shows `timeline` whole."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if getattr(error, _SHOWN_TIMELINE, None) == timeline:
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def failure_section(
    seed: int | str, timeline: str | None, error: BaseException | None = None
) -> str:
    """The "eventgrid timeline" text of a failed test: how to get the same ids and data
    again (`seed`), and what the fake did (`timeline`, if the test used a fake).

    When the test's `error` (an `until()` timeout) shows the timeline already, and the
    fake did nothing since, the section says so instead of printing it again.
    """
    again = shlex.quote(f"--eventgrid-seed={seed}")
    lines = [f"seed: {seed!r} (run again with {again} for the same ids and data)"]
    if timeline is not None:
        if timeline_shown(error, timeline):
            lines.append("timeline: in the TimeoutError above (the fake did nothing since)")
        else:
            lines.append(timeline)
    return "\n".join(lines)


# -- why events went missing -------------------------------------------------------------

# The filter of a namespace subscription, by (host, topic, subscription); None if gone.
FilterOf = Callable[[str, str, str], EventFilter | None]
Place = tuple[str, str]  # (host, topic)
_CLOSE_NAMES = 3
_CLOSENESS = 0.6
_SHOWN_IDS = 5


def filters_of(broker: Broker) -> FilterOf:
    """Where `explain_misses` reads the filters of `broker`'s subscriptions."""

    def filter_of(host: str, topic: str, name: str) -> EventFilter | None:
        with broker.lock:
            namespace = broker.namespaces.get(host)
            found = namespace.topics.get(topic) if namespace else None
            if found is None:
                return None
            queue = found.subscriptions.get(name)
            if queue is not None:
                return queue.settings.filter
            push = found.push_subscriptions.get(name)
            return push.filter if push is not None else None

    return filter_of


def _published(entry: JournalEntry) -> bool:
    """Whether `entry` is an accepted publish: a namespace publish or a Basic send."""
    return entry.operation in PUBLISHES and 0 < entry.status < 400 and bool(entry.topic)


def published_places(entries: Iterable[JournalEntry]) -> dict[Place, int]:
    """How many events each (host, topic) was given by accepted publishes, oldest first."""
    counts: dict[Place, int] = defaultdict(int)
    for entry in entries:
        if _published(entry):
            counts[(entry.namespace, entry.topic or "")] += len(entry.events)
    return {place: count for place, count in counts.items() if count}


def _ids(events: Sequence[Mapping[str, object]]) -> str:
    ids = [str(event.get("id")) for event in events[:_SHOWN_IDS]]
    more = f" and {len(events) - _SHOWN_IDS} more" if len(events) > _SHOWN_IDS else ""
    return ", ".join(ids) + more


def _events(count: int) -> str:
    return f"{count} event{'' if count == 1 else 's'}"


def describe_filter(event_filter: EventFilter) -> str:
    """The set parts of a filter, as the service's settings name them."""
    parts = []
    if event_filter.included_event_types is not None:
        parts.append(f"includedEventTypes={list(event_filter.included_event_types)!r}")
    if event_filter.subject_begins_with:
        parts.append(f"subjectBeginsWith={event_filter.subject_begins_with!r}")
    if event_filter.subject_ends_with:
        parts.append(f"subjectEndsWith={event_filter.subject_ends_with!r}")
    for rule in event_filter.advanced_filters:
        values = list(rule.values)
        parts.append(
            f"{rule.operator_type}({rule.key}, {values[0] if len(values) == 1 else values!r})"
        )
    return ", ".join(parts) or "no filter"


def near_topics(place: Place, others: Iterable[Place]) -> list[Place]:
    """The places of `others` that `place` may have been meant for: the same topic on
    another host, then topics with a close name (difflib), closest first."""
    host, topic = place
    others = [other for other in dict.fromkeys(others) if other != place]
    same = [other for other in others if other[1] == topic]
    names = sorted({name for _, name in others if name != topic})
    close = difflib.get_close_matches(topic, names, n=_CLOSE_NAMES, cutoff=_CLOSENESS)
    ranked = [other for name in close for other in others if other[1] == name]
    return [*same, *sorted(ranked, key=lambda other: (other[0] != host, close.index(other[1])))]


def where_topic(place: Place, *, home: str | None) -> str:
    """ "topic 'orders'", with its host unless it is `home`."""
    host, topic = place
    return f"topic {topic!r}" if host == home else f"topic {topic!r} on {host}"


def why_near(place: Place, near: Place) -> str:
    return "the same topic, another host" if near[1] == place[1] else "a close name"


Key = tuple[str, str, str]  # (host, topic, subscription)
Events = list[Mapping[str, object]]


class _Replay:
    """The journal replayed: which subscriptions each accepted publish reached."""

    def __init__(self, entries: Sequence[JournalEntry], filter_of: FilterOf) -> None:
        self.filter_of = filter_of
        self.created: dict[Place, dict[str, float]] = defaultdict(dict)
        self.published: dict[Place, int] = defaultdict(int)
        # How many events the topic had been given when each subscription was created.
        self.before: dict[Key, int] = {}
        self.reached: dict[Key, int] = defaultdict(int)
        self.unreached: list[tuple[JournalEntry, Events, dict[str, float]]] = []
        self.empty_receives: dict[Key, float] = {}
        for entry in entries:
            if entry.topic:
                self._replay(entry, (entry.namespace, entry.topic))

    def _replay(self, entry: JournalEntry, place: Place) -> None:
        host, topic = place
        name = entry.subscription
        if entry.operation == "create_subscription" and name:
            if name not in self.created[place]:
                self.created[place][name] = entry.time
                self.before[(host, topic, name)] = self.published[place]
        elif _published(entry):
            self.published[place] += len(entry.events)
            if entry.operation == "publish":
                self._deliver(entry, place)
        elif entry.operation == "receive" and name and not _received(entry):
            self.empty_receives.setdefault((host, topic, name), entry.time)

    def _deliver(self, entry: JournalEntry, place: Place) -> None:
        host, topic = place
        subscriptions = dict(self.created[place])
        missed: Events = []
        for event in entry.events:
            reached = [name for name in subscriptions if self.accepts(host, topic, name, event)]
            for name in reached:
                self.reached[(host, topic, name)] += 1
            if not reached:
                missed.append(event)
        if missed:
            self.unreached.append((entry, missed, subscriptions))

    def accepts(self, host: str, topic: str, name: str, event: Mapping[str, object]) -> bool:
        found = self.filter_of(host, topic, name)
        return found is None or found.matches(event)

    def filter_text(self, host: str, topic: str, name: str) -> str:
        found = self.filter_of(host, topic, name)
        return describe_filter(found) if found is not None else "no filter"


def _received(entry: JournalEntry) -> bool:
    return any(item.outcome == "ok" for item in entry.items)


def explain_misses(
    entries: Sequence[JournalEntry], filter_of: FilterOf, *, home: str | None = None
) -> list[str]:
    """In words: the publishes that reached no subscription, and the subscriptions that
    were received from but given nothing, with the topics they may have been meant for.

    Topics on `home` (the fake's own namespace) go without their host.
    """
    replay = _Replay(entries, filter_of)
    lines: list[str] = []
    if replay.unreached:
        lines += ["", "Events that reached no subscription:"]
        for entry, missed, subscriptions in replay.unreached:
            lines.extend(_unreached(replay, entry, missed, subscriptions, home))
    starved = [
        (key, time) for key, time in replay.empty_receives.items() if not replay.reached[key]
    ]
    if starved:
        lines += ["", "Subscriptions that were received from, but given no event:"]
        for key, time in starved:
            lines.extend(_starved(replay, key, time, home))
    return lines


def _unreached(
    replay: _Replay,
    entry: JournalEntry,
    missed: list[Mapping[str, object]],
    subscriptions: dict[str, float],
    home: str | None,
) -> list[str]:
    place = (entry.namespace, entry.topic or "")
    where = where_topic(place, home=home)
    lines = [
        f"  t={entry.time:.3f}s publish to {where}: {_events(len(missed))} (id {_ids(missed)})"
    ]
    if not subscriptions:
        lines.append(f"    No subscription was on {where} then.")
        later = {
            name: time for name, time in replay.created[place].items() if name not in subscriptions
        }
        lines.extend(
            f"    Subscription {name!r} was created later, at t={time:.3f}s: a subscription "
            "is given only the events published after it exists."
            for name, time in later.items()
        )
    else:
        lines.extend(
            f"    Subscription {name!r} filtered {'it' if len(missed) == 1 else 'them'} out "
            f"({replay.filter_text(*place, name)})."
            for name in subscriptions
        )
    subscribed = [other for other, names in replay.created.items() if names]
    near = near_topics(place, subscribed)
    lines.extend(
        f"    Near miss: {where_topic(other, home=home)} ({why_near(place, other)}) has "
        f"subscription{'s' if len(replay.created[other]) > 1 else ''} "
        f"{', '.join(map(repr, replay.created[other]))}."
        for other in near
    )
    return lines


def _starved(replay: _Replay, key: Key, time: float, home: str | None) -> list[str]:
    host, topic, name = key
    place = (host, topic)
    where = where_topic(place, home=home)
    on = "" if host == home else f" on {host}"
    lines = [f"  {topic}/{name}{on}, received from at t={time:.3f}s"]
    given = replay.published[place]
    before = replay.before.get(key, 0)
    if not given:
        lines.append(f"    Nothing was published to {where}.")
        published = [other for other, count in replay.published.items() if count]
        lines.extend(
            f"    Near miss: {where_topic(other, home=home)} ({why_near(place, other)}) was "
            f"given {_events(replay.published[other])}."
            for other in near_topics(place, published)
        )
    elif before == given:
        created = replay.created[place][name]
        lines.append(
            f"    The {_events(given)} published to {where} came before the subscription "
            f"existed (created at t={created:.3f}s): a subscription is given only the "
            "events published after it exists."
        )
    else:
        lines.append(
            f"    The {_events(given - before)} published to {where} since the subscription "
            f"was created did not pass its filter ({replay.filter_text(host, topic, name)})."
        )
    return lines
