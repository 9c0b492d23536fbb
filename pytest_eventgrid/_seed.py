"""The seed of one test: from the marker, `--eventgrid-seed`, or the test's node id."""

from __future__ import annotations

import hashlib
import shlex
from typing import TYPE_CHECKING

import pytest

from ._markers import MARKER, marker_settings
from ._report import timeline_shown

if TYPE_CHECKING:
    from ._eventgrid import EventGrid

Seed = int | str

SEED = pytest.StashKey[Seed]()


def node_seed(nodeid: str) -> int:
    """A seed that only depends on `nodeid`: the same on every run and xdist worker."""
    return int.from_bytes(hashlib.sha256(nodeid.encode("utf-8")).digest()[:4], "big")


def parse_seed(text: str) -> Seed:
    """A `--eventgrid-seed` value: an int if it reads as one, else the text."""
    try:
        return int(text)
    except ValueError:
        return text


def seed_for(item: pytest.Item) -> Seed:
    """The seed of `item`, decided once: the marker's `seed=`, else `--eventgrid-seed`,
    else one derived from the node id."""
    if SEED not in item.stash:
        seed = marker_settings(item.iter_markers(MARKER)).get("seed")
        if seed is None:
            option: str | None = item.config.getoption("eventgrid_seed", None)
            seed = parse_seed(option) if option is not None else node_seed(item.nodeid)
        item.stash[SEED] = seed
    return item.stash[SEED]


def report_section(
    seed: Seed, eventgrid: EventGrid | None, error: BaseException | None = None
) -> str:
    """The "eventgrid timeline" report section: how to get the same ids and data
    again, and what the fake did (if the test used it).

    When the test's `error` (an `until()` timeout) shows the timeline already, and the
    fake did nothing since, the section says so instead of printing it again.
    """
    again = shlex.quote(f"--eventgrid-seed={seed}")
    lines = [f"seed: {seed!r} (run again with {again} for the same ids and data)"]
    if eventgrid is not None:
        timeline = eventgrid.format_timeline()
        if timeline_shown(error, timeline):
            lines.append("timeline: in the TimeoutError above (the fake did nothing since)")
        else:
            lines.append(timeline)
    return "\n".join(lines)
