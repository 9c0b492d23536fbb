"""The emulator: the fake over loopback HTTP

The real `azure.eventgrid.aio` clients (azure-core's aiohttp transport, keep-alive)
talk to the emulator, `pytest_eventgrid.serve()`, on a thread of this process:

- **publish one event**, three ways in turn: to the emulator; to the same uvicorn
  server on its own thread answering every request with a canned `200 {}` (the
  server's own floor: HTTP, uvicorn and the SDK, no Event Grid); and through the
  in-process transport (`eventgrid.async_transport()`, no HTTP). CPU time of the whole
  process, so the server thread counts.
- **wake-up latency**: a receive waits on an empty subscription; another client
  publishes one event; the time from the start of the publish to the receive's answer
  (which may come back before the publish's own), in wall time, over 200 rounds. It
  includes the publish's trip to the server.
- **500 waiting receives**: 500 receives long-poll at once (one asyncio loop, one
  aiohttp session without a connection limit) against an emulator run as a separate
  process (`python -m pytest_eventgrid serve`); its resident memory and threads, read
  from `/proc`, before and while they wait; and the emulator's asyncio tasks, counted on
  an in-process emulator under the same load.
- **throughput**: 8 async publisher clients send one event at a time, concurrently,
  for 3 seconds: events per second, in wall time.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
from _common import Figure, comparison, interleaved, print_figures
from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.core.pipeline.transport import AioHttpTransport
from azure.eventgrid.aio import EventGridConsumerClient, EventGridPublisherClient

from pytest_eventgrid import EventGrid, EventGridServer, serve
from pytest_eventgrid._doors._server import ServerThread

TITLE = __doc__.partition("\n")[0]
FLOOR_TARGET = 1.3
P99_TARGET_MS = 20.0
WAITERS = 500
PUBLISHERS = 8
THROUGHPUT_SECONDS = 3.0
LATENCY_ROUNDS = 200
EVENT = CloudEvent(source="/benchmarks", type="Benchmarks.Published", data={"order": 1})


class CannedApp:
    """An ASGI app that answers every request `200 {}`: the HTTP server's floor."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")],
            }
        )
        await send({"type": "http.response.body", "body": b"{}"})

    def open(self) -> None:
        """Nothing to set up: `ServerThread` calls it as it starts."""

    def close(self) -> None:
        """Nothing waits here: `ServerThread` calls it as it stops."""

    def end_waits(self) -> None:
        """Nothing waits here."""


@contextlib.contextmanager
def canned_server() -> Iterator[str]:
    thread = ServerThread(CannedApp(), host="127.0.0.1", port=0, https=False, certificates_dir=None)  # type: ignore[arg-type]
    thread.start()
    try:
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.stop()


def publisher(endpoint: str, key: str, **kwargs: Any) -> EventGridPublisherClient:
    return EventGridPublisherClient(
        endpoint, AzureKeyCredential(key), namespace_topic="orders", **kwargs
    )


def consumer(endpoint: str, key: str, **kwargs: Any) -> EventGridConsumerClient:
    return EventGridConsumerClient(
        endpoint,
        AzureKeyCredential(key),
        namespace_topic="orders",
        subscription="billing",
        **kwargs,
    )


async def measure_publish(server: EventGridServer, floor: str) -> list[Figure]:
    in_process = EventGrid(topic="orders", subscription="billing")
    async with (
        publisher(server.endpoint, server.key) as over_http,
        publisher(floor, server.key) as canned,
        in_process.aio_publisher() as direct,
    ):
        seconds = await interleaved(
            {
                "server": lambda: over_http.send(EVENT),
                "floor": lambda: canned.send(EVENT),
                "in-process": lambda: direct.send(EVENT),
            },
            per_sample=50,
        )
    return [
        *comparison(
            "publish 1 event over HTTP",
            ("emulator", seconds["server"]),
            ("canned {} on the same server", seconds["floor"]),
            FLOOR_TARGET,
        ),
        Figure(
            "publish 1 event, emulator / in-process transport",
            seconds["server"] / seconds["in-process"],
            "x",
        ),
    ]


async def measure_wakeups(server: EventGridServer) -> list[Figure]:
    server.reset()  # the publish benchmark left events in the subscription
    latencies: list[float] = []
    async with (
        publisher(server.endpoint, server.key) as sender,
        consumer(server.endpoint, server.key) as receiver,
    ):
        await sender.send(EVENT)  # connections opened and warm
        details = await receiver.receive(max_events=1, max_wait_time=10)
        await receiver.acknowledge(lock_tokens=[d.broker_properties.lock_token for d in details])
        for _ in range(LATENCY_ROUNDS):
            waiting = asyncio.ensure_future(receiver.receive(max_events=1, max_wait_time=60))
            answered: list[float] = []
            waiting.add_done_callback(lambda _, times=answered: times.append(time.perf_counter()))
            await asyncio.sleep(0.01)  # the receive is parked on the server
            # From the start of the publish: the woken receive's answer may come back
            # before the publish's own does.
            publishing = time.perf_counter()
            await sender.send(EVENT)
            details = await waiting
            if answered[0] < publishing:
                raise RuntimeError("the receive did not wait: the subscription was not empty")
            latencies.append(answered[0] - publishing)
            await receiver.acknowledge(
                lock_tokens=[d.broker_properties.lock_token for d in details]
            )
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, round(0.99 * len(latencies)))]
    return [
        Figure(
            "publish -> waiting receive answered, median", statistics.median(latencies) * 1e3, "ms"
        ),
        Figure("publish -> waiting receive answered, p99", p99 * 1e3, "ms", P99_TARGET_MS),
    ]


@contextlib.asynccontextmanager
async def unlimited_session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        yield session


async def park_receives(
    endpoint: str, key: str, count: int
) -> tuple[list[asyncio.Future[Any]], Any]:
    """Start `count` receives that wait; the futures and the client to close."""
    session_cm = unlimited_session()
    session = await session_cm.__aenter__()
    client = consumer(
        endpoint, key, transport=AioHttpTransport(session=session, session_owner=False)
    )
    await client.__aenter__()
    waits = [
        asyncio.ensure_future(client.receive(max_events=1, max_wait_time=120)) for _ in range(count)
    ]
    return waits, (client, session_cm)


async def release_receives(
    endpoint: str, key: str, waits: list[asyncio.Future[Any]], owner: Any
) -> None:
    async with publisher(endpoint, key) as sender:
        await sender.send([EVENT] * len(waits))
    await asyncio.wait_for(asyncio.gather(*waits), 60)
    client, session_cm = owner
    await client.__aexit__(None, None, None)
    await session_cm.__aexit__(None, None, None)


def proc_status(pid: int) -> dict[str, int]:
    text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    rss = int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1))  # type: ignore[union-attr]
    threads = int(re.search(r"Threads:\s+(\d+)", text).group(1))  # type: ignore[union-attr]
    return {"rss_kb": rss, "threads": threads}


@contextlib.contextmanager
def server_process() -> Iterator[tuple[str, int]]:
    code = (
        "import sys, threading; from pytest_eventgrid import serve; "
        "s = serve(topic='orders', subscription='billing').start(); "
        "print(s.endpoint, flush=True); sys.stdin.read(); s.stop()"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip(), child.pid
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(10)


async def measure_waiters(server: EventGridServer) -> list[Figure]:
    with server_process() as (endpoint, pid):
        before = proc_status(pid)
        waits, owner = await park_receives(endpoint, server.key, WAITERS)
        await asyncio.sleep(1.0)  # every receive parked on the server
        during = proc_status(pid)
        await release_receives(endpoint, server.key, waits, owner)
    loop = server._thread._loop  # type: ignore[union-attr]
    assert loop is not None
    tasks_before = len(asyncio.all_tasks(loop))
    waits, owner = await park_receives(server.endpoint, server.key, WAITERS)
    await asyncio.sleep(1.0)
    tasks_during = len(asyncio.all_tasks(loop))
    await release_receives(server.endpoint, server.key, waits, owner)
    return [
        Figure(
            f"{WAITERS} waiting receives: emulator memory added",
            (during["rss_kb"] - before["rss_kb"]) / 1024,
            "MiB",
        ),
        Figure(f"{WAITERS} waiting receives: emulator threads, idle", before["threads"], "threads"),
        Figure(
            f"{WAITERS} waiting receives: emulator threads, waiting", during["threads"], "threads"
        ),
        Figure(
            f"{WAITERS} waiting receives: emulator asyncio tasks added",
            tasks_during - tasks_before,
            "tasks",
        ),
    ]


async def measure_throughput(server: EventGridServer) -> list[Figure]:
    sent = 0
    deadline = 0.0

    async def keep_publishing(client: EventGridPublisherClient) -> None:
        nonlocal sent
        while time.perf_counter() < deadline:
            await client.send(EVENT)
            sent += 1

    clients = [publisher(server.endpoint, server.key) for _ in range(PUBLISHERS)]
    for client in clients:
        await client.__aenter__()
        await client.send(EVENT)  # warm
    deadline = time.perf_counter() + THROUGHPUT_SECONDS
    started = time.perf_counter()
    await asyncio.gather(*(keep_publishing(client) for client in clients))
    elapsed = time.perf_counter() - started
    for client in clients:
        await client.__aexit__(None, None, None)
    return [
        Figure(
            f"publish throughput, {PUBLISHERS} concurrent async clients", sent / elapsed, "events/s"
        )
    ]


async def measure() -> list[Figure]:
    with canned_server() as floor, serve(topic="orders", subscription="billing") as server:
        figures = await measure_publish(server, floor)
        figures += await measure_wakeups(server)
        server.reset()
        figures += await measure_waiters(server)
        server.reset()
        figures += await measure_throughput(server)
    return figures


def run() -> list[Figure]:
    return asyncio.run(measure())


if __name__ == "__main__":
    print_figures(TITLE, run())
