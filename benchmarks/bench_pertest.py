"""Per test: a test that requests eventgrid and does nothing

One pytest run (a child process, the package installed as from a wheel, see the
start-up benchmark) holds 500 tests that request the `eventgrid` fixture and do
nothing, and 500 that request nothing, run in pairs whose order alternates (with,
without; without, with; ...). A `conftest.py` hook wraps each test's whole
protocol (setup, call, teardown and their reports) and takes its CPU time with
`time.process_time`; the figure per side is the median over its 500 tests, then
the median over a few runs. The difference is what requesting the fixture adds
to a test.

The second comparison is what the plugin costs a test that does not use it (its
hooks, which every test of a suite runs): the 500 tests
that request nothing, timed in runs with the plugin loaded and in runs with it
blocked (`-p no:eventgrid`, the other tests deselected), the runs taking turns.

`python benchmarks/bench_pertest.py --profile` prints where the fixture's time
goes instead: cProfile over 2,000 set-ups and tear-downs of `mock_eventgrid()` as
the fixture runs it, top 25 functions by own time.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

from _children import child_environment, install_as_a_wheel, pytest_cpu_seconds
from _common import Figure, print_figures, rotated

TITLE = __doc__.partition("\n")[0]
TARGET_MS = 0.3
TESTS = 500  # of each kind
RUNS = 5  # per side, counted, after one of warm-up
TIMES = "times.json"

TEST_MODULE = f"""\
import pytest


@pytest.mark.parametrize("number", range({TESTS}))
def test_requesting_eventgrid(eventgrid, number):
    pass


@pytest.mark.parametrize("number", range({TESTS}))
def test_requesting_nothing(number):
    pass
"""

CONFTEST = f"""\
import json
import time

import pytest

TIMES = {{"test_requesting_eventgrid": [], "test_requesting_nothing": []}}


def pytest_collection_modifyitems(items):
    withs = [item for item in items if item.originalname == "test_requesting_eventgrid"]
    withouts = [item for item in items if item.originalname == "test_requesting_nothing"]
    if not withs:
        return
    paired = []
    for number, pair in enumerate(zip(withs, withouts)):
        paired.extend(pair if number % 2 == 0 else pair[::-1])
    items[:] = paired


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.process_time()
    try:
        return (yield)
    finally:
        TIMES[item.originalname].append(time.process_time() - start)


def pytest_sessionfinish(session):
    with open({TIMES!r}, "w") as file:
        json.dump(TIMES, file)
"""

SIDES = {
    "plugin loaded": ("-q",),
    "plugin blocked": ("-q", "-p", "no:eventgrid", "-k", "test_requesting_nothing"),
}


def project(folder: Path) -> Path:
    folder.mkdir()
    (folder / "test_many.py").write_text(TEST_MODULE, encoding="utf-8")
    (folder / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (folder / "pytest.ini").write_text(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n", encoding="utf-8"
    )
    return folder


def medians(install: Path, tests: Path) -> dict[str, float]:
    """Median seconds per test: `with` and `without` (plugin loaded), `blocked`."""
    environment = child_environment(install)
    runs: dict[str, list[float]] = {"with": [], "without": [], "blocked": []}
    for round_number in range(1 + RUNS):
        for side in rotated(list(SIDES), round_number):
            pytest_cpu_seconds(SIDES[side], folder=tests, environment=environment)
            times = json.loads((tests / TIMES).read_text(encoding="utf-8"))
            if round_number == 0:
                continue
            if side == "plugin loaded":
                runs["with"].append(statistics.median(times["test_requesting_eventgrid"]))
                runs["without"].append(statistics.median(times["test_requesting_nothing"]))
            else:
                runs["blocked"].append(statistics.median(times["test_requesting_nothing"]))
    return {name: statistics.median(values) for name, values in runs.items()}


def figures(seconds: dict[str, float]) -> list[Figure]:
    with_, without, blocked = (seconds[name] * 1e3 for name in ("with", "without", "blocked"))
    return [
        Figure("test requesting eventgrid", with_, "ms"),
        Figure("test requesting nothing", without, "ms"),
        Figure("added by requesting eventgrid", with_ - without, "ms", TARGET_MS),
        Figure("test requesting nothing, plugin blocked", blocked, "ms"),
        Figure("added by the plugin to a test that does not use it", without - blocked, "ms"),
    ]


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        install = install_as_a_wheel(folder / "install")
        return figures(medians(install, project(folder / "project")))


# -- where the fixture's time goes ------------------------------------------------------------


def profile(count: int = 2_000) -> None:
    """cProfile over `count` set-ups and tear-downs of the fake, as the fixture does them."""
    import cProfile
    import pstats

    from pytest_eventgrid import mock_eventgrid

    def cycles() -> None:
        for number in range(count):
            with mock_eventgrid(seed=number) as fake:
                fake.verify_faults()

    cycles()  # warm caches up, untimed
    profiler = cProfile.Profile()
    profiler.runcall(cycles)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    if "--profile" in sys.argv[1:]:
        profile()
    else:
        print_figures(TITLE, run())
