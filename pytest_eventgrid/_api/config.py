"""The emulator's config file: the marker's keys, in JSON or TOML.

A file is read by its suffix (`.json` or `.toml`) and refused at once when it is bad:
the message names the file, the line and the key. The values are checked by the
library, by building the `EventGrid` they describe; when it refuses one, the key at
fault is found by building it from each key alone, and its line by a small locator
(the top-level key in the JSON text, or the TOML `key =` / `[key...]` line).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .._errors import UsageError, in_context, one_of, usage_error
from .emulator import NOT_FOR_SERVER, SERVER_KEYS, checked_server_settings
from .eventgrid import EventGrid

CONFIG_DOCS = "guide/emulator/#the-config-file"
# The keys of `@pytest.mark.eventgrid` and `mock_eventgrid()` that configure a server's
# fake; the others (NOT_FOR_SERVER) are refused with the reason.
CONFIG_KEYS = SERVER_KEYS
SUFFIXES = (".json", ".toml")

Locator = Callable[[str], "int | None"]


def load_config(path: str | Path) -> dict[str, Any]:
    """The settings in the JSON or TOML file at `path`, checked: a `UsageError` names
    the file, the line and the key of the first mistake."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in SUFFIXES:
        raise usage_error(
            "config", str(path), "a .json or a .toml file (read by its suffix)", CONFIG_DOCS
        )
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise usage_error(
            "config", str(path), f"a readable UTF-8 file ({error})", CONFIG_DOCS
        ) from None
    if suffix == ".toml":
        loaded = _parsed_toml(text, str(path))
        locate: Locator = lambda key: toml_key_line(text, key)  # noqa: E731
    else:
        loaded = _parsed_json(text, str(path))
        locate = lambda key: json_key_line(text, key)  # noqa: E731
    if not isinstance(loaded, dict):
        raise usage_error(
            f"config file {path}",
            type(loaded).__name__,
            "a JSON object or a TOML document of the marker's keys",
            CONFIG_DOCS,
        )
    return checked_config(loaded, str(path), locate)


def checked_config(
    settings: Mapping[str, Any], source: str, locate: Locator | None = None
) -> dict[str, Any]:
    """`settings` (the config schema: the marker's keys), checked by the library.

    A mistake is said to be in `source` (a file name), at the line `locate(key)`
    gives for the key at fault, when it gives one.
    """

    def where(key: str) -> str:
        line = locate(key) if locate is not None else None
        return f"{source}, line {line}, {key}" if line is not None else f"{source}, {key}"

    for key in settings:
        if key in NOT_FOR_SERVER:
            checked_server_settings({key: settings[key]}, where(key))
        elif key not in CONFIG_KEYS:
            raise usage_error(
                f"{where(key)}: unknown key",
                key,
                f"a key of @pytest.mark.eventgrid that configures a server: "
                f"{one_of(CONFIG_KEYS, key)}",
                CONFIG_DOCS,
            )
    checked = {
        key: value for key, value in settings.items() if not (key == "seed" and value is None)
    }
    try:
        EventGrid(**checked)
    except UsageError as error:
        at_fault, alone = _key_at_fault(checked)
        if at_fault is None:
            raise in_context(source, error) from None
        raise in_context(where(at_fault), alone or error) from None
    return checked


def _key_at_fault(settings: Mapping[str, Any]) -> tuple[str | None, UsageError | None]:
    """The first key whose value the library refuses on its own, and its error."""
    for key, value in settings.items():
        try:
            EventGrid(**{key: value})
        except UsageError as error:
            return key, error
    return None, None


# -- reading ---------------------------------------------------------------------------


def _parsed_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise usage_error(
            f"{source}, line {error.lineno}, column {error.colno}: not valid JSON ({error.msg}).",
            anchor=CONFIG_DOCS,
        ) from None


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def _parsed_toml(text: str, source: str) -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise usage_error(
                "Reading a TOML config needs 'tomli' on Python 3.10: "
                "pip install 'pytest-eventgrid[server]'.",
                anchor=CONFIG_DOCS,
            ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        at = f", line {position[1]}, column {position[2]}" if position else ""
        reason = _TOML_POSITION.sub("", message).strip()
        raise usage_error(f"{source}{at}: not valid TOML ({reason}).", anchor=CONFIG_DOCS) from None


# -- where a key is --------------------------------------------------------------------


def json_key_line(text: str, key: str) -> int | None:
    """The line of the top-level `key` in the JSON object `text` (a valid document)."""
    depth = 0
    line = 1
    index = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            end = index + 1
            while text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            after = text[end + 1 :].lstrip()
            if depth == 1 and after.startswith(":") and json.loads(text[index : end + 1]) == key:
                return line
            index = end + 1
            continue
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        elif char == "\n":
            line += 1
        index += 1
    return None


_TOML_TABLE = re.compile(r"""\[\[?\s*(["']?)([^\s.\]"']+)\1\s*[.\]]""")
_TOML_KEY = re.compile(r"""(["']?)([^\s.="']+)\1\s*[.=]""")


def toml_key_line(text: str, key: str) -> int | None:
    """The line of the top-level `key` in the TOML document `text`: its `key = ...`
    (or dotted `key.x = ...`) before the first table, or its first `[key...]` table."""
    in_table = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        table = _TOML_TABLE.match(line)
        if table:
            in_table = True
            if table[2] == key:
                return number
            continue
        entry = None if in_table else _TOML_KEY.match(line)
        if entry and entry[2] == key:
            return number
    return None
