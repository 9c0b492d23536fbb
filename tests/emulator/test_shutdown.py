"""Stopping the emulator with receives in flight: it stops within a second, and they are
answered empty (no events), as when their wait is over, not with errors."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from azure.eventgrid import EventGridConsumerClient
from azure.eventgrid.aio import EventGridConsumerClient as AioConsumer

from pytest_eventgrid import EventGridServer, serve

from ._waits import HANG_GUARD, until_waiting


def _consumer(server: EventGridServer) -> EventGridConsumerClient:
    return EventGridConsumerClient(
        server.endpoint, server.credential, namespace_topic="orders", subscription="billing"
    )


def _port_is_free(port: int) -> bool:
    """Nothing listens on `port`, and a new server can take it."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=HANG_GUARD).close()
    except ConnectionRefusedError:
        pass
    else:
        return False
    with serve(port=port) as again:
        return again.port == port


@pytest.mark.parametrize("clock", ["real", "virtual"])
def test_stop_answers_waiting_receives_empty_and_frees_the_port(clock: str) -> None:
    server = serve(topic="orders", subscription="billing", clock=clock).start()
    port = server.port
    with ThreadPoolExecutor(3) as pool:
        consumers = [_consumer(server) for _ in range(3)]
        receiving = [
            pool.submit(consumer.receive, max_events=10, max_wait_time=120)
            for consumer in consumers
        ]
        until_waiting(server, 3)
        started = time.monotonic()
        server.stop()
        stopped = time.monotonic() - started
        answers = [future.result(HANG_GUARD) for future in receiving]
        for consumer in consumers:
            consumer.close()
    assert stopped < 1.0
    assert answers == [[], [], []]
    assert not server.running
    assert _port_is_free(port)


@pytest.mark.asyncio
async def test_stop_answers_async_receives_empty() -> None:
    server = serve(topic="orders", subscription="billing", time_scale=1).start()
    async with AioConsumer(
        server.endpoint, server.credential, namespace_topic="orders", subscription="billing"
    ) as consumer:
        receiving = asyncio.gather(
            *(consumer.receive(max_events=1, max_wait_time=60) for _ in range(20))
        )
        await asyncio.get_running_loop().run_in_executor(None, until_waiting, server, 20)
        started = time.monotonic()
        # stop() blocks until the server's thread is done: off this loop, as a test
        # that runs a server from async code would.
        await asyncio.get_running_loop().run_in_executor(None, server.stop)
        assert time.monotonic() - started < 1.0
        answers = await asyncio.wait_for(receiving, HANG_GUARD)
    assert answers == [[]] * 20


def test_stop_with_a_client_that_holds_an_idle_connection() -> None:
    server = serve(topic="orders", subscription="billing").start()
    with _consumer(server) as consumer:
        consumer.acknowledge(lock_tokens=["unknown"])  # keeps its connection open
        idle = socket.create_connection(("127.0.0.1", server.port), timeout=HANG_GUARD)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 1.0
        idle.close()


def test_stop_twice_and_a_with_block_after_stop() -> None:
    with serve(topic="orders") as server:
        server.stop()
        server.stop()
    assert not server.running


def test_no_thread_is_left_behind() -> None:
    before = {thread.name for thread in threading.enumerate()}
    with serve(topic="orders"):
        pass
    after = {thread.name for thread in threading.enumerate()}
    assert "pytest-eventgrid-server" not in after - before
