"""The timeline of a fake Event Grid as text, for failure reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ._broker import JournalEntry, JournalItem

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
