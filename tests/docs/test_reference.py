"""The docs' lists of marker keys, command-line options and ini keys are the code's."""

from __future__ import annotations

import re

import pytest

from pytest_eventgrid import UsageError
from pytest_eventgrid.plugin._marker import MARKER_KEYS, marker_settings

from ._blocks import ROOT

REFERENCE = ROOT / "docs" / "reference.md"
GUIDE = ROOT / "docs" / "guide" / "index.md"


def _section(path: str, heading: str) -> str:
    """The text of a page from `heading` to the next heading of any level."""
    text = (ROOT / "docs" / path).read_text(encoding="utf-8")
    start = text.index(f"\n{heading}")
    end = text.find("\n#", start + len(heading) + 1)
    return text[start : end if end != -1 else None]


def _first_column(section: str) -> list[str]:
    """The backticked names that start the rows of the section's tables."""
    return re.findall(r"^\| `([^`=]+)[^`]*` \|", section, flags=re.MULTILINE)


def _plugin_help(pytester: pytest.Pytester) -> list[str]:
    return pytester.runpytest("-p", "no:cacheprovider", "--help").outlines


def test_the_guide_marker_table_lists_every_marker_key() -> None:
    keys = _first_column(_section("guide/index.md", "## The marker"))
    assert sorted(keys) == sorted(MARKER_KEYS)


def test_the_reference_lists_every_marker_key() -> None:
    section = _section("reference.md", "## Marker")
    listed = section.split("as keyword arguments only:", 1)[1].split("\n\n")[1]
    assert re.findall(r"`(\w+)`", listed) == sorted(MARKER_KEYS)


def test_the_reference_lists_every_command_line_option(pytester: pytest.Pytester) -> None:
    registered = {
        match[1]
        for line in _plugin_help(pytester)
        if (match := re.match(r"\s+(--eventgrid-[\w-]+)", line))
    }
    documented = _first_column(_section("reference.md", "## Command-line options"))
    assert registered  # the help text still reads as this test expects
    assert sorted(documented) == sorted(registered)


def test_the_reference_lists_every_ini_key(pytester: pytest.Pytester) -> None:
    registered = {
        match[1]
        for line in _plugin_help(pytester)
        if (match := re.match(r"\s+(eventgrid_\w+)\b", line))
    }
    documented = _first_column(_section("reference.md", "## Ini keys"))
    assert registered
    assert sorted(documented) == sorted(registered)


def test_the_guide_shows_the_message_of_an_unknown_marker_key() -> None:
    section = _section("guide/index.md", "### Mistakes")
    shown = re.findall(r"```text\n(.*?)\n```", section, flags=re.DOTALL)[0]
    with pytest.raises(UsageError) as raised:
        marker_settings([pytest.mark.eventgrid(lock_time=60).mark])
    assert shown == f"UsageError: {raised.value}"
