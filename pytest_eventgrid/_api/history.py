"""History: what one fake served, as journal entries, as text and as calls.

The assertions read it through `scope()`; the timeline is what failure reports show.
"""

from __future__ import annotations

from .._broker import Broker, JournalEntry
from .calls import Scope
from .timeline import explain_misses, filters_of, format_timeline


def timeline(broker: Broker) -> list[JournalEntry]:
    """Every operation `broker` served, in order, with virtual times."""
    return broker.journal.entries()


def timeline_text(broker: Broker, home: str) -> str:
    """The timeline as text; then, in words, the publishes that reached no subscription
    and the subscriptions received from but given nothing (`home`: the fake's own host)."""
    entries = broker.journal.entries()
    misses = explain_misses(entries, filters_of(broker), home=home)
    return "\n".join([format_timeline(entries), *misses])


def scope(broker: Broker) -> Scope:
    """The calls of every namespace and topic `broker` serves."""
    return Scope(broker.journal)
