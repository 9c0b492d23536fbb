"""What the broker tests share: events, and one queue on a clock of its own."""

from __future__ import annotations

from collections.abc import Iterable

from pytest_eventgrid._broker import (
    Clock,
    Delivery,
    IdGenerator,
    State,
    SubscriptionQueue,
    SubscriptionSettings,
    TokenResult,
)

Event = dict[str, object]


def event(number: int) -> Event:
    """A stored CloudEvent with id `e<number>`."""
    return {
        "id": f"e{number}",
        "source": "/tests",
        "type": "Test.Event",
        "specversion": "1.0",
        "data": {"n": number},
    }


def ids(items: Iterable[Delivery]) -> list[object]:
    """The event ids of some deliveries."""
    return [item.event["id"] for item in items]


def tokens(items: Iterable[Delivery]) -> list[str]:
    return [item.lock_token for item in items]


def outcomes(results: Iterable[TokenResult]) -> list[str]:
    """ "ok", or the error code, for each token of a settlement, in request order."""
    return [result.error[0] if result.error else "ok" for result in results]


class QueueHarness:
    """One `SubscriptionQueue` on a clock of its own, with short names for its operations."""

    def __init__(self, seed: int | str = 0, **settings: object) -> None:
        self.clock = Clock(autojump=False)
        self.queue = SubscriptionQueue(
            "test-subscription",
            SubscriptionSettings().updated(**settings),
            IdGenerator(seed),
            created_at=0.0,
        )

    @property
    def now(self) -> float:
        return self.clock.now()

    def advance_to(self, instant: float) -> None:
        self.clock.advance_to(instant)

    def publish(self, *numbers: int) -> None:
        self.queue.enqueue([event(number) for number in numbers], self.now)

    def receive(self, max_events: int = 100) -> list[Delivery]:
        return self.queue.receive(max_events, self.now)

    def receive_one(self) -> Delivery:
        [delivery] = self.receive()
        return delivery

    def acknowledge(self, *lock_tokens: str) -> list[str]:
        return outcomes(self.queue.acknowledge(lock_tokens, self.now))

    def release(self, *lock_tokens: str, delay: float = 0.0) -> list[str]:
        return outcomes(self.queue.release(lock_tokens, self.now, delay))

    def reject(self, *lock_tokens: str) -> list[str]:
        return outcomes(self.queue.reject(lock_tokens, self.now))

    def renew(self, *lock_tokens: str) -> list[str]:
        return outcomes(self.queue.renew_locks(lock_tokens, self.now))

    def states(self) -> dict[object, State]:
        """The state of every unsettled event, by event id."""
        return {snapshot.event["id"]: snapshot.state for snapshot in self.queue.pending(self.now)}
