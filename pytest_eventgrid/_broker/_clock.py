"""The virtual clock every timed behaviour of the fake runs on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from .. import _errors

AdvanceListener = Callable[[], None]
CLOCK_DOCS = "guide/#the-clock"


class Clock:
    """A virtual clock, in seconds since the fake service started.

    Time moves only when `advance()` or `advance_to()` is called: by a test, by the
    SDK's retry backoff through the doors, or by the autojump of a receive long-poll
    when nothing else can happen first.

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
        self._lock = threading.Lock()
        self._listeners: list[AdvanceListener] = []
        self.autojump = _errors.flag("autojump", autojump, CLOCK_DOCS)

    @property
    def start(self) -> datetime:
        """The wall-clock instant that virtual second 0 stands for."""
        return self._start

    def now(self) -> float:
        """Seconds elapsed on the virtual clock."""
        return self._now

    def utcnow(self) -> datetime:
        """The virtual instant as an aware UTC `datetime`."""
        return self._start + timedelta(seconds=self._now)

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
            target = to(self._now)
            moved = target > self._now
            if moved:
                self._now = target
            now = self._now
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
        return f"<Clock t={self._now:.3f}s autojump={self.autojump}>"
