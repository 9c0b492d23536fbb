"""The seed of each test: the marker's `seed=`, `--eventgrid-seed`, or the test's node id."""

from __future__ import annotations

import hashlib

import pytest

from ._marker import item_settings

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
        seed = item_settings(item).get("seed")
        if seed is None:
            option: str | None = item.config.getoption("eventgrid_seed", None)
            seed = parse_seed(option) if option is not None else node_seed(item.nodeid)
        item.stash[SEED] = seed
    return item.stash[SEED]
