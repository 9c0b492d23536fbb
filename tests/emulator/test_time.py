"""Time on the emulator: a real clock (scaled, so the tests stay fast) lets waiting
receives wake at a publish and locks, release delays and TTLs pass by themselves; a
virtual clock stands still until it is advanced, and a waiting receive then answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioConsumer
from azure.eventgrid.aio import EventGridPublisherClient as AioPublisher

from pytest_eventgrid import EventGridServer, serve
from pytest_eventgrid._broker import Clock
from pytest_eventgrid._doors._serve import serve_realtime
from pytest_eventgrid._wire import LongPoll, WireRequest, WireResponse

from ._waits import HANG_GUARD, eventually, until_waiting, waiting

# A real clock at 1x wakes a waiting receive within milliseconds; this bound only
# keeps a slow CI machine from failing the test.
PROMPT = 2.0


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(4) as executor:
        yield executor


def _scaled(scale: float, **settings: Any) -> EventGridServer:
    return serve(topic="orders", subscription="billing", time_scale=scale, **settings)


def _clients(server: EventGridServer) -> tuple[EventGridPublisherClient, EventGridConsumerClient]:
    publisher = EventGridPublisherClient(
        server.endpoint, server.credential, namespace_topic="orders"
    )
    consumer = EventGridConsumerClient(
        server.endpoint, server.credential, namespace_topic="orders", subscription="billing"
    )
    return publisher, consumer


def _event(kind: str = "Order.Created") -> CloudEvent[Any]:
    return CloudEvent(source="shop", type=kind, data={})


# -- a real clock ------------------------------------------------------------------------------


def test_a_waiting_receive_wakes_at_a_publish(
    server: EventGridServer, pool: ThreadPoolExecutor
) -> None:
    publisher, consumer = _clients(server)
    with publisher, consumer:
        started = time.monotonic()
        receiving = pool.submit(consumer.receive, max_events=10, max_wait_time=60)
        until_waiting(server)
        published = time.monotonic()
        publisher.send(_event())
        received = receiving.result(HANG_GUARD)
        answered = time.monotonic()
    assert [detail.event.type for detail in received] == ["Order.Created"]
    assert answered - published < PROMPT
    assert answered - started < 60 / 4
    assert server.eventgrid.clock.now() < 30


@pytest.mark.asyncio
async def test_a_waiting_async_receive_wakes_at_an_async_publish(server: EventGridServer) -> None:
    async with (
        AioPublisher(server.endpoint, server.credential, namespace_topic="orders") as publisher,
        AioConsumer(
            server.endpoint, server.credential, namespace_topic="orders", subscription="billing"
        ) as consumer,
    ):
        receiving = asyncio.ensure_future(consumer.receive(max_events=10, max_wait_time=60))
        await asyncio.get_running_loop().run_in_executor(None, until_waiting, server)
        published = time.monotonic()
        await publisher.send([_event("A"), _event("B")])
        received = await asyncio.wait_for(receiving, HANG_GUARD)
    assert time.monotonic() - published < PROMPT
    assert {detail.event.type for detail in received} <= {"A", "B"}
    assert received


def test_a_receive_with_nothing_answers_empty_after_max_wait_time() -> None:
    with _scaled(50) as server:  # 10 s pass in 0.2 s
        _, consumer = _clients(server)
        with consumer:
            started = time.monotonic()
            received = consumer.receive(max_events=1, max_wait_time=10)
            took = time.monotonic() - started
        assert received == []
        assert 0.15 < took < 5
        assert server.eventgrid.clock.now() >= 10


def test_a_lock_expires_in_scaled_real_seconds() -> None:
    with _scaled(120) as server:  # the 60 s lock passes in 0.5 s
        publisher, consumer = _clients(server)
        with publisher, consumer:
            publisher.send(_event())
            first = consumer.receive(max_events=1, max_wait_time=10)
            assert first[0].broker_properties.delivery_count == 1
            # Waits up to 120 s (1 s real): the event is back once its lock expires.
            started = time.monotonic()
            again = consumer.receive(max_events=1, max_wait_time=120)
            took = time.monotonic() - started
    assert [detail.broker_properties.delivery_count for detail in again] == [2]
    assert again[0].event.id == first[0].event.id
    assert took < 1.0  # before the wait was over: the lock's expiry woke it


def test_a_release_delay_passes_in_scaled_real_seconds() -> None:
    # The 10 s delay passes in 0.5 s; the 60 s lock would take 3 s, room for a slow machine.
    with _scaled(20) as server:
        publisher, consumer = _clients(server)
        with publisher, consumer:
            publisher.send(_event())
            first = consumer.receive(max_events=1, max_wait_time=10)
            token = first[0].broker_properties.lock_token
            released = consumer.release(lock_tokens=[token], release_delay=10)
            assert released.succeeded_lock_tokens == [token]
            started = time.monotonic()
            again = consumer.receive(max_events=1, max_wait_time=60)
            took = time.monotonic() - started
    assert [(d.event.id, d.broker_properties.delivery_count) for d in again] == [
        (first[0].event.id, 2)
    ]
    assert took < 2.5


def test_time_to_live_passes_in_scaled_real_seconds() -> None:
    with _scaled(600, time_to_live=60) as server:  # the event expires after 0.1 s
        publisher, consumer = _clients(server)
        with publisher, consumer:
            publisher.send(_event())
            published = server.eventgrid.clock.now()
            eventually(lambda: server.eventgrid.clock.now() > published + 61)
            assert consumer.receive(max_events=1, max_wait_time=10) == []
        billing = server.eventgrid.subscription()
        assert len(billing.dead_lettered) + len(billing.dropped) == 1


# -- a virtual clock ---------------------------------------------------------------------------


def test_a_virtual_clock_stands_still(virtual_server: EventGridServer) -> None:
    clock = virtual_server.eventgrid.clock
    publisher, consumer = _clients(virtual_server)
    with publisher, consumer:
        before = clock.now()
        publisher.send(_event())
        received = consumer.receive(max_events=1, max_wait_time=10)  # there: no wait
        assert clock.now() == before  # two real HTTP round trips later
        assert not clock.flowing
    assert len(received) == 1
    assert len(virtual_server.eventgrid.subscription().locked) == 1


def test_an_advance_answers_a_waiting_receive_at_once(
    virtual_server: EventGridServer, pool: ThreadPoolExecutor
) -> None:
    _, consumer = _clients(virtual_server)
    with consumer:
        receiving = pool.submit(consumer.receive, max_events=1, max_wait_time=60)
        until_waiting(virtual_server)
        virtual_server.eventgrid.clock.advance(30)  # half the wait: it keeps waiting
        # The advance woke the receive on the server's loop; a round trip through that
        # loop comes after it looked again, found nothing due, and parked.
        httpx.get(f"{virtual_server.url}/_admin/health")
        assert waiting(virtual_server) == 1
        assert not receiving.done()
        advanced = time.monotonic()
        virtual_server.eventgrid.clock.advance(30)
        assert receiving.result(HANG_GUARD) == []
    assert time.monotonic() - advanced < PROMPT


def test_an_advance_past_a_lock_hands_the_event_to_a_waiting_receive(
    virtual_server: EventGridServer, pool: ThreadPoolExecutor
) -> None:
    publisher, consumer = _clients(virtual_server)
    with publisher, consumer:
        publisher.send(_event())
        first = consumer.receive(max_events=1, max_wait_time=10)
        receiving = pool.submit(consumer.receive, max_events=1, max_wait_time=120)
        until_waiting(virtual_server)
        advanced = time.monotonic()
        virtual_server.eventgrid.clock.advance(61)
        again = receiving.result(HANG_GUARD)
    assert time.monotonic() - advanced < PROMPT
    assert [detail.event.id for detail in again] == [first[0].event.id]
    assert again[0].broker_properties.delivery_count == 2


# -- the guard of a virtual clock that is never advanced (a guess: see the guide) --------------


class _NothingYet:
    """A handler whose receive finds nothing and may wait `seconds` (virtual)."""

    def __init__(self, clock: Clock, seconds: float) -> None:
        self._clock = clock
        self._seconds = seconds

    def handle(self, request: WireRequest) -> LongPoll:
        return LongPoll(
            deadline=self._clock.now() + self._seconds,
            poll=lambda: None,
            timeout=lambda: WireResponse(200, {}, b'{"value":[]}'),
            next_change=lambda: None,
            add_listener=lambda wake: None,
            remove_listener=lambda wake: None,
        )


async def _realtime(
    clock: Clock, seconds: float, ended: asyncio.Future[None] | None = None
) -> float:
    ended = ended or asyncio.get_running_loop().create_future()
    started = time.monotonic()
    response = await asyncio.wait_for(
        serve_realtime(_NothingYet(clock, seconds), clock, WireRequest("POST", "https://x"), ended),
        HANG_GUARD,
    )
    assert response.body == b'{"value":[]}'
    return time.monotonic() - started


@pytest.mark.asyncio
async def test_a_virtual_clock_never_advanced_answers_after_the_wait_in_real_seconds() -> None:
    clock = Clock(autojump=False)
    took = await _realtime(clock, 0.2)
    assert 0.15 < took < 2
    assert clock.now() == 0  # the guard does not move the clock


@pytest.mark.asyncio
async def test_the_guard_counts_from_the_start_of_the_wait() -> None:
    clock = Clock(autojump=False)

    stop = asyncio.Event()

    async def keep_advancing_a_little() -> None:  # each advance wakes the wait
        while not stop.is_set():
            clock.advance(1e-9)
            await asyncio.sleep(0)  # let the loop run (no real time passes)

    nudging = asyncio.ensure_future(keep_advancing_a_little())
    try:
        # Restarted by each advance, the guard would never end the wait.
        took = await asyncio.wait_for(_realtime(clock, 0.2), HANG_GUARD)
    finally:
        stop.set()
        await nudging
    assert took < HANG_GUARD


@pytest.mark.asyncio
async def test_a_realtime_wait_ends_when_ended() -> None:
    clock = Clock()
    clock.flow(1)
    ended = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_later(0.05, ended.set_result, None)
    assert await _realtime(clock, 60, ended) < PROMPT
