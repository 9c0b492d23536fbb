"""The virtual clock every timed behaviour of the fake runs on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from .. import _errors

AdvanceListener = Callable[[], None]
CLOCK_DOCS = "guide/#the-clock"


class Clock:
    """A virtual clock, in seconds since the fake service started.

    Time moves only when `advance()` or `advance_to()` is called: by a test, by the
    SDK's retry backoff through the doors, or by the autojump of a receive long-poll
    when nothing else can happen first. After `flow()`, it also passes by itself, as
    real time does (the emulator's default).

    Attributes:
        autojump: Whether waiting receives may move the clock forward on their own.
            With `False`, an empty receive returns at once and only `advance()` moves
            time.
    """

    def __init__(self, *, start: datetime | None = None, autojump: bool = True) -> None:
        # The default start is a whole second, so virtual seconds and Date headers align.
        start = _errors.aware_datetime("start", start, CLOCK_DOCS)
        default = datetime.now(timezone.utc).replace(microsecond=0)
        self._start = (start or default).astimezone(timezone.utc)
        self._now = 0.0
        # While time flows: the virtual and real instants it is counted from, and the
        # virtual seconds per real second, replaced together so that readers (who take
        # no lock) never mix them. None: time stands still between advances.
        self._flow: tuple[float, float, float] | None = None
        self._timer: Callable[[], float] = time.monotonic
        self._lock = threading.Lock()
        self._listeners: list[AdvanceListener] = []
        self.autojump = _errors.flag("autojump", autojump, CLOCK_DOCS)

    @property
    def start(self) -> datetime:
        """The wall-clock instant that virtual second 0 stands for."""
        return self._start

    def now(self) -> float:
        """Seconds elapsed on the virtual clock."""
        flow = self._flow
        if flow is None:
            return self._now
        virtual, real, scale = flow
        return virtual + (self._timer() - real) * scale

    @property
    def flowing(self) -> bool:
        """Whether time passes by itself (see `flow()`)."""
        return self._flow is not None

    def flow(self, scale: float = 1.0, *, timer: Callable[[], float] | None = None) -> None:
        """Let time pass by itself from now on, `scale` virtual seconds per real second
        (1: real time; 60: a minute a second). `advance()` still moves it at once, and
        the clock no longer autojumps. Calling it again changes the scale from now on.

        `timer` gives the real seconds that time flows by (default `time.monotonic`; a
        test may pass its own)."""
        scale = _errors.positive_number("clock.flow(scale)", scale, CLOCK_DOCS)
        with self._lock:
            now, real = self._now_and_real()
            if timer is not None:
                self._timer = timer
                real = timer()
            self._flow = (now, real, scale)
            self.autojump = False

    def _now_and_real(self) -> tuple[float, float]:
        """The virtual instant, and the real instant it was read at (one reading)."""
        real = self._timer()
        flow = self._flow
        if flow is None:
            return self._now, real
        virtual, since, scale = flow
        return virtual + (real - since) * scale, real

    def real_seconds_until(self, instant: float) -> float | None:
        """The real seconds until the clock reaches `instant` by itself (0 once it
        has): None unless it flows (a virtual clock waits for `advance()`)."""
        flow = self._flow
        if flow is None:
            return None
        virtual, since, scale = flow
        return max(0.0, (instant - virtual) / scale - (self._timer() - since))

    def utcnow(self) -> datetime:
        """The virtual instant as an aware UTC `datetime`."""
        return self._start + timedelta(seconds=self.now())

    def advance(self, seconds: float | timedelta) -> float:
        """Move the clock forward and return the new time.

        Lock expiry, release delays and time-to-live take effect on the next broker
        operation, exactly as if that much time had passed.
        """
        duration = _errors.seconds("clock.advance(seconds)", seconds, CLOCK_DOCS)
        # Read and move under one lock, so that advances from several threads add up.
        return self._move(lambda now: now + duration)

    def advance_to(self, instant: float) -> float:
        """Move the clock to `instant` (seconds); earlier instants are ignored."""
        target = _errors.instant("clock.advance_to(instant)", instant, CLOCK_DOCS)
        return self._move(lambda now: target)

    def _move(self, to: Callable[[float], float]) -> float:
        with self._lock:
            now, real = self._now_and_real()
            target = to(now)
            moved = target > now
            if moved:
                now = target
                if self._flow is not None:
                    # Counted on from the very reading that `now` came from, so that
                    # no reader, before or after, sees the clock go back.
                    self._flow = (target, real, self._flow[2])
                else:
                    self._now = target
            listeners = list(self._listeners) if moved else []
        for listener in listeners:
            listener()
        return now

    def add_listener(self, listener: AdvanceListener) -> None:
        """Call `listener()` after every forward move of the clock."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: AdvanceListener) -> None:
        """Stop calling `listener`; unknown listeners are ignored."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def __repr__(self) -> str:
        flow = f" flow={self._flow[2]:g}x" if self._flow is not None else ""
        return f"<Clock t={self.now():.3f}s autojump={self.autojump}{flow}>"
