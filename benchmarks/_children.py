"""What the start-up and per-test benchmarks share: child pytest processes and an install.

Those benchmarks time whole `pytest` runs, so they run them as child processes and
take each one's CPU time (user + system) from `resource.getrusage(RUSAGE_CHILDREN)`.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest_eventgrid

PACKAGE = Path(pytest_eventgrid.__file__).resolve().parent
DIST = "pytest_eventgrid-0.0.0.dist-info"
# Plugins that come with pytest-eventgrid only: its own, and those of its dependencies
# faker and respx, which register pytest plugins of their own. (pytest-asyncio is a
# dependency too, but an async test suite has it anyway: it is loaded on every side.)
NOT_INSTALLED = ("-p", "no:eventgrid", "-p", "no:faker", "-p", "no:respx")


def child_environment(install: Path, *, dont_write_bytecode: bool = False) -> dict[str, str]:
    """This process's environment, with `install` first on the path and nothing that
    would change how pytest runs."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"PYTHONDONTWRITEBYTECODE", "PYTEST_ADDOPTS", "PYTEST_PLUGINS"}
    }
    environment["PYTHONPATH"] = str(install)
    if dont_write_bytecode:
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment


def install_as_a_wheel(folder: Path) -> Path:
    """Copy the package under test into `folder` as pip installs a wheel, and return it.

    A wheel's RECORD lists the package's files, so pytest rewrites the asserts of
    every module of the package (as it does for any plugin's); an editable install's
    RECORD lists a `.pth` file only, so the development environment would hide that
    cost. pip compiles the files to bytecode at install time: so does this. On the
    path first, the copy wins over the editable install of the environment.
    """
    shutil.copytree(PACKAGE, folder / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__"))
    dist = folder / DIST
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: pytest-eventgrid\nVersion: 0.0.0\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        "[pytest11]\neventgrid = pytest_eventgrid.plugin\n", encoding="utf-8"
    )
    files = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.py"))
    (dist / "RECORD").write_text(
        "".join(f"{name},,\n" for name in [*files, f"{DIST}/METADATA", f"{DIST}/RECORD"]),
        encoding="utf-8",
    )
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(folder / PACKAGE.name)], check=True
    )
    return folder


def pytest_cpu_seconds(
    arguments: Sequence[str], *, folder: Path, environment: Mapping[str, str]
) -> float:
    """Run `python -m pytest arguments` in `folder`; its CPU seconds (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments],
        cwd=folder,
        env=dict(environment),
        capture_output=True,
        text=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode != 0:
        raise RuntimeError(
            f"pytest {' '.join(arguments)} exited {finished.returncode}:\n"
            f"{finished.stdout[-2000:]}{finished.stderr[-2000:]}"
        )
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
