"""The async autojump: virtual time moves only when every task waits.

These scenarios need several tasks on one event loop, so they use the async clients
only; `asyncio.wait_for` guards against a hang and never fires in a passing run.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import Awaitable
from typing import TypeVar

import anyio
import pytest
from azure.eventgrid.aio import EventGridConsumerClient

from pytest_eventgrid import EventGrid
from pytest_eventgrid._doors import _autojump
from tests._clients import cloud_event, event_ids, lock_tokens

pytestmark = pytest.mark.asyncio

T = TypeVar("T")
HANG_GUARD = 10  # real seconds; never reached in a passing run


async def guarded(awaitable: Awaitable[T]) -> T:
    return await asyncio.wait_for(awaitable, timeout=HANG_GUARD)


@pytest.fixture
def parked(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Set once a long-poll parks on the autojump: its receive is really waiting."""
    event = asyncio.Event()
    park = _autojump.AsyncAutojump.park

    async def spy(self: _autojump.AsyncAutojump, future: asyncio.Future[None], target: float):
        event.set()
        await park(self, future, target)

    monkeypatch.setattr(_autojump.AsyncAutojump, "park", spy)
    return event


async def test_a_waiting_receive_wakes_when_another_task_publishes(
    eventgrid: EventGrid, parked: asyncio.Event
) -> None:
    async def publish_once_parked() -> None:
        await parked.wait()
        async with eventgrid.aio_publisher() as publisher:
            await publisher.send(cloud_event(1))

    async with eventgrid.aio_consumer() as consumer:
        received, _ = await guarded(
            asyncio.gather(consumer.receive(max_wait_time=120), publish_once_parked())
        )

    assert event_ids(received) == ["e1"]
    assert eventgrid.clock.now() == 0


async def test_a_lock_held_across_yields_outlives_another_consumers_empty_receive(
    eventgrid: EventGrid,
) -> None:
    async with (
        eventgrid.aio_publisher() as publisher,
        eventgrid.aio_consumer() as holder,
        eventgrid.aio_consumer() as waiter,
    ):
        await publisher.send(cloud_event(1))
        [held] = await holder.receive()

        async def work_then_acknowledge() -> list[str]:
            for _ in range(50):
                await asyncio.sleep(0)  # other work of this task, in many steps
            await publisher.send(cloud_event(2, data="from the holder"))
            result = await holder.acknowledge(lock_tokens=[held.broker_properties.lock_token])
            return list(result.succeeded_lock_tokens)

        acknowledged, received = await guarded(
            asyncio.gather(work_then_acknowledge(), waiter.receive(max_wait_time=120))
        )

    assert acknowledged == [held.broker_properties.lock_token]
    assert event_ids(received) == ["e2"]
    assert eventgrid.clock.now() == 0
    assert eventgrid.subscription().expired_locks == []


async def test_a_waiting_receive_returns_at_the_end_of_a_release_delay(
    eventgrid: EventGrid,
) -> None:
    async with eventgrid.aio_publisher() as publisher, eventgrid.aio_consumer() as consumer:
        await publisher.send(cloud_event(1))
        [first] = await consumer.receive()
        await consumer.release(lock_tokens=[first.broker_properties.lock_token], release_delay=60)

        [again] = await guarded(consumer.receive(max_wait_time=120))

    assert eventgrid.clock.now() == 60
    assert again.broker_properties.delivery_count == 2


async def test_the_earliest_waiter_decides_how_far_time_jumps(eventgrid: EventGrid) -> None:
    eventgrid.topic("test-topic").subscription("other")
    async with (
        eventgrid.aio_consumer() as short,
        eventgrid.aio_consumer(subscription="other") as long,
    ):
        times: list[float] = []

        async def receive(consumer: EventGridConsumerClient, wait: int) -> None:
            assert await consumer.receive(max_wait_time=wait) == []
            times.append(eventgrid.clock.now())

        await guarded(asyncio.gather(receive(long, 120), receive(short, 10)))

    assert times == [10, 120]


# -- guards and other loops ------------------------------------------------------------


@pytest.mark.parametrize(
    "guard",
    [
        "wait_for",
        pytest.param(
            "asyncio.timeout",
            marks=pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout is 3.11+"),
        ),
        "anyio.fail_after",
    ],
)
async def test_a_real_time_guard_does_not_hold_back_the_jump(
    eventgrid: EventGrid, guard: str
) -> None:
    async with eventgrid.aio_consumer() as consumer:
        if guard == "wait_for":
            received = await asyncio.wait_for(consumer.receive(), timeout=HANG_GUARD)
        elif guard == "asyncio.timeout":
            async with asyncio.timeout(HANG_GUARD):
                received = await consumer.receive()
        else:
            with anyio.fail_after(HANG_GUARD):
                received = await consumer.receive()

    assert received == []
    assert eventgrid.clock.now() == 60


async def test_two_fakes_on_one_loop_each_jump_their_own_clock() -> None:
    first, second = EventGrid(), EventGrid()
    first.clock.advance(5)

    async def empty_receive(eventgrid: EventGrid, wait: int) -> None:
        async with eventgrid.aio_consumer() as consumer:
            assert await consumer.receive(max_wait_time=wait) == []

    await guarded(asyncio.gather(empty_receive(first, 10), empty_receive(second, 120)))

    assert (first.clock.now(), second.clock.now()) == (15, 120)


# -- someone else's real timers -------------------------------------------------------


class ForeignTimer:
    """Stands in for a timer of another task (its `asyncio.sleep`, say) that the
    autojump finds pending when every task waits: consulted once, then gone."""

    def __init__(self, due_in: float) -> None:
        self.due_in: float | None = due_in
        self.consulted = asyncio.Event()

    def __call__(self, loop: asyncio.AbstractEventLoop) -> float | None:
        due_in, self.due_in = self.due_in, None
        if due_in is not None:
            self.consulted.set()
        return due_in


@pytest.fixture
def foreign_timer(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> ForeignTimer:
    timer = ForeignTimer(request.param)
    monkeypatch.setattr(_autojump, "_next_foreign_timer", timer)
    return timer


@pytest.mark.parametrize("foreign_timer", [0.0], indirect=True)
async def test_a_foreign_timer_due_first_is_waited_for_before_the_jump(
    eventgrid: EventGrid, foreign_timer: ForeignTimer
) -> None:
    moves: list[float] = []
    eventgrid.clock.add_listener(lambda: moves.append(eventgrid.clock.now()))

    async with eventgrid.aio_consumer() as consumer:
        received = await guarded(consumer.receive())

    assert received == []
    assert foreign_timer.consulted.is_set()
    # First the clock kept pace with the (real, tiny) wait; then it jumped.
    assert moves[-1] == 60
    assert all(move < 1 for move in moves[:-1])


@pytest.mark.parametrize("foreign_timer", [100.0], indirect=True)
async def test_a_publish_during_a_real_wait_wakes_the_receive_at_once(
    eventgrid: EventGrid, foreign_timer: ForeignTimer
) -> None:
    async def publish_during_the_wait() -> None:
        await foreign_timer.consulted.wait()
        async with eventgrid.aio_publisher() as publisher:
            await publisher.send(cloud_event(1))

    async with eventgrid.aio_consumer() as consumer:
        received, _ = await guarded(
            asyncio.gather(consumer.receive(max_wait_time=120), publish_during_the_wait())
        )

    assert event_ids(received) == ["e1"]
    assert eventgrid.clock.now() < 1


@pytest.mark.parametrize("foreign_timer", [100.0], indirect=True)
async def test_a_receive_that_starts_during_a_real_wait_is_counted_in(
    eventgrid: EventGrid, foreign_timer: ForeignTimer
) -> None:
    eventgrid.topic("test-topic").subscription("other")
    times: dict[str, float] = {}

    async def receive(subscription: str, wait: int) -> None:
        if subscription == "other":
            await foreign_timer.consulted.wait()
        async with eventgrid.aio_consumer(subscription=subscription) as consumer:
            assert await consumer.receive(max_wait_time=wait) == []
        times[subscription] = eventgrid.clock.now()

    await guarded(asyncio.gather(receive("test-subscription", 120), receive("other", 10)))

    assert times == {"other": 10, "test-subscription": 120}


async def test_timeouts_do_not_count_as_someone_elses_timer() -> None:
    loop = asyncio.get_running_loop()
    guard = asyncio.ensure_future(asyncio.wait_for(loop.create_future(), timeout=5))
    await asyncio.sleep(0)  # wait_for schedules its timeout
    assert _autojump._next_foreign_timer(loop) is None

    work = loop.call_later(30, lambda: None)
    try:
        assert _autojump._next_foreign_timer(loop) == pytest.approx(30, abs=1)
    finally:
        work.cancel()
        guard.cancel()
    assert _autojump._next_foreign_timer(loop) is None


# -- until -----------------------------------------------------------------------------


async def test_until_returns_once_other_tasks_made_the_condition_true(
    eventgrid: EventGrid,
) -> None:
    subscription = eventgrid.subscription()

    async def consume_forever() -> None:
        async with eventgrid.aio_consumer() as consumer:
            while True:
                received = await consumer.receive(max_events=10)
                if received:
                    await consumer.acknowledge(lock_tokens=lock_tokens(received))

    async with eventgrid.aio_publisher() as publisher:
        consumer_task = asyncio.create_task(consume_forever())
        await publisher.send([cloud_event(number) for number in range(3)])
        try:
            await guarded(eventgrid.until(lambda: len(subscription.acknowledged) == 3))
        finally:
            consumer_task.cancel()

    assert [event.id for event in subscription.acknowledged] == ["e0", "e1", "e2"]
    assert eventgrid.clock.now() == 0


async def test_until_fails_fast_in_virtual_time_when_nothing_can_happen(
    eventgrid: EventGrid,
) -> None:
    with pytest.raises(TimeoutError) as error:
        await guarded(eventgrid.until(lambda: False, timeout=30))

    assert str(error.value).startswith("The condition was still false after 30 virtual seconds.")
    assert eventgrid.clock.now() == 30


@pytest.mark.eventgrid(autojump=False)
async def test_until_without_autojump_waits_for_another_task(eventgrid: EventGrid) -> None:
    async def publish_soon() -> None:
        await asyncio.sleep(0)
        async with eventgrid.aio_publisher() as publisher:
            await publisher.send(cloud_event(1))

    await guarded(
        asyncio.gather(
            eventgrid.until(lambda: len(eventgrid.subscription().available) == 1, timeout=5),
            publish_soon(),
        )
    )

    assert eventgrid.clock.now() == 0


@pytest.mark.eventgrid(autojump=False)
async def test_until_without_autojump_counts_its_timeout_once_not_from_each_change(
    eventgrid: EventGrid,
) -> None:
    stop = asyncio.Event()

    async def keep_publishing() -> None:  # changes without end, each waking the wait
        async with eventgrid.aio_publisher() as publisher:
            n = 0
            while not stop.is_set():
                await publisher.send(cloud_event(n))
                n += 1
                await asyncio.sleep(0)  # let the loop run (no real time passes)

    publisher = asyncio.ensure_future(keep_publishing())
    try:
        # Counted again from each change, the wait would never end: the guard would.
        with pytest.raises(TimeoutError, match=r"still false after 0\.3 virtual seconds"):
            await guarded(eventgrid.until(lambda: False, timeout=0.3))
    finally:
        stop.set()
        await publisher


async def test_until_on_a_flowing_clock_ends_when_the_clock_reaches_its_timeout(
    eventgrid: EventGrid,
) -> None:
    eventgrid.clock.flow(600)  # ten virtual minutes a real second
    with pytest.raises(TimeoutError, match="still false after 60 virtual seconds"):
        await guarded(eventgrid.until(lambda: False, timeout=60))

    assert eventgrid.clock.now() >= 60


# -- many consumers --------------------------------------------------------------------

CONSUMERS = 50
EVENTS = 5_000


async def publish_many(eventgrid: EventGrid, count: int) -> None:
    async with eventgrid.aio_publisher() as publisher:
        for start in range(0, count, 500):
            await publisher.send([cloud_event(n) for n in range(start, start + 500)])


async def test_fifty_consumers_drain_five_thousand_events_exactly_once(
    eventgrid: EventGrid,
) -> None:
    await publish_many(eventgrid, EVENTS)
    live: set[str] = set()
    acknowledged: list[str] = []
    problems: list[str] = []

    async def consume() -> None:
        async with eventgrid.aio_consumer() as consumer:
            while received := await consumer.receive(max_events=20, max_wait_time=10):
                tokens = lock_tokens(received)
                problems.extend(f"handed out twice: {token}" for token in live & set(tokens))
                live.update(tokens)
                await asyncio.sleep(0)  # the work of handling the events
                result = await consumer.acknowledge(lock_tokens=tokens)
                live.difference_update(tokens)
                problems.extend(f"{failed.error.code}" for failed in result.failed_lock_tokens)
                acknowledged.extend(event_ids(received))

    await guarded(asyncio.gather(*(consume() for _ in range(CONSUMERS))))

    assert problems == []
    assert Counter(acknowledged) == Counter(f"e{n}" for n in range(EVENTS))
    subscription = eventgrid.subscription()
    assert len(subscription.acknowledged) == EVENTS
    assert subscription.expired_locks == []
    # Time moved once: when every consumer waited on an empty subscription.
    assert eventgrid.clock.now() == 10
