"""Where a test's cassette lives, and which record mode applies to it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from ._doors._recorder import RECORD_MODES
from ._errors import UsageError, docs

DEFAULT_RECORD_MODE = "none"
# What the eventgrid_cassette_options fixture may set; the path, mode and clock are ours.
RECORDER_OPTIONS = ("sanitize", "sanitize_json", "sanitize_hosts", "hosts", "match_on", "ignore")


def cassette_path(item: pytest.Item, cassette: str | bool) -> Path:
    """`cassettes/<module>/<name>.json` next to the test module; `True` names it after
    the test. A name with a suffix or a directory part is taken as given, relative to
    the module's directory."""
    module = Path(str(item.path))
    if cassette is True:
        name = re.sub(r"[^\w.-]+", "_", item.name).strip("_") + ".json"
        return module.parent / "cassettes" / module.stem / name
    if not isinstance(cassette, str) or not cassette:
        raise UsageError(
            f"cassette= takes a name or True; got {cassette!r}. "
            f"See {docs('guide/playback/#cassettes-in-tests')}"
        )
    given = Path(cassette)
    if given.suffix or len(given.parts) > 1:
        return module.parent / given
    return module.parent / "cassettes" / module.stem / f"{cassette}.json"


def record_mode(config: pytest.Config, marker_mode: str | None) -> str:
    """The record mode: `--eventgrid-record-mode`, else the marker's `record_mode=`, else
    the `eventgrid_record_mode` ini key, else "none"."""
    option: str | None = config.getoption("eventgrid_record_mode", None)
    ini = str(config.getini("eventgrid_record_mode") or "") or None
    mode = option or marker_mode or ini or DEFAULT_RECORD_MODE
    if mode not in RECORD_MODES:
        source = (
            "--eventgrid-record-mode" if option else "record_mode=" if marker_mode else "the ini"
        )
        raise UsageError(
            f"Unknown record mode {mode!r} (from {source}); valid modes: "
            f"{', '.join(RECORD_MODES)}. See {docs('guide/playback/#record-modes')}"
        )
    return mode


def recorder_options(options: object) -> dict[str, Any]:
    """The `record()` keywords the `eventgrid_cassette_options` fixture returned, checked."""
    if not isinstance(options, Mapping):
        raise UsageError(
            f"eventgrid_cassette_options must return a dict of record() keywords, not "
            f"{options!r}. See {docs('guide/playback/#cassettes-in-tests')}"
        )
    unknown = sorted(str(name) for name in options if name not in RECORDER_OPTIONS)
    if unknown:
        raise UsageError(
            f"eventgrid_cassette_options returned {', '.join(unknown)}, which it cannot set; "
            f"it takes {', '.join(RECORDER_OPTIONS)}. "
            f"See {docs('guide/playback/#cassettes-in-tests')}"
        )
    return dict(options)
