"""The timeline of a fake Event Grid as text, for failure reports."""

from __future__ import annotations

from collections.abc import Sequence

from ._broker import JournalEntry, JournalItem

_QUIET = frozenset({"create_topic", "create_subscription"})


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


def _where(entry: JournalEntry) -> str:
    if entry.topic and entry.subscription:
        return f"{entry.topic}/{entry.subscription}"
    return entry.topic or ""


def format_timeline(entries: Sequence[JournalEntry]) -> str:
    """One line per operation (and one per event or token), on the virtual clock."""
    if not entries:
        return "(no Event Grid operations)"
    lines = []
    for entry in entries:
        head = f"t={entry.time:>9.3f}s  {entry.operation:<19} {_where(entry):<34} {entry.status}"
        if entry.detail:
            head += f"  {entry.detail}"
        if entry.operation in _QUIET:
            head = f"t={entry.time:>9.3f}s  {entry.operation:<19} {_where(entry)}"
        lines.append(head.rstrip())
        lines.extend(f"{'':14}{_item(item)}" for item in entry.items)
    return "\n".join(lines)
