"""The service as it is deployed: `python -m orders worker` (and `api`) in processes of
their own.

The `eventgrid_server` fixture serves the same fake Event Grid over real HTTP on a
loopback port. The service knows nothing of it: it gets the server's endpoint and key
through its `ORDERS_*` environment variables, as it would get a real namespace's. A
test publishes (with the service's `OrderPublisher`, the SDK, or `POST /orders`),
waits until the server saw the worker settle the events, and stops the processes with
SIGTERM, as a deployment does.

These tests take real time, under a second each, most of it the processes importing
the SDK. The server's clock is real, ten times faster than the wall clock: the
worker's 10-second receives come back within a second, so SIGTERM stops it quickly.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid.aio import EventGridPublisherClient
from orders import ORDER_CREATED, OrderPublisher, Settings
from support import ORDER_PROCESSOR, ORDERS_TOPIC, REJECTED_REASON, an_order

from pytest_eventgrid import EventGridServer

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="stops the worker with SIGTERM")

SERVICE_ROOT = Path(__file__).parents[1]  # where `python -m orders` finds the service
HANG_GUARD = 60.0  # real seconds; each wait takes about one

Service = asyncio.subprocess.Process  # a running `python -m orders ...`


@pytest.fixture(scope="session")
def eventgrid_server_settings() -> dict[str, Any]:
    """The namespace the service expects, with a key, on a clock ten times faster."""
    return {
        "topic": ORDERS_TOPIC,
        "subscription": ORDER_PROCESSOR,
        "key": "b3JkZXJzLXRlc3Qta2V5",
        "time_scale": 10,
    }


@pytest.fixture
def service_environment(eventgrid_server: EventGridServer) -> dict[str, str]:
    """The environment of the service's processes: pointed at the server."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ORDERS_")}
    return environment | {
        "ORDERS_EVENTGRID_ENDPOINT": eventgrid_server.endpoint,
        "ORDERS_EVENTGRID_KEY": eventgrid_server.key,
        "ORDERS_EVENTGRID_TOPIC": ORDERS_TOPIC,
        "ORDERS_EVENTGRID_SUBSCRIPTION": ORDER_PROCESSOR,
        "ORDERS_MAX_WAIT_TIME_SECONDS": "10",  # the least Event Grid allows
    }


@pytest.fixture
async def start(
    service_environment: dict[str, str],
) -> AsyncIterator[Callable[..., Awaitable[Service]]]:
    """Start `python -m orders <arguments>`; what a test leaves running is killed."""
    started: list[Service] = []

    async def start_service(*arguments: str) -> Service:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "orders",
            *arguments,
            cwd=SERVICE_ROOT,
            env=service_environment,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        started.append(process)
        return process

    yield start_service
    for process in started:
        if process.returncode is None:
            process.kill()
            await process.communicate()


@pytest.fixture
async def worker(start: Callable[..., Awaitable[Service]]) -> Service:
    """`python -m orders worker`, running."""
    return await start("worker")


async def stop(service: Service) -> tuple[list[str], str]:
    """SIGTERM the process and wait for it to exit 0: its stdout lines and its stderr."""
    service.send_signal(signal.SIGTERM)
    stdout, stderr = await asyncio.wait_for(service.communicate(), HANG_GUARD)
    assert service.returncode == 0, stderr.decode()
    return stdout.decode().splitlines(), stderr.decode()


async def listening_url(api: Service) -> str:
    """Where the API listens: uvicorn says so on stderr once it is ready."""
    assert api.stderr is not None
    while True:
        line = (await asyncio.wait_for(api.stderr.readline(), HANG_GUARD)).decode()
        if line == "":
            raise AssertionError("the API exited before it listened")
        if "Uvicorn running on " in line:
            return line.split("Uvicorn running on ")[1].split()[0]


async def until(server: EventGridServer, condition: Callable[[], bool], worker: Service) -> None:
    """Wait until `condition()` holds: `until()` looks again after every request the
    server answers. A real-time guard keeps a dead worker from hanging the test."""
    try:
        await asyncio.wait_for(server.eventgrid.until(condition), HANG_GUARD)
    except asyncio.TimeoutError:
        worker.kill()
        stdout, stderr = await worker.communicate()
        pytest.fail(f"still waiting after {HANG_GUARD} s; the worker said:\n{stdout!r}\n{stderr!r}")


async def test_the_worker_fulfils_published_orders_and_stops_on_sigterm(
    eventgrid_server: EventGridServer,
    service_environment: dict[str, str],
    worker: Service,
) -> None:
    settings = Settings.from_env(service_environment)
    async with OrderPublisher(settings) as publisher:
        events = await publisher.publish(an_order("A-1"), an_order("A-2"), an_order("A-3"))
    subscription = eventgrid_server.eventgrid.topic(ORDERS_TOPIC).subscription(ORDER_PROCESSOR)

    await until(eventgrid_server, lambda: len(subscription.acknowledged) == 3, worker)

    fulfilled, log = await stop(worker)
    assert fulfilled == ["fulfilled A-1", "fulfilled A-2", "fulfilled A-3"]
    assert "SIGTERM: stopping after the batch in hand" in log
    assert [event.id for event in subscription.acknowledged] == [event.id for event in events]
    subscription.assert_settled_all(type=ORDER_CREATED)


async def test_an_invalid_order_is_rejected_and_dead_lettered(
    eventgrid_server: EventGridServer, worker: Service
) -> None:
    invalid = CloudEvent(source="/services/orders", type=ORDER_CREATED, data={"order_id": "B-1"})
    valid = CloudEvent(
        source="/services/orders", type=ORDER_CREATED, data=an_order("B-2").to_dict()
    )
    async with EventGridPublisherClient(
        eventgrid_server.endpoint,
        AzureKeyCredential(eventgrid_server.key),
        namespace_topic=ORDERS_TOPIC,
    ) as publisher:
        await publisher.send([invalid, valid])
    subscription = eventgrid_server.eventgrid.topic(ORDERS_TOPIC).subscription(ORDER_PROCESSOR)

    await until(
        eventgrid_server,
        lambda: len(subscription.dead_lettered) + len(subscription.acknowledged) == 2,
        worker,
    )

    fulfilled, log = await stop(worker)
    assert fulfilled == ["fulfilled B-2"]  # the worker carried on after the invalid one
    assert f"Rejecting event {invalid.id}: 'customer_id' must be a non-empty string" in log
    subscription.assert_dead_lettered(reason=REJECTED_REASON, data={"order_id": "B-1"})
    subscription.assert_acknowledged(data=an_order("B-2").to_dict())


async def test_an_order_taken_by_the_api_is_fulfilled_by_the_worker(
    eventgrid_server: EventGridServer, start: Callable[..., Awaitable[Service]], worker: Service
) -> None:
    api = await start("api", "--port", "0")
    order = an_order("C-1").to_dict()
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{await listening_url(api)}/orders", json=order) as response,
    ):
        assert response.status == 202
        accepted = await response.json()
    subscription = eventgrid_server.eventgrid.topic(ORDERS_TOPIC).subscription(ORDER_PROCESSOR)

    await until(eventgrid_server, lambda: len(subscription.acknowledged) == 1, worker)

    fulfilled, _ = await stop(worker)
    await stop(api)
    assert fulfilled == ["fulfilled C-1"]
    [event] = subscription.acknowledged
    assert (event.id, event.data) == (accepted["event_id"], order)
