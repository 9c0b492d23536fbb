"""Loading the plugin, which every pytest run does, imports none of the library."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest_eventgrid

HEAVY = ("azure", "faker", "respx", "httpx", "jsonpath_ng", "hypothesis", "aiohttp")
LIBRARY = ("_api", "_doors", "_wire", "_broker", "factories", "faker", "recordings")


def _imported_after(code: str) -> list[str]:
    """The modules that `code` imported, beyond pytest and pytest-asyncio's."""
    script = (
        "import json, sys\n"
        "import pytest, pytest_asyncio\n"
        "before = set(sys.modules)\n"
        f"{code}\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    imported: list[str] = json.loads(finished.stdout)
    return imported


def test_the_plugin_imports_no_library_and_no_heavy_dependency() -> None:
    imported = _imported_after("import pytest_eventgrid.plugin")

    assert [name for name in imported if name.partition(".")[0] in HEAVY] == []
    library = tuple(f"pytest_eventgrid.{name}" for name in LIBRARY)
    assert [name for name in imported if name.startswith(library)] == []


def test_the_package_imports_a_name_when_it_is_first_used() -> None:
    imported = _imported_after("import pytest_eventgrid")
    assert [name for name in imported if name.partition(".")[0] in HEAVY] == []

    assert set(dir(pytest_eventgrid)) >= set(pytest_eventgrid.__all__)
    for name in pytest_eventgrid.__all__:
        assert getattr(pytest_eventgrid, name).__name__ == name
