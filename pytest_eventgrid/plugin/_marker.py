"""Reading `@pytest.mark.eventgrid(...)` into `EventGrid` settings.

The library's checks are imported when a test carries the marker, not when pytest
loads the plugin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from .. import _errors
from .._errors import UsageError, did_you_mean, docs, in_context, usage_error

MARKER_DOCS = "guide/#the-marker"

MARKER = "eventgrid"
MARKER_KEYS = (
    "auto_create",
    "autojump",
    "basic_topics",
    "cassette",
    "chaos",
    "dead_letter",
    "event_retention_in_days",
    "faults",
    "intercept",
    "key",
    "lock_duration",
    "max_delivery_count",
    "namespace",
    "record_mode",
    "region",
    "seed",
    "subscription",
    "system_topics",
    "time_to_live",
    "topic",
    "topics",
)
MARKER_SIGNATURE = (
    "eventgrid(topic='test-topic', subscription='test-subscription', topics=None, "
    "basic_topics=None, system_topics=None, faults=None, chaos=None, cassette=None, "
    "record_mode=None, "
    "lock_duration=60, max_delivery_count=10, time_to_live=604800, dead_letter=True, "
    "event_retention_in_days=7, key=None, auto_create=True, autojump=True, intercept=True, "
    "namespace='test-namespace', region='westus', seed=None): configure the fake Event "
    "Grid of this test (seed: by default from the test's node id, or --eventgrid-seed). "
    f"See {docs('guide/#the-marker')}"
)


_SETTINGS = pytest.StashKey[dict[str, Any]]()


def item_settings(item: pytest.Item) -> dict[str, Any]:
    """The merged and checked marker settings of `item` (a copy), read once per test;
    empty without the marker."""
    __tracebackhide__ = True
    settings = item.stash.get(_SETTINGS, None)
    if settings is None:
        markers = list(item.iter_markers(MARKER))
        settings = item.stash[_SETTINGS] = marker_settings(markers) if markers else {}
    return dict(settings)


def marker_settings(markers: Iterable[pytest.Mark]) -> dict[str, Any]:
    """Merge the markers, closest (first) winning, and check their keys and values."""
    __tracebackhide__ = True
    merged: dict[str, Any] = {}
    for mark in reversed(list(markers)):
        if mark.args:
            raise usage_error(
                f"@pytest.mark.{MARKER} positional arguments",
                mark.args,
                f"keyword arguments only, of {', '.join(MARKER_KEYS)}",
                MARKER_DOCS,
            )
        unknown = sorted(set(mark.kwargs) - set(MARKER_KEYS))
        if unknown:
            raise usage_error(
                f"@pytest.mark.{MARKER} key(s)",
                unknown,
                f"only the marker's keys: {', '.join(MARKER_KEYS)}"
                + did_you_mean(unknown[0], MARKER_KEYS),
                MARKER_DOCS,
            )
        merged.update(mark.kwargs)
    check_marker_values(merged)
    return merged


def check_marker_values(settings: Mapping[str, Any]) -> None:
    """Check the settings that only the plugin reads (the cassette, the record mode, the
    seed, `intercept`), and say that the marker holds the mistake. The library checks the
    rest when the `eventgrid` fixture builds the fake (`in_marker()`)."""
    __tracebackhide__ = True
    from .._api.mock import checked_intercept

    try:
        _check_cassette_keys(settings)
        if "intercept" in settings:
            checked_intercept(settings["intercept"])
    except UsageError as error:
        raise in_marker(error) from None


def in_marker(error: UsageError) -> UsageError:
    """`error`, said to be found in the marker's settings."""
    return in_context(f"@pytest.mark.{MARKER}(...)", error)


def _check_cassette_keys(settings: Mapping[str, Any]) -> None:
    from .._api.mock import CASSETTES_DOCS, checked_record_mode

    cassette = settings.get("cassette")
    if not (
        cassette is None or isinstance(cassette, bool) or (isinstance(cassette, str) and cassette)
    ):
        raise usage_error(
            "cassette",
            cassette,
            "a cassette name, or True to name it after the test",
            CASSETTES_DOCS,
        )
    mode = settings.get("record_mode")
    if mode is not None:
        checked_record_mode(mode)
    seed = settings.get("seed")
    if seed is not None:
        _errors.seed("seed", seed, "guide/factories/#seeding")
