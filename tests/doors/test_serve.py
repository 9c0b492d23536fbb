"""The serve core: one sans-IO sequence of waits, and the sync and async drivers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from pytest_eventgrid._broker import Clock
from pytest_eventgrid._doors._serve import (
    TRANSIT,
    Listen,
    Park,
    Sleep,
    Steps,
    Wait,
    long_poll,
    serve,
    serve_async,
    serving,
)
from pytest_eventgrid._wire import (
    Delayed,
    InjectedTransportError,
    LongPoll,
    WireRequest,
    WireResponse,
    WireResult,
)

REQUEST = WireRequest("GET", "https://ns.westus-1.eventgrid.azure.net/x")
OK = WireResponse(200, {}, b"ok")
EMPTY = WireResponse(200, {}, b"empty")


class Answers:
    """A handler that gives one answer (or raises it)."""

    def __init__(self, answer: WireResult | Delayed | Exception) -> None:
        self.answer = answer

    def handle(self, request: WireRequest) -> WireResult | Delayed:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class Queue:
    """What a long-poll watches: events arrive at `arrives_at` on the clock."""

    def __init__(self, clock: Clock, arrives_at: float | None) -> None:
        self.clock = clock
        self.arrives_at = arrives_at
        self.looks = 0
        self.listeners: list[Callable[[], None]] = []

    def poll(self) -> WireResponse | None:
        self.looks += 1
        arrived = self.arrives_at is not None and self.clock.now() >= self.arrives_at
        return OK if arrived else None

    def long_poll(self, deadline: float) -> LongPoll:
        return LongPoll(
            deadline=deadline,
            poll=self.poll,
            timeout=lambda: EMPTY,
            next_change=lambda: self.arrives_at,
            add_listener=self.listeners.append,
            remove_listener=self.listeners.remove,
        )


def steps_of(steps: Steps[WireResponse]) -> tuple[list[Wait], WireResponse]:
    """Every wait a sequence yields, answered with nothing, and what it returns."""
    waits: list[Wait] = []
    try:
        while True:
            waits.append(steps.send(None))
    except StopIteration as finished:
        return waits, finished.value


def test_a_direct_answer_travels_back_once() -> None:
    waits, response = steps_of(serving(Answers(OK), Clock(), REQUEST, lambda f: f))
    assert waits == [TRANSIT]
    assert response is OK


def test_a_faults_latency_is_one_sleep_before_the_answer() -> None:
    delayed = Delayed(2.5, lambda: OK)
    waits, response = steps_of(serving(Answers(delayed), Clock(), REQUEST, lambda f: f))
    assert waits == [Sleep(2.5), TRANSIT]
    assert response is OK


def test_the_sync_driver_jumps_the_clock_by_the_latency() -> None:
    clock = Clock()
    assert serve(Answers(Delayed(2.5, lambda: OK)), clock, REQUEST) is OK
    assert clock.now() == pytest.approx(2.5)


def test_a_long_poll_listens_before_each_look_and_parks_until_the_next_change() -> None:
    clock = Clock()
    queue = Queue(clock, arrives_at=4.0)
    steps = long_poll(queue.long_poll(deadline=10.0), clock)
    assert isinstance(next(steps), Listen)
    assert queue.looks == 0
    assert steps.send(None) == Park(4.0, timeout=10.0)  # timeout: the wait's length
    assert queue.looks == 1
    clock.advance_to(4.0)
    assert isinstance(steps.send(None), Listen)
    with pytest.raises(StopIteration) as finished:
        steps.send(None)
    assert finished.value.value is OK


def test_without_autojump_a_long_poll_looks_once_and_answers_empty() -> None:
    clock = Clock(autojump=False)
    queue = Queue(clock, arrives_at=4.0)
    waits, response = steps_of(long_poll(queue.long_poll(deadline=10.0), clock))
    assert [type(wait) for wait in waits] == [Listen]
    assert response is EMPTY
    assert clock.now() == 0


def test_the_sync_driver_ends_an_empty_wait_at_its_deadline() -> None:
    clock = Clock()
    queue = Queue(clock, arrives_at=None)
    served = serve(Answers(queue.long_poll(deadline=10.0)), clock, REQUEST)
    assert served is EMPTY
    assert clock.now() == pytest.approx(10.0)


def test_an_injected_failure_leaves_as_the_doors_own_error() -> None:
    failure = InjectedTransportError("connection_reset", REQUEST.url)
    with pytest.raises(ConnectionError, match="connection reset") as raised:
        serve(Answers(failure), Clock(), REQUEST, lambda f: ConnectionError(str(f)))
    assert raised.value.__suppress_context__


def test_a_failure_after_a_latency_is_translated_too() -> None:
    def fail() -> WireResult:
        raise InjectedTransportError("read_timeout", REQUEST.url)

    with pytest.raises(TimeoutError):
        serve(Answers(Delayed(1.0, fail)), Clock(), REQUEST, lambda f: TimeoutError(str(f)))


@pytest.mark.asyncio
async def test_the_async_driver_stops_listening_when_the_wait_ends() -> None:
    clock = Clock()
    queue = Queue(clock, arrives_at=3.0)
    served = await asyncio.wait_for(
        serve_async(Answers(queue.long_poll(deadline=10.0)), clock, REQUEST), timeout=10
    )
    assert served is OK
    assert clock.now() == pytest.approx(3.0)
    assert queue.listeners == []
