"""An app run as a subprocess, pointed at the emulator by environment variables only.

`orders_app.py` is that app: it knows nothing of pytest-eventgrid, only the real SDK and
its environment. The test starts a server, runs the app with the same interpreter, and
asserts on what the server saw.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_eventgrid import EventGridServer, serve

APP = Path(__file__).parent / "orders_app.py"
HANG_GUARD = 120  # seconds: the app takes about a second, most of it importing the SDK


def run_app(
    server: EventGridServer,
    *ids: str,
    endpoint: str | None = None,
    key: str | None = None,
    use_async: bool = False,
) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("EVENTGRID_")}
    env |= {
        "EVENTGRID_ENDPOINT": endpoint or server.endpoint,
        "EVENTGRID_KEY": key or server.key,
        "EVENTGRID_TOPIC": "orders",
        "EVENTGRID_SUBSCRIPTION": "billing",
        "ORDERS_ASYNC": "1" if use_async else "0",
    }
    if server.ca_file is not None:
        # The CA file the SDK's transports trust instead of the system's: requests reads
        # the first, aiohttp (through Python's default SSL context) the second.
        env["REQUESTS_CA_BUNDLE"] = env["SSL_CERT_FILE"] = str(server.ca_file)
    return subprocess.run(
        [sys.executable, str(APP), *ids],
        env=env,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
    )


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_an_app_in_a_subprocess_publishes_and_consumes(https: bool, use_async: bool) -> None:
    with serve(topic="orders", subscription="billing", key="YXBwLWtleQ==", https=https) as server:
        ran = run_app(server, "A-1", "A-2", "A-3", use_async=use_async)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert json.loads(ran.stdout) == ["A-1", "A-2", "A-3"]

        server.eventgrid.assert_published(type="Order.Created", source="/orders-app")
        billing = server.eventgrid.subscription()
        acknowledged = sorted((event.data for event in billing.acknowledged), key=str)
        assert acknowledged == [{"id": "A-1"}, {"id": "A-2"}, {"id": "A-3"}]
        assert billing.available == billing.locked == []


def test_an_app_pointed_at_another_namespace(server: EventGridServer) -> None:
    host = "other." + server.eventgrid.host.partition(".")[2]
    other = server.eventgrid.namespace(host).topic("orders").subscription("billing")

    ran = run_app(server, "B-1", endpoint=server.namespace_endpoint("other"))

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert [event.data for event in other.acknowledged] == [{"id": "B-1"}]
    assert server.eventgrid.topic("orders").published == []


def test_an_app_with_a_wrong_key_fails() -> None:
    with serve(topic="orders", subscription="billing", key="cmlnaHQ=") as server:
        ran = run_app(server, "C-1", key="d3Jvbmc=")
        assert ran.returncode != 0
        assert "ClientAuthenticationError" in ran.stderr
        assert server.eventgrid.topic("orders").published == []
