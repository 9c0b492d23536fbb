"""Where a test's cassette lives, which record mode applies to it, and the recorder
options the `eventgrid_cassette_options` fixture sets.

The library is imported when a test has a cassette, not when pytest loads the plugin.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from .._errors import usage_error


def cassette_path(item: pytest.Item, cassette: str | bool) -> Path:
    """`cassettes/<module>/<name>.json` next to the test module; `True` names it after
    the test. A name with a suffix or a directory part is taken as given, relative to
    the module's directory."""
    from .._api.mock import CASSETTES_DOCS

    module = Path(str(item.path))
    if cassette is True:
        name = re.sub(r"[^\w.-]+", "_", item.name).strip("_") + ".json"
        return module.parent / "cassettes" / module.stem / name
    if not isinstance(cassette, str) or not cassette:
        raise usage_error(
            f"cassette= takes a name or True; got {cassette!r}.", anchor=CASSETTES_DOCS
        )
    given = Path(cassette)
    if given.suffix or len(given.parts) > 1:
        return module.parent / given
    return module.parent / "cassettes" / module.stem / f"{cassette}.json"


def record_mode(config: pytest.Config, marker_mode: str | None) -> str:
    """The record mode: `--eventgrid-record-mode`, else the marker's `record_mode=`, else
    the `eventgrid_record_mode` ini key, else "none"."""
    from .._api.mock import DEFAULT_RECORD_MODE, RECORD_MODES_DOCS
    from ..recordings import RECORD_MODES

    option: str | None = config.getoption("eventgrid_record_mode", None)
    ini = str(config.getini("eventgrid_record_mode") or "") or None
    mode = option or marker_mode or ini or DEFAULT_RECORD_MODE
    if mode not in RECORD_MODES:
        source = (
            "--eventgrid-record-mode" if option else "record_mode=" if marker_mode else "the ini"
        )
        raise usage_error(
            f"Unknown record mode {mode!r} (from {source}); valid modes: "
            f"{', '.join(RECORD_MODES)}.",
            anchor=RECORD_MODES_DOCS,
        )
    return mode


def cassette_options(options: object) -> dict[str, Any]:
    """The `record()` keywords the `eventgrid_cassette_options` fixture returned, checked."""
    from .._api.mock import CASSETTE_OPTIONS, CASSETTES_DOCS

    if not isinstance(options, Mapping):
        raise usage_error(
            f"eventgrid_cassette_options must return a dict of record() keywords, not {options!r}.",
            anchor=CASSETTES_DOCS,
        )
    unknown = sorted(str(name) for name in options if name not in CASSETTE_OPTIONS)
    if unknown:
        raise usage_error(
            f"eventgrid_cassette_options returned {', '.join(unknown)}, which it cannot set; "
            f"it takes {', '.join(CASSETTE_OPTIONS)}.",
            anchor=CASSETTES_DOCS,
        )
    return dict(options)
