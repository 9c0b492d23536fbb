"""Reading `@pytest.mark.eventgrid(...)` into `EventGrid` settings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from ._errors import UsageError, docs

MARKER = "eventgrid"
MARKER_KEYS = (
    "auto_create",
    "autojump",
    "basic_topics",
    "cassette",
    "chaos",
    "dead_letter",
    "faults",
    "key",
    "lock_duration",
    "max_delivery_count",
    "namespace",
    "record_mode",
    "region",
    "seed",
    "subscription",
    "time_to_live",
    "topic",
    "topics",
)
MARKER_SIGNATURE = (
    "eventgrid(topic='test-topic', subscription='test-subscription', topics=None, "
    "basic_topics=None, faults=None, chaos=None, cassette=None, record_mode=None, "
    "lock_duration=60, max_delivery_count=10, time_to_live=604800, dead_letter=True, "
    "key=None, auto_create=True, autojump=True, namespace='test-namespace', "
    "region='westus', seed=None): configure the fake Event Grid of this test "
    "(seed: by default from the test's node id, or --eventgrid-seed). "
    f"See {docs('guide/#the-marker')}"
)


def marker_settings(markers: Iterable[pytest.Mark]) -> dict[str, Any]:
    """Merge the markers, closest (first) winning, and check their keys."""
    __tracebackhide__ = True
    merged: dict[str, Any] = {}
    for mark in reversed(list(markers)):
        if mark.args:
            raise UsageError(
                f"@pytest.mark.{MARKER} takes keyword arguments only, got {mark.args!r}. "
                f"Allowed keys: {', '.join(MARKER_KEYS)}. See {docs('guide/#the-marker')}"
            )
        unknown = sorted(set(mark.kwargs) - set(MARKER_KEYS))
        if unknown:
            raise UsageError(
                f"Unknown @pytest.mark.{MARKER} key(s): {', '.join(unknown)}. "
                f"Allowed keys: {', '.join(MARKER_KEYS)}. See {docs('guide/#the-marker')}"
            )
        merged.update(mark.kwargs)
    return merged
