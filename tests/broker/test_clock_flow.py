"""A clock that flows: time passes by itself at a scale, `advance()` still jumps it,
and readers on other threads always see it move forward."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from pytest_eventgrid import Clock, UsageError

START = datetime(2030, 1, 1, 12, tzinfo=timezone.utc)


class FakeTimer:
    """Real seconds that pass only when a test says so."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _flowing(scale: float = 1.0) -> tuple[Clock, FakeTimer]:
    clock = Clock(start=START)
    timer = FakeTimer()
    clock.flow(scale, timer=timer)
    return clock, timer


def test_a_clock_stands_still_until_it_flows() -> None:
    clock = Clock()
    assert not clock.flowing
    assert clock.real_seconds_until(10) is None
    assert clock.autojump


def test_time_flows_at_the_scale() -> None:
    clock, timer = _flowing(60)
    assert clock.flowing
    assert not clock.autojump
    assert clock.now() == 0
    timer.sleep(0.5)
    assert clock.now() == 30
    assert clock.utcnow() == START + timedelta(seconds=30)
    assert repr(clock) == "<Clock t=30.000s autojump=False flow=60x>"


def test_flow_keeps_what_was_advanced_before() -> None:
    clock = Clock(start=START)
    clock.advance(100)
    timer = FakeTimer()
    clock.flow(2, timer=timer)
    timer.sleep(1)
    assert clock.now() == 102


def test_advance_jumps_a_flowing_clock_and_it_flows_on_from_there() -> None:
    clock, timer = _flowing(10)
    timer.sleep(1)
    heard: list[float] = []
    clock.add_listener(lambda: heard.append(clock.now()))
    assert clock.advance(5) == 15
    assert heard == [15]
    timer.sleep(1)
    assert clock.now() == 25
    assert clock.advance_to(20) == 25  # the past: ignored
    assert heard == [15]
    assert clock.advance_to(40) == 40
    assert heard == [15, 40]


def test_a_new_scale_counts_from_now() -> None:
    clock, timer = _flowing(1)
    timer.sleep(10)
    clock.flow(100)
    assert clock.now() == 10
    timer.sleep(1)
    assert clock.now() == 110


def test_real_seconds_until() -> None:
    clock, timer = _flowing(60)
    assert clock.real_seconds_until(120) == 2
    timer.sleep(0.5)
    assert clock.real_seconds_until(120) == 1.5
    clock.advance(60)  # now 90
    assert clock.real_seconds_until(120) == 0.5
    assert clock.real_seconds_until(30) == 0  # already past


@pytest.mark.parametrize("scale", [0, -1, float("nan"), "fast"])
def test_a_scale_must_be_positive(scale: object) -> None:
    with pytest.raises(UsageError):
        Clock().flow(scale)  # type: ignore[arg-type]


def test_a_flowing_clock_is_monotonic_on_the_real_timer() -> None:
    clock = Clock()
    clock.flow(1000)
    readings = [clock.now() for _ in range(2000)]
    assert readings == sorted(readings)
    assert readings[-1] > readings[0]


def test_readers_on_other_threads_never_see_time_go_back() -> None:
    clock = Clock()
    clock.flow(50)
    stop = threading.Event()
    backwards: list[tuple[float, float]] = []

    def read() -> None:
        last = clock.now()
        while not stop.is_set():
            now = clock.now()
            if now < last:
                backwards.append((last, now))
            last = now

    def advance() -> None:
        for step in range(2000):
            clock.advance(0.001 * (step % 3))
            if step % 500 == 0:
                clock.flow(50 + step / 100)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    advancing = [threading.Thread(target=advance) for _ in range(2)]
    for thread in advancing:
        thread.start()
    for thread in advancing:
        thread.join(10)
    stop.set()
    for reader in readers:
        reader.join(10)
    assert backwards == []
