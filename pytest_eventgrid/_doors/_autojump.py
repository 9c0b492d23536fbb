"""Waiting on the virtual clock from async code: the clock jumps when the loop idles.

The serve core (`_serve`) parks its async waits here. It works like trio's
`MockClock(autojump_threshold=0)`: virtual time moves only when no task can run.
asyncio has no idle hook, so a coordinator per (clock, event loop) checks the loop's
ready queue from a callback it keeps rescheduling while receives wait:

- while other callbacks are ready, it waits: another task may still publish,
  settle or renew a lock, and must do so before time moves;
- when the loop has stayed idle for two passes (so pending I/O was polled once),
  it jumps the clock to the earliest instant any waiter cares about, and wakes
  every waiter to look again;
- if a real timer of someone else's (an `asyncio.sleep`, a `call_later`) is due
  before that instant, it lets that real time pass instead, and the virtual clock
  keeps pace, so a task that sleeps while holding a lock never finds it expired by
  a jump;
- timers that only cut a wait short (`asyncio.wait_for`, `asyncio.timeout`,
  `asyncio.wait(timeout=)`, anyio cancel scopes, `async_timeout`) are hang guards,
  not work that takes time: the clock does not wait for them, so a guard around a
  long-poll never fires in a passing run.

Each coordinator ignores the checks of every coordinator (two fakes in one loop
each have one), else each would see the other's check as work and never jump.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable
from typing import Any

from .._broker import Clock

Wake = Callable[..., None]  # a listener: whatever it is told, it wakes the waiter

_coordinators: weakref.WeakKeyDictionary[Clock, weakref.WeakKeyDictionary[Any, AsyncAutojump]] = (
    weakref.WeakKeyDictionary()
)
# The checks and timers of every coordinator: neither is work that time must wait for.
_own_handles: weakref.WeakSet[asyncio.Handle] = weakref.WeakSet()
# Callbacks of the timers that only end a wait early (see the module docstring).
_DEADLINE_CALLBACKS = frozenset(
    {
        "_release_waiter",  # asyncio.wait_for (3.10, 3.11) and asyncio.wait
        "Timeout._on_timeout",  # asyncio.timeout (3.11+, and wait_for on 3.12+), async_timeout
        "as_completed.<locals>._on_timeout",  # asyncio.as_completed
        "CancelScope._timeout",  # anyio.fail_after / move_on_after
    }
)


async def sleep_async(clock: Clock, seconds: float) -> None:
    """Let `seconds` pass on the virtual clock, as other tasks allow (see the module
    docstring); with `autojump=False` the clock simply moves."""
    deadline = clock.now() + seconds
    if not clock.autojump:
        clock.advance_to(deadline)
        return
    loop = asyncio.get_running_loop()
    coordinator = autojump_for(clock, loop)
    while clock.now() < deadline:
        await coordinator.park(loop.create_future(), deadline)


def waker(loop: asyncio.AbstractEventLoop, future: asyncio.Future[None]) -> Wake:
    """A listener that resolves `future` on `loop`, called from any thread."""

    def resolve() -> None:
        if not future.done():
            future.set_result(None)

    def wake(*_: object) -> None:
        # Publishes may come from other threads (a sync client in a worker); once the
        # loop is closed (RuntimeError), nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(resolve)

    return wake


def autojump_for(clock: Clock, loop: asyncio.AbstractEventLoop) -> AsyncAutojump:
    per_loop = _coordinators.setdefault(clock, weakref.WeakKeyDictionary())
    coordinator = per_loop.get(loop)
    if coordinator is None:
        coordinator = per_loop[loop] = AsyncAutojump(clock, loop)
    return coordinator


class _Waiter:
    __slots__ = ("future", "target")

    def __init__(self, future: asyncio.Future[None], target: float) -> None:
        self.future = future
        self.target = target


class AsyncAutojump:
    """Moves one clock for the tasks of one event loop that wait on it."""

    IDLE_PASSES = 2

    def __init__(self, clock: Clock, loop: asyncio.AbstractEventLoop) -> None:
        self._clock = clock
        self._loop = loop
        self._waiters: set[_Waiter] = set()
        self._check: asyncio.Handle | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_started = 0.0
        self._idle_passes = 0
        self._listening = False

    async def park(self, future: asyncio.Future[None], target: float) -> None:
        """Wait until `future` resolves, or the clock reaches `target`, or moves."""
        waiter = _Waiter(future, target)
        self._waiters.add(waiter)
        if not self._listening:
            self._clock.add_listener(self._on_advance)
            self._listening = True
        self._schedule_check()
        try:
            await future
        finally:
            self._waiters.discard(waiter)
            if not self._waiters:
                self._stop()

    def _stop(self) -> None:
        if self._listening:
            self._clock.remove_listener(self._on_advance)
            self._listening = False
        for handle in (self._check, self._timer):
            if handle is not None:
                handle.cancel()
        self._check = None
        self._timer = None

    def _on_advance(self) -> None:
        for waiter in list(self._waiters):
            waker(self._loop, waiter.future)()

    def _schedule_check(self) -> None:
        if self._timer is not None:
            # Something new happened while real time was passing: account for it.
            self._timer.cancel()
            self._timer = None
            self._keep_pace()
        if self._check is None:
            self._call_check()

    def _call_check(self) -> None:
        self._check = self._loop.call_soon(self._run_check)
        _own_handles.add(self._check)

    def _keep_pace(self) -> None:
        elapsed = self._loop.time() - self._timer_started
        if elapsed > 0:
            self._clock.advance(elapsed)

    def _run_check(self) -> None:
        self._check = None
        if not self._waiters or not self._clock.autojump:
            return
        if ready_callbacks(self._loop):
            self._idle_passes = 0
            self._call_check()
            return
        self._idle_passes += 1
        if self._idle_passes < self.IDLE_PASSES:
            self._call_check()
            return
        self._idle_passes = 0
        target = min(waiter.target for waiter in self._waiters)
        real_delay = _next_foreign_timer(self._loop)
        if real_delay is not None and self._clock.now() + real_delay < target:
            self._timer_started = self._loop.time()
            self._timer = self._loop.call_later(real_delay, self._after_real_wait)
            _own_handles.add(self._timer)
            return
        self._clock.advance_to(target)
        if self._clock.now() >= target:
            self._on_advance()

    def _after_real_wait(self) -> None:
        self._timer = None
        self._keep_pace()
        self._on_advance()


def ready_callbacks(loop: asyncio.AbstractEventLoop) -> int:
    """How many callbacks are ready to run, not counting the coordinators' checks."""
    ready = getattr(loop, "_ready", None)
    if not ready:
        return 0
    return sum(1 for handle in ready if handle not in _own_handles)


def _is_deadline(handle: asyncio.TimerHandle) -> bool:
    """Whether `handle` is a timeout that only cuts a wait short."""
    return getattr(getattr(handle, "_callback", None), "__qualname__", None) in _DEADLINE_CALLBACKS


def _next_foreign_timer(loop: asyncio.AbstractEventLoop) -> float | None:
    """Seconds until the earliest live timer that is neither a coordinator's own nor
    a timeout."""
    scheduled = getattr(loop, "_scheduled", None)
    if not scheduled:
        return None
    due: list[float] = [
        handle.when()
        for handle in scheduled
        if not handle.cancelled() and handle not in _own_handles and not _is_deadline(handle)
    ]
    if not due:
        return None
    return max(0.0, min(due) - loop.time())
