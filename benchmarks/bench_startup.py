"""Start-up: pytest --collect-only on a one-test folder

`pytest --collect-only -q` runs on a folder holding one test, in child processes
of the same interpreter and environment, on three sides: pytest-eventgrid
installed; its plugin blocked (`-p no:eventgrid`), the same environment without
the plugin, which is what the target is set against; and as if not installed
(`-p no:eventgrid -p no:faker -p no:respx`), the stricter figure: faker and respx,
dependencies of pytest-eventgrid, register pytest plugins of their own, which
import faker, respx and httpx in every pytest run whether pytest-eventgrid's
plugin is loaded or not. Every other plugin of the environment loads on every
side. The package is copied into a temporary folder as pip installs a wheel (its
RECORD listing its modules, compiled to bytecode), ahead of the editable install
on the path: pytest then rewrites the asserts of every module of the package that
is imported, as it does for a user, and not for an editable install. A sample is
one run's CPU time (user + system, `resource.getrusage(RUSAGE_CHILDREN)`); the
sides take turns in an order that rotates every round, one round of warm-up
(which also writes pytest's rewritten bytecode) then the median of the next
rounds. The whole is done twice: with bytecode cached, and with
`PYTHONDONTWRITEBYTECODE=1`, common in CI images, where nothing pytest rewrites is
ever cached. The figures are milliseconds added.

The import figures are `python -X importtime -c "import pytest, pytest_asyncio;
import pytest_eventgrid.plugin"` (wall time, the median of a few runs, bytecode
cached, no assert rewriting): what importing the plugin costs beyond pytest, by
the top-level package that the plugin's import pulls in.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from _children import NOT_INSTALLED, child_environment, install_as_a_wheel, pytest_cpu_seconds
from _common import Figure, print_figures, rotated

TITLE = __doc__.partition("\n")[0]
TARGET_MS = 50.0
ROUNDS = 11  # counted, after one round of warm-up
IMPORT_RUNS = 5
IMPORT_FIGURES = 8  # the costliest packages shown
TOTAL = "pytest_eventgrid.plugin"
SIDES = {
    "installed": (),
    "-p no:eventgrid": ("-p", "no:eventgrid"),
    "not installed": NOT_INSTALLED,
}
ONE_TEST = "def test_one():\n    pass\n"
INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


def one_test_folder(folder: Path) -> Path:
    folder.mkdir()
    (folder / "test_one.py").write_text(ONE_TEST, encoding="utf-8")
    (folder / "pytest.ini").write_text(INI, encoding="utf-8")
    return folder


def collect_only(install: Path, project: Path, *, dont_write_bytecode: bool) -> dict[str, float]:
    """The median CPU seconds of `pytest --collect-only -q` on each side."""
    environment = child_environment(install, dont_write_bytecode=dont_write_bytecode)
    seconds: dict[str, list[float]] = {name: [] for name in SIDES}
    for round_number in range(1 + ROUNDS):
        for name in rotated(list(SIDES), round_number):
            spent = pytest_cpu_seconds(
                ["--collect-only", "-q", *SIDES[name]], folder=project, environment=environment
            )
            if round_number > 0:
                seconds[name].append(spent)
    return {name: statistics.median(values) for name, values in seconds.items()}


def added(seconds: dict[str, float], condition: str) -> list[Figure]:
    installed = seconds["installed"] * 1e3
    return [
        Figure(f"start-up, collect 1 test, installed{condition}", installed, "ms"),
        Figure(
            f"start-up, added over -p no:eventgrid{condition}",
            installed - seconds["-p no:eventgrid"] * 1e3,
            "ms",
            TARGET_MS,
        ),
        Figure(
            f"start-up, added over not installed{condition}",
            installed - seconds["not installed"] * 1e3,
            "ms",
        ),
    ]


# -- what the plugin's import pulls in -----------------------------------------------------


def import_costs(install: Path) -> dict[str, float]:
    """Microseconds that importing the plugin spends per top-level package (one run)."""
    finished = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            "import pytest, pytest_asyncio; import pytest_eventgrid.plugin",
        ],
        env=child_environment(install),
        capture_output=True,
        text=True,
        check=True,
    )
    # Lines come children first: "import time: self | cumulative |   name", indented by depth.
    rows: list[tuple[int, str, int]] = []
    for line in finished.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append((depth, name.strip(), int(cumulative)))
    plugin = next(i for i, row in enumerate(rows) if row[1] == "pytest_eventgrid.plugin")
    plugin_depth = rows[plugin][0]
    first = plugin
    while first > 0 and rows[first - 1][0] > plugin_depth:
        first -= 1
    costs: dict[str, float] = defaultdict(float)
    costs[TOTAL] = rows[plugin][2]
    # What a package costs is what the package's own modules import it for: the
    # imports made straight from pytest_eventgrid, with whatever they import in turn
    # (respx with httpx, say). The importer of a line is the next with a smaller depth.
    for index in range(first, plugin):
        depth, name, cumulative = rows[index]
        importer = next(row[1] for row in rows[index + 1 :] if row[0] < depth)
        root = name.partition(".")[0]
        if importer.startswith("pytest_eventgrid") and root != "pytest_eventgrid":
            costs[root] += cumulative
    return costs


def import_figures(install: Path) -> list[Figure]:
    runs = [import_costs(install) for _ in range(IMPORT_RUNS)]
    medians = {
        name: statistics.median(run.get(name, 0.0) for run in runs)
        for name in {name for run in runs for name in run}
    }
    total = medians.pop(TOTAL)
    top = sorted(medians.items(), key=lambda item: -item[1])[:IMPORT_FIGURES]
    return [
        Figure("import pytest_eventgrid.plugin after pytest (wall)", total / 1e3, "ms"),
        *(Figure(f"  of which {name}, and what it imports", us / 1e3, "ms") for name, us in top),
        Figure(
            "  of which pytest_eventgrid's own modules",
            (total - sum(medians.values())) / 1e3,
            "ms",
        ),
    ]


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        project = one_test_folder(folder / "project")
        cached = install_as_a_wheel(folder / "cached")
        uncached = install_as_a_wheel(folder / "uncached")
        return [
            *added(collect_only(cached, project, dont_write_bytecode=False), ""),
            *added(
                collect_only(uncached, project, dont_write_bytecode=True),
                ", PYTHONDONTWRITEBYTECODE=1",
            ),
            *import_figures(cached),
        ]


if __name__ == "__main__":
    print_figures(TITLE, run())
