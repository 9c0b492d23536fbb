"""Operations cost O(batch), not O(queue): counted by instrumenting, never timed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pytest_eventgrid._broker import State
from pytest_eventgrid._broker._chaos import ChaosSettings
from pytest_eventgrid._broker._queue import QueuedEvent

from ._support import QueueHarness, event, tokens

BATCH = 100
DEPTHS = (1_000, 100_000)


class TouchCounter:
    """Stands in for `QueuedEvent.state` and remembers which entries were read or set."""

    def __init__(self, slot: Any) -> None:
        self._slot = slot
        self.touched: set[int] = set()
        self.counting = False

    def __get__(self, entry: QueuedEvent | None, owner: type) -> Any:
        if entry is None:
            return self
        if self.counting:
            self.touched.add(id(entry))
        return self._slot.__get__(entry, owner)

    def __set__(self, entry: QueuedEvent, value: State) -> None:
        if self.counting:
            self.touched.add(id(entry))
        self._slot.__set__(entry, value)

    def count(self, action: Callable[[], object]) -> int:
        """How many distinct queue entries `action` looked at or changed."""
        self.touched.clear()
        self.counting = True
        try:
            action()
        finally:
            self.counting = False
        return len(self.touched)


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> TouchCounter:
    counting = TouchCounter(QueuedEvent.__dict__["state"])
    monkeypatch.setattr(QueuedEvent, "state", counting)
    return counting


def deep_queue(depth: int) -> QueueHarness:
    harness = QueueHarness()
    harness.queue.enqueue([event(0)] * depth, harness.now)
    return harness


def receive_and_acknowledge(harness: QueueHarness) -> None:
    assert harness.acknowledge(*tokens(harness.receive(BATCH))) == ["ok"] * BATCH


def receive_and_release(harness: QueueHarness) -> None:
    assert harness.release(*tokens(harness.receive(BATCH)), delay=10) == ["ok"] * BATCH
    harness.advance_to(harness.now + 10)


def receive_and_let_locks_expire(harness: QueueHarness) -> None:
    expired = len(harness.queue.expired_locks)
    harness.receive(BATCH)
    harness.advance_to(harness.now + 60)
    harness.queue.tick(harness.now)
    assert len(harness.queue.expired_locks) == expired + BATCH


def receive_out_of_order_and_acknowledge(harness: QueueHarness) -> None:
    harness.queue.chaos = ChaosSettings(reorder=True)
    receive_and_acknowledge(harness)


def release_half_then_receive(harness: QueueHarness) -> None:
    """Released events go back to their places, ahead of deeper ones."""
    received = harness.receive(BATCH)
    assert harness.release(*tokens(received[::2])) == ["ok"] * (BATCH // 2)
    assert harness.acknowledge(*tokens(received[1::2])) == ["ok"] * (BATCH // 2)
    again = harness.receive(BATCH)
    assert [delivery.delivery_count for delivery in again[: BATCH // 2]] == [2] * (BATCH // 2)
    assert harness.acknowledge(*tokens(again)) == ["ok"] * BATCH


@pytest.mark.parametrize(
    "scenario",
    [
        receive_and_acknowledge,
        receive_and_release,
        receive_and_let_locks_expire,
        receive_out_of_order_and_acknowledge,
        release_half_then_receive,
    ],
)
def test_a_batch_touches_the_same_entries_at_any_depth(
    counter: TouchCounter, scenario: Callable[[QueueHarness], None]
) -> None:
    touched = {}
    for depth in DEPTHS:
        harness = deep_queue(depth)
        scenario(harness)  # warm up: the first batch at the head of the queue
        touched[depth] = counter.count(lambda harness=harness: scenario(harness))

    assert touched[DEPTHS[0]] == touched[DEPTHS[1]] <= 2 * BATCH


def test_the_counter_sees_a_scan_of_the_whole_queue(counter: TouchCounter) -> None:
    harness = deep_queue(DEPTHS[0])

    assert counter.count(lambda: harness.queue.pending(harness.now)) == DEPTHS[0]
