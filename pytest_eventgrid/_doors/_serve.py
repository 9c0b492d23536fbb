"""One serve core for every door: the sequence of a request, written once.

`serving()` is a sans-IO generator, as the wire's push deliveries are: it asks the
handler for the answer and yields each wait the answer needs (a fault's latency, a
long-poll's wait for events, the answer's way back); `waiting_until()` does the same
for `EventGrid.until()`. Three thin drivers run them:

- `serve()`, for sync doors: the clock jumps at once;
- `serve_async()` and `wait_until()`, for async doors: the waits go through the event
  loop's autojump coordinator (`_autojump`), so other tasks act first;
- `serve_realtime()`, for the HTTP server: waits take real time (or last until the
  virtual clock is advanced), and end early when the server stops or the client goes.

An injected transport failure leaves the core as the door's own error, made by the
one function each door passes in (`azure_error`, `httpx_error`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import TypeVar

from .._broker import Clock
from .._wire import (
    Delayed,
    Handler,
    InjectedTransportError,
    LongPoll,
    WireRequest,
    WireResponse,
    WireResult,
)
from ._autojump import Wake, autojump_for, ready_callbacks, sleep_async, waker

Step = TypeVar("Step")
Reply = TypeVar("Reply")
Result = TypeVar("Result")
# What a door raises for an injected transport failure.
Translate = Callable[[InjectedTransportError], Exception]


@dataclass(frozen=True)
class Sleep:
    """Let `seconds` pass on the virtual clock (a fault's latency)."""

    seconds: float


@dataclass(frozen=True)
class Listen:
    """From now on, until the next `Listen` or the end, a change reported to the
    listeners that `add` registers wakes the waiter."""

    add: Callable[[Wake], None]
    remove: Callable[[Wake], None]


@dataclass(frozen=True)
class Park:
    """Wait for a change since the last `Listen`, or until the clock reaches `until`
    (with `autojump=False`, for a change only, at most `timeout` real seconds).

    A driver answers True when the wait must end now, unfinished (the server stops)."""

    until: float
    timeout: float | None = None


@dataclass(frozen=True)
class Transit:
    """The answer is on its way back: a real async transport lets other tasks run."""


TRANSIT = Transit()
Wait = Sleep | Listen | Park | Transit
Steps = Generator[Wait, bool | None, Result]


def _unchanged(failure: InjectedTransportError) -> Exception:
    return failure


# -- the sequences ---------------------------------------------------------------------------


def serving(
    handler: Handler,
    clock: Clock,
    request: WireRequest,
    translate: Translate,
    *,
    waits: bool | None = None,
) -> Steps[WireResponse]:
    """The sequence of one request: the handler's answer, after the waits it needs.

    An injected transport failure is raised as `translate(failure)`. A receive waits
    for events if `waits` (by default, if the clock autojumps)."""
    result = _handled(handler, request, translate)
    return (yield from answering(result, clock, translate, waits=waits))


def _handled(handler: Handler, request: WireRequest, translate: Translate) -> WireResult | Delayed:
    try:
        return handler.handle(request)
    except InjectedTransportError as failure:
        raise translate(failure) from None


def answering(
    result: WireResult | Delayed,
    clock: Clock,
    translate: Translate,
    *,
    waits: bool | None = None,
) -> Steps[WireResponse]:
    """The rest of the sequence, once the handler has answered `result`."""
    try:
        while isinstance(result, Delayed):
            yield Sleep(result.seconds)
            result = result.then()
        if isinstance(result, LongPoll):
            return (yield from long_poll(result, clock, waits=waits))
    except InjectedTransportError as failure:
        raise translate(failure) from None
    yield TRANSIT
    return result


def long_poll(poll: LongPoll, clock: Clock, *, waits: bool | None = None) -> Steps[WireResponse]:
    """A receive that waits: look again after every change until events come or the
    wait is over (at once, unless `waits` or, by default, the clock autojumps)."""
    waits = clock.autojump if waits is None else waits
    while True:
        # Listening starts before the look, so an event published meanwhile (from
        # another thread) wakes the park that follows.
        yield Listen(poll.add_listener, poll.remove_listener)
        response = poll.poll()
        if response is not None:
            return response
        if not waits or clock.now() >= poll.deadline:
            return poll.timeout()
        if (yield Park(poll.wake_at(), poll.deadline - clock.now())):
            return poll.timeout()


def waiting_until(
    condition: Callable[[], object],
    clock: Clock,
    timeout: float,
    changes: Listen,
    timed_out: Callable[[], Exception],
) -> Steps[None]:
    """Look at `condition` after every change until it holds; `timed_out()` is raised
    once `timeout` virtual seconds have passed (or a driver ends the wait)."""
    deadline = clock.now() + timeout
    while not condition():
        if clock.now() >= deadline:
            raise timed_out()
        yield changes
        if (yield Park(deadline, timeout)):
            raise timed_out()


# -- the drivers -----------------------------------------------------------------------------


def drive(steps: Generator[Step, Reply, Result], act: Callable[[Step], Reply]) -> Result:
    """Run `steps` to the end, answering each step with `act(step)`."""
    try:
        step = next(steps)
        while True:
            step = steps.send(act(step))
    except StopIteration as finished:
        return finished.value  # type: ignore[no-any-return]


async def drive_async(
    steps: Generator[Step, Reply, Result], act: Callable[[Step], Awaitable[Reply]]
) -> Result:
    """Run `steps` to the end, answering each step with `await act(step)`."""
    try:
        step = next(steps)
        while True:
            step = steps.send(await act(step))
    except StopIteration as finished:
        return finished.value  # type: ignore[no-any-return]


class _SyncWaits:
    """The sync doors' waits: the clock jumps at once."""

    __slots__ = ("_clock",)

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def __call__(self, step: Wait) -> None:
        if isinstance(step, Sleep):
            self._clock.advance(step.seconds)
        elif isinstance(step, Park):
            self._clock.advance_to(step.until)


class _Listening:
    """What the event-loop drivers share: a `Listen` step makes a future that the next
    change resolves (with `clock_wakes`, a move of the clock too)."""

    __slots__ = ("_clock", "_clock_wakes", "_heard", "_listening")

    def __init__(self, clock: Clock, *, clock_wakes: bool) -> None:
        self._clock = clock
        self._clock_wakes = clock_wakes
        self._heard: asyncio.Future[None] | None = None
        self._listening: tuple[Listen, Wake] | None = None

    def _listen(self, step: Listen) -> None:
        self.stop()
        loop = asyncio.get_running_loop()
        self._heard = heard = loop.create_future()
        wake = waker(loop, heard)
        step.add(wake)
        if self._clock_wakes:
            self._clock.add_listener(wake)
        self._listening = (step, wake)

    def stop(self) -> None:
        """Stop listening for changes."""
        if self._listening is not None:
            listen, wake = self._listening
            listen.remove(wake)
            if self._clock_wakes:
                self._clock.remove_listener(wake)
            self._listening = None


class _AsyncWaits(_Listening):
    """The async doors' waits, on the running event loop: see `_autojump`. Without
    autojump, a wait lasts until the clock reaches its end, when time flows; on a clock
    that only `advance()` moves, at most its length in real seconds, counted once from
    the first wait (the driver then ends it)."""

    __slots__ = ("_guard",)

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock, clock_wakes=False)
        self._guard: float | None = None

    async def __call__(self, step: Wait) -> bool | None:
        if isinstance(step, Sleep):
            await sleep_async(self._clock, step.seconds)
        elif isinstance(step, Listen):
            self._listen(step)
        elif isinstance(step, Park):
            loop = asyncio.get_running_loop()
            heard = loop.create_future() if self._heard is None else self._heard
            if self._clock.autojump:
                await autojump_for(self._clock, loop).park(heard, step.until)
                return None
            real = self._clock.real_seconds_until(step.until)
            if real is None:
                if self._guard is None:
                    self._guard = loop.time() + (step.timeout or 0.0)
                real = self._guard - loop.time()
                if real <= 0:
                    return True  # the guard is over, however often the wait was woken
            try:
                await asyncio.wait_for(heard, max(0.0, real))
            except asyncio.TimeoutError:
                return not self._clock.flowing
        elif ready_callbacks(asyncio.get_running_loop()):
            await asyncio.sleep(0)  # a real transport yields while the bytes travel
        return None


def serve(
    handler: Handler, clock: Clock, request: WireRequest, translate: Translate = _unchanged
) -> WireResponse:
    """Answer `request`, jumping the clock through every wait (sync doors)."""
    return drive(serving(handler, clock, request, translate), _SyncWaits(clock))


async def serve_async(
    handler: Handler, clock: Clock, request: WireRequest, translate: Translate = _unchanged
) -> WireResponse:
    """Answer `request`, letting other tasks run while it waits on the virtual clock
    (async doors)."""
    result = _handled(handler, request, translate)
    if isinstance(result, WireResponse):  # most answers wait for nothing but the transit
        if ready_callbacks(asyncio.get_running_loop()):
            await asyncio.sleep(0)  # a real transport yields while the bytes travel
        return result
    return await _run_async(answering(result, clock, translate), clock)


def wait_sync(poll: LongPoll, clock: Clock) -> WireResponse:
    """Finish a long-poll at once, jumping the clock to each next change."""
    return drive(long_poll(poll, clock), _SyncWaits(clock))


async def wait_until(
    condition: Callable[[], object],
    clock: Clock,
    timeout: float,
    *,
    add_listener: Callable[[Wake], None],
    remove_listener: Callable[[Wake], None],
    timed_out: Callable[[], Exception],
) -> None:
    """Wait, letting other tasks run, until `condition()` holds: it is looked at again
    after each change reported to the listeners `add_listener` registers."""
    changes = Listen(add_listener, remove_listener)
    await _run_async(waiting_until(condition, clock, timeout, changes, timed_out), clock)


async def _run_async(steps: Steps[Result], clock: Clock) -> Result:
    waits = _AsyncWaits(clock)
    try:
        return await drive_async(steps, waits)
    finally:
        waits.stop()


class _RealtimeWaits(_Listening):
    """The HTTP server's waits, on its event loop. Time passes by itself (at the clock's
    flow), or, on a virtual clock, a wait lasts until `advance()` moves the clock past
    it, for at most as many real seconds as it is long, counted from its start (a
    guard, so that nothing hangs; a receive's wait is its `maxWaitTime`). Every wait
    ends early once `ended` is done: the server stops, or the client left."""

    __slots__ = ("_ended", "_guard")

    def __init__(self, clock: Clock, ended: asyncio.Future[None]) -> None:
        super().__init__(clock, clock_wakes=True)  # an advance may make events available
        self._ended = ended
        # On a virtual clock: the loop's time at which the receive's wait gives up.
        self._guard: float | None = None

    async def __call__(self, step: Wait) -> bool | None:
        if isinstance(step, Sleep):
            await self._sleep(step.seconds)
        elif isinstance(step, Listen):
            self._listen(step)
        elif isinstance(step, Park):
            loop = asyncio.get_running_loop()
            heard = self._heard or loop.create_future()
            if self._guard is None:
                length = step.until - self._clock.now() if step.timeout is None else step.timeout
                self._guard = loop.time() + max(0.0, length)
            return await self._until(step.until, heard, self._guard)
        return None

    async def _sleep(self, seconds: float) -> None:
        clock = self._clock
        loop = asyncio.get_running_loop()
        target = clock.now() + seconds
        guard = loop.time() + seconds
        while clock.now() < target:
            advanced = loop.create_future()
            wake = waker(loop, advanced)
            clock.add_listener(wake)
            try:
                if await self._until(target, advanced, guard):
                    return
            finally:
                clock.remove_listener(wake)

    async def _until(self, instant: float, heard: asyncio.Future[None], guard: float) -> bool:
        """Wait for `heard`, or until the clock reaches `instant`: True if the wait must
        end unfinished (`ended`, or a virtual clock not advanced before `guard`, an
        instant of the loop's time)."""
        real = self._clock.real_seconds_until(instant)
        timeout = real if real is not None else guard - asyncio.get_running_loop().time()
        if real is None and timeout <= 0:
            return True  # the guard is over, however often the wait was woken
        done, _ = await asyncio.wait(
            (self._ended, heard), timeout=max(0.0, timeout), return_when=asyncio.FIRST_COMPLETED
        )
        return self._ended.done() or (real is None and not done)


async def serve_realtime(
    handler: Handler,
    clock: Clock,
    request: WireRequest,
    ended: asyncio.Future[None],
    translate: Translate = _unchanged,
) -> WireResponse:
    """Answer `request` in real time (the HTTP server): a receive waits for events until
    its deadline, or until `ended` is done, when it is answered as if the wait were over."""
    waits = _RealtimeWaits(clock, ended)
    try:
        return await drive_async(serving(handler, clock, request, translate, waits=True), waits)
    finally:
        waits.stop()
