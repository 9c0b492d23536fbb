"""docs/benchmarks.md is what `benchmarks/run.py --write-docs` writes: its text around
the figures is the script's, so editing one without the other (or a page template that
cannot be filled) fails here rather than at the next benchmark run."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from types import ModuleType

import httpx
import pytest

from .._paths import DOCS, ROOT

BENCHMARKS = ROOT / "benchmarks"


@pytest.fixture(scope="module")
def run() -> Iterator[ModuleType]:
    """`benchmarks/run.py`, imported as the scripts import each other."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield importlib.import_module("run")
    finally:
        sys.path.remove(str(BENCHMARKS))


def _without_results(page: str) -> str:
    """The page up to its results: the text that does not depend on a run."""
    return page.partition("\n## Results\n")[0]


def _after_results(page: str) -> str:
    """The page after its results table."""
    return page.partition("\n## Where the time goes\n")[2]


def test_the_page_is_the_scripts_text(run: ModuleType) -> None:
    written = (DOCS / "benchmarks.md").read_text(encoding="utf-8")
    rendered = run.page({})

    assert _without_results(written) == _without_results(rendered)
    assert _after_results(written) == _after_results(rendered)


def test_every_figure_of_the_page_is_in_its_table(run: ModuleType) -> None:
    figure = run.Figure("publish 1 event, fake / null", 1.1, "x", 1.15)

    rendered = run.page({"publish": [figure]})

    assert "| publish 1 event, fake / null | 1.10x | <= 1.15x | met |" in rendered
    assert "1 of 1 targets met." in rendered


def test_the_emulator_benchmarks_floor_server_answers(run: ModuleType) -> None:
    """The canned server is driven by the emulator's server thread, whose interface it
    must keep up with (it once lacked `open()`, and only a benchmark run found out)."""
    bench_server = importlib.import_module("bench_server")

    with bench_server.canned_server() as url:
        response = httpx.post(f"{url}/topics/orders:publish", content=b"[]", trust_env=False)

    assert (response.status_code, response.content) == (200, b"{}")
