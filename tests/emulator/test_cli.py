"""`pytest-eventgrid serve` as a real subprocess: it prints where it answers, serves the
real SDK, stops at SIGTERM or SIGINT within a second (exit 0), and refuses a bad config
with exit status 2, naming the key and the line."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient

from ._waits import eventually

ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD = 30.0  # seconds: a generous bound on starting, never a timing assertion
STOP_WITHIN = 5.0  # seconds: it stops within one; the rest is a loaded machine's slack
LAST_LINE = "Ctrl-C stops it."
# Its output to a pipe is block-buffered: the banner must reach us by its own flush.
BUFFERED = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

CONFIG = """\
topic = "orders"
subscription = "billing"
key = "local-dev-key"

[basic_topics]
shop-events = "cloudevents"
tenants = { kind = "domain", schema = "eventgrid" }
"""


class Served:
    """A running `serve` subprocess and the `name: value` lines it printed."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._read_banner()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _read_banner(self) -> None:
        deadline = time.monotonic() + HANG_GUARD
        while not self.lines or self.lines[-1] != LAST_LINE:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no banner within {HANG_GUARD} s; printed: {self.lines}")
            if line is None:
                stderr = self.process.stderr.read() if self.process.stderr else ""
                pytest.fail(f"it ended before serving: {self.lines}\n{stderr}")
            self.lines.append(line)

    @property
    def banner(self) -> dict[str, str]:
        return dict(line.split(": ", 1) for line in self.lines[1:-1])

    def stop(self, number: int) -> int:
        """Send the signal; the exit status, which must come within `STOP_WITHIN`."""
        self.process.send_signal(number)
        return self.process.wait(timeout=STOP_WITHIN)


def _command(*arguments: str, script: bool = False) -> list[str]:
    if script:
        return [str(Path(sys.executable).with_name("pytest-eventgrid")), *arguments]
    return [sys.executable, "-m", "pytest_eventgrid", *arguments]


@contextmanager
def serving(*arguments: str, script: bool = False) -> Iterator[Served]:
    process = subprocess.Popen(
        _command("serve", *arguments, script=script),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=BUFFERED,
    )
    try:
        yield Served(process)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=HANG_GUARD)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "eventgrid.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_it_prints_the_endpoints_and_serves_the_sdk_until_sigterm(config: Path) -> None:
    with serving("--config", str(config)) as served:
        banner = served.banner
        endpoint = banner["namespace endpoint"]
        assert endpoint.startswith("http://127.0.0.1:")
        assert banner["key"] == "local-dev-key"
        assert banner["basic topic shop-events"] == f"{endpoint}/basic/shop-events/api/events"
        assert banner["basic domain tenants"] == f"{endpoint}/basic/tenants/api/events"
        assert "ca file" not in banner
        credential = AzureKeyCredential(banner["key"])
        with (
            EventGridPublisherClient(endpoint, credential, namespace_topic="orders") as publisher,
            EventGridConsumerClient(
                endpoint, credential, namespace_topic="orders", subscription="billing"
            ) as consumer,
        ):
            publisher.send(CloudEvent(source="/shop", type="Order.Created", data={"id": 1}))
            [detail] = consumer.receive(max_events=5, max_wait_time=10)
            assert detail.event.data == {"id": 1}

        assert served.stop(signal.SIGTERM) == 0


def test_sigint_answers_a_waiting_receive_empty_and_exits_0(config: Path) -> None:
    with serving("--config", str(config)) as served:
        endpoint = served.banner["namespace endpoint"]
        credential = AzureKeyCredential(served.banner["key"])
        received: list[object] = []

        def receive() -> None:
            with EventGridConsumerClient(
                endpoint, credential, namespace_topic="orders", subscription="billing"
            ) as consumer:
                received.append(consumer.receive(max_events=5, max_wait_time=60))

        waiting = threading.Thread(target=receive, daemon=True)
        waiting.start()
        admin = f"{endpoint}/_admin/health"
        eventually(lambda: httpx.get(admin).json()["waiting"] == 1)  # the receive is parked

        assert served.stop(signal.SIGINT) == 0
        waiting.join(timeout=STOP_WITHIN)
        assert not waiting.is_alive()
        assert received == [[]]


def test_the_console_script_serves_with_the_options(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("pytest-eventgrid")
    if not script.exists():
        pytest.skip(f"the console script is not installed next to {sys.executable}")
    with serving("--clock", "virtual", "--seed", "7", "--https", script=True) as served:
        banner = served.banner
        assert served.lines[0].endswith("clock virtual")
        assert banner["namespace endpoint"].startswith("https://127.0.0.1:")
        ca_file = Path(banner["ca file"])
        assert ca_file.read_text(encoding="ascii").startswith("-----BEGIN CERTIFICATE-----")
        assert banner["key"].endswith("(any key is accepted: set key to require one)")
        with EventGridPublisherClient(
            banner["namespace endpoint"],
            AzureKeyCredential("any"),
            namespace_topic="test-topic",
            connection_verify=str(ca_file),
        ) as publisher:
            publisher.send(CloudEvent(source="/shop", type="Order.Created", data={}))

        assert served.stop(signal.SIGTERM) == 0
    assert not ca_file.exists()  # the CA of the run goes with it


def test_it_binds_the_port_it_is_given() -> None:
    with serving("--port", "0", "--time-scale", "60") as served:
        port = served.banner["namespace endpoint"].rpartition(":")[2]
        assert served.lines[0].endswith("clock real x60")
    with serving("--port", port) as served:
        assert served.banner["namespace endpoint"] == f"http://127.0.0.1:{port}"
        assert served.stop(signal.SIGTERM) == 0


def _refused(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command("serve", *arguments),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=HANG_GUARD,
        check=False,
    )


def test_a_bad_config_exits_2_naming_the_key_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / "eventgrid.toml"
    path.write_text('topic = "orders"\n\n[topics.orders.billing]\nlock_duration = 30\n')

    result = _refused("--config", str(path))

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"pytest-eventgrid serve: error: {path}, line 3, topics: lock_duration must be"
    )
    assert "Traceback" not in result.stderr


def test_an_unknown_key_exits_2_with_the_nearest_key(tmp_path: Path) -> None:
    path = tmp_path / "eventgrid.json"
    path.write_text('{\n  "topic": "orders",\n  "subscriptoin": "billing"\n}\n')

    result = _refused("--config", str(path))

    assert result.returncode == 2
    assert f"{path}, line 3, subscriptoin: unknown key" in result.stderr
    assert "(did you mean 'subscription'?)" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (("--clock", "virtual", "--time-scale", "60"), "--time-scale is for the real clock"),
        (("--time-scale", "0"), "time_scale: got 0.0. Expected a finite number above 0"),
        (("--clock", "later"), "argument --clock: invalid choice: 'later'"),
    ],
    ids=["time-scale-with-virtual", "time-scale-0", "unknown-clock"],
)
def test_bad_options_exit_2(arguments: tuple[str, ...], expected: str) -> None:
    result = _refused(*arguments)

    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
