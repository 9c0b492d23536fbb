"""The JavaScript client, `@azure/eventgrid-namespaces` from npm, against the emulator.

`js/test.mjs` publishes, receives, acknowledges, releases, rejects and renews locks
from node; these tests start a server, run the script with only environment variables
pointing it there, and check what the server saw. npm installs the client into
`js/node_modules` the first time; without node or npm, or when npm cannot reach its
registry, the tests are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_eventgrid import EventGridServer, SubscriptionEvent, SubscriptionView, serve

JS = Path(__file__).parent / "js"
GUIDE = Path(__file__).parents[2] / "docs" / "guide" / "emulator.md"
CLIENT = JS / "node_modules" / "@azure" / "eventgrid-namespaces" / "package.json"
KEY = "anMtY2xpZW50LWtleQ=="
HANG_GUARD = 120  # seconds: the script takes about half a second


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    """One npm install at a time, across xdist workers (POSIX; elsewhere, none)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    modules = JS / "node_modules"  # ignored by git, like the lock file in it
    modules.mkdir(exist_ok=True)
    with (modules / ".pytest-eventgrid-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def node() -> str:
    """node, with `@azure/eventgrid-namespaces` installed into js/node_modules."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("the JavaScript client test needs node and npm on PATH")
    with _install_lock():
        if not CLIENT.exists():
            try:
                installed = subprocess.run(
                    [npm, "install", "--no-audit", "--no-fund", "--no-package-lock"],
                    cwd=JS,
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
            except subprocess.TimeoutExpired:
                pytest.skip("npm install of @azure/eventgrid-namespaces timed out (no network?)")
            if installed.returncode != 0 or not CLIENT.exists():
                tail = (installed.stderr or installed.stdout).strip().splitlines()[-5:]
                pytest.skip(
                    "npm install of @azure/eventgrid-namespaces failed (no network?): "
                    + " | ".join(tail)
                )
    return node


def run_script(node: str, server: EventGridServer) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "EVENTGRID_ENDPOINT": server.endpoint,
        "EVENTGRID_KEY": server.key,
        "EVENTGRID_TOPIC_NAME": "orders",
        "EVENTGRID_EVENT_SUBSCRIPTION_NAME": "billing",
        "EVENTGRID_OTHER_ENDPOINT": server.namespace_endpoint("other"),
    }
    if server.ca_file is not None:
        env["NODE_EXTRA_CA_CERTS"] = str(server.ca_file)
    return subprocess.run(
        [node, "test.mjs"], cwd=JS, env=env, capture_output=True, text=True, timeout=HANG_GUARD
    )


def other_namespace_subscription(server: EventGridServer) -> SubscriptionView:
    """The subscription orders/billing of the namespace "other", created beforehand
    (declared topics are the default namespace's)."""
    host = "other." + server.eventgrid.host.partition(".")[2]
    return server.eventgrid.namespace(host).topic("orders").subscription("billing")


def ids(events: list[SubscriptionEvent]) -> list[str]:
    return sorted(event.id for event in events)


@pytest.mark.parametrize("https", [True, False], ids=["https", "http"])
def test_the_javascript_client_publishes_receives_and_settles(node: str, https: bool) -> None:
    with serve(topic="orders", subscription="billing", key=KEY, https=https) as server:
        other = other_namespace_subscription(server)
        ran = run_script(node, server)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "all checks passed" in ran.stdout

        billing = server.eventgrid.subscription()
        settled = ["js-acknowledge", "js-release", "js-renew"] + (["js-token"] if https else [])
        assert ids(billing.acknowledged) == sorted(settled)
        assert ids(billing.rejected) == ["js-reject"]
        assert ids(billing.released) == ["js-release"]
        assert billing.available == billing.locked == []
        operations = {call.operation for call in billing.calls}
        assert {"receive", "acknowledge", "release", "reject", "renew_locks"} <= operations
        assert ids(other.acknowledged) == ["js-other"]


def guide_snippet() -> str:
    """The guide's JavaScript block (the only ```js block of the emulator page)."""
    [block] = re.findall(r"^```js\n(.*?)^```$", GUIDE.read_text(encoding="utf-8"), re.S | re.M)
    return block


def test_the_guide_s_javascript_snippet_runs(node: str, server: EventGridServer) -> None:
    # Written beside the installed client (node_modules is ignored by git), so that node
    # resolves @azure/eventgrid-namespaces from it.
    script = JS / "node_modules" / ".guide-snippet.mjs"
    script.write_text(guide_snippet(), encoding="utf-8")
    env = {**os.environ, "EVENTGRID_ENDPOINT": server.endpoint, "EVENTGRID_KEY": server.key}
    ran = subprocess.run(
        [node, str(script)], cwd=JS, env=env, capture_output=True, text=True, timeout=HANG_GUARD
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    billing = server.eventgrid.subscription()
    assert ids(billing.acknowledged) == ["order-1"]
    assert "renew_locks" in {call.operation for call in billing.calls}
