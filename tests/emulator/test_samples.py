"""The azure-eventgrid package's own namespace samples, run against the emulator with
only environment variables pointing them there.

The samples ship in the package's sdist (`samples/namespace/{sync,async}_samples`), not
in its wheel. The first run downloads the sdist of the installed version with pip into
`tests/emulator/.samples` (ignored by git) and keeps only those samples; nothing of
them is copied into this repository. Without network the tests are skipped.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from pytest_eventgrid import EventGridServer, serve

CACHE = Path(__file__).parent / ".samples"
VERSION = version("azure-eventgrid")
TOPIC, SUBSCRIPTION = "orders", "billing"
HANG_GUARD = 120  # seconds for one sample; each takes about a second
# The sdist (`--no-binary`), which has the samples; the wheel has none.
PIP_DOWNLOAD = (sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q")
Check = Callable[[EventGridServer], None]


def published_types(*types: str) -> Check:
    def check(server: EventGridServer) -> None:
        assert [event.type for event in server.eventgrid.topic(TOPIC).published] == list(types)

    return check


def settled_one_of_each(server: EventGridServer) -> None:
    billing = server.eventgrid.subscription()
    assert [event.data for event in billing.acknowledged] == ["acknowledge"]
    assert [event.data for event in billing.released] == ["release"]
    assert [event.data for event in billing.rejected] == ["reject"]
    assert [event.data for event in billing.locked] == ["renew"]
    assert [call.operation for call in billing.calls.filter("renew_locks")] == ["renew_locks"]


def nothing_sent(server: EventGridServer) -> None:
    assert server.eventgrid.topic(TOPIC).published == []  # it only builds clients


# What each namespace sample of azure-eventgrid 4.22 does to the server (the async
# variant's name ends in `_async`).
EXPECTED: dict[str, Check] = {
    "sample_publish_cloud_event": published_types("Contoso.Items.ItemReceived"),
    "sample_publish_cncf_events": published_types("cloudevent"),
    "sample_consume_process_events": settled_one_of_each,
    "sample_namespace_authentication": nothing_sent,
}
FOLDERS = ("sync_samples", "async_samples")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One download at a time, across xdist workers (POSIX; elsewhere, none)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _extract_namespace_samples(sdist: Path, into: Path) -> None:
    with tarfile.open(sdist) as archive:
        members = [
            m for m in archive.getmembers() if "/samples/namespace/" in m.name and m.isfile()
        ]
        for member in members:
            member.name = member.name.partition("/samples/namespace/")[2]
        staging = Path(tempfile.mkdtemp(dir=into.parent))
        if hasattr(tarfile, "data_filter"):
            archive.extractall(staging, members=members, filter="data")
        else:  # pragma: no cover - Python < 3.10.12
            archive.extractall(staging, members=members)
    staging.rename(into)


@pytest.fixture(scope="module")
def samples() -> Path:
    """The namespace samples of the installed azure-eventgrid, from its sdist."""
    CACHE.mkdir(exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")
    folder = CACHE / f"azure-eventgrid-{VERSION}"
    with _locked(CACHE / ".lock"):
        if not folder.is_dir():
            with tempfile.TemporaryDirectory(dir=CACHE) as download:
                try:
                    fetched = subprocess.run(
                        [*PIP_DOWNLOAD, f"azure-eventgrid=={VERSION}", "-d", download],
                        capture_output=True,
                        text=True,
                        timeout=300,
                    )
                except subprocess.TimeoutExpired:
                    pytest.skip(f"pip download of the azure-eventgrid {VERSION} sdist timed out")
                sdists = list(Path(download).glob("*.tar.gz"))
                if fetched.returncode != 0 or not sdists:
                    tail = " | ".join((fetched.stderr or fetched.stdout).strip().splitlines()[-3:])
                    pytest.skip(
                        f"could not download the azure-eventgrid {VERSION} sdist, which holds "
                        f"the samples (no network?): {tail}"
                    )
                _extract_namespace_samples(sdists[0], folder)
    return folder


def missing_modules(sample: Path) -> list[str]:
    """The modules `sample` imports that are not installed here."""
    missing = []
    for node in ast.walk(ast.parse(sample.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        else:
            continue
        for name in names:
            try:
                found = importlib.util.find_spec(name) is not None
            except ModuleNotFoundError:
                found = False
            if not found:
                missing.append(name)
    return missing


def run_sample(sample: Path, server: EventGridServer) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("EVENTGRID_")}
    env |= {
        "EVENTGRID_ENDPOINT": server.endpoint,
        "EVENTGRID_TOPIC_ENDPOINT": server.endpoint,  # read by the authentication sample
        "EVENTGRID_KEY": server.key,
        "EVENTGRID_TOPIC_NAME": TOPIC,
        "EVENTGRID_EVENT_SUBSCRIPTION_NAME": SUBSCRIPTION,
    }
    return subprocess.run(
        [sys.executable, sample.name],
        cwd=sample.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
    )


def check_sample(sample: Path, expected: Check | None) -> None:
    missing = missing_modules(sample)
    if missing:
        pytest.skip(f"{sample.name} needs {', '.join(missing)}, not installed here")
    with serve(topic=TOPIC, subscription=SUBSCRIPTION, key="c2FtcGxlcy1rZXk=") as server:
        ran = run_sample(sample, server)
        assert ran.returncode == 0, f"{sample.name} failed:\n{ran.stdout}{ran.stderr}"
        if expected is not None:
            expected(server)


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("name", list(EXPECTED))
def test_a_namespace_sample_runs_against_the_server(samples: Path, folder: str, name: str) -> None:
    stem = f"{name}_async" if folder == "async_samples" else name
    sample = samples / folder / f"{stem}.py"
    if not sample.is_file():
        pytest.skip(f"azure-eventgrid {VERSION} has no {folder}/{stem}.py")
    check_sample(sample, EXPECTED[name])


def test_namespace_samples_new_in_this_version_run_too(samples: Path) -> None:
    known = {stem for name in EXPECTED for stem in (name, f"{name}_async")}
    others = sorted(path for path in samples.glob("*/*.py") if path.stem not in known)
    if not others:
        pytest.skip(f"azure-eventgrid {VERSION} has no namespace sample besides the known ones")
    for sample in others:
        check_sample(sample, None)
