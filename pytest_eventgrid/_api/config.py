"""The emulator's config file: the marker's keys, in JSON or TOML."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .._errors import usage_error

CONFIG_DOCS = "guide/emulator/#the-config-file"


def load_config(path: str | Path) -> dict[str, Any]:
    """The settings in the JSON or TOML file at `path`."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise usage_error("config", str(path), f"a readable file ({error})", CONFIG_DOCS) from None
    if file.suffix.lower() == ".toml":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            import tomli as tomllib
        loaded: Any = tomllib.loads(text)
    else:
        loaded = json.loads(text)
    if not isinstance(loaded, dict):
        raise usage_error(
            "config", str(path), "a JSON object or TOML table of marker keys", CONFIG_DOCS
        )
    return loaded
