"""A Hypothesis state machine of one queue subscription, checked against a reference
model that is deliberately naive: a list of events, scanned in full on every step.

The rules publish batches, receive, settle with real and bogus tokens (acknowledge,
release with each delay, reject, renew), move the clock (also exactly onto the next
lock expiry, end of delay or time-to-live) and change the settings and the topic's
retention (never below the time-to-live: the topic refuses that). After every step
the queue must agree with the model: the state, delivery count, lock and dead-letter
reason of every event, the order of available events, the next instant anything
changes. The invariants read from the model say what that means:

- nothing is lost before its time-to-live or its last allowed delivery: every
  published event is in exactly one state;
- no event is under two live locks, and no live token names two events;
- delivery counts are exact, and available events leave in publish order.

The suite runs it under the `ci` profile (tests/conftest.py); `tox -e reliability`
runs it longer, with `--hypothesis-profile=reliability`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from pytest_eventgrid._broker import IdGenerator, State, TokenResult
from pytest_eventgrid._broker._settings import SEVEN_DAYS

from ._support import QueueHarness, event

MAX_DELIVERY = "Maximum delivery attempts was exceeded."
TIME_TO_LIVE = "Time to live exceeded."
REJECTED = "Event was rejected by the consumer."
RETENTION = "Event retention period of the topic exceeded."
RENEW_WINDOW = 3600.0
DELAYS = (0, 10, 60, 600, 3600)
STEPS = (0, 1, 9, 10, 30, 59, 60, 61, 299, 300, 600, 3599, 3600, 86_400)
BOGUS = ("", "bogus", "Q0FGRQ==", "x" * 80)  # none decodes: BadToken
TOKEN_KINDS = ("live", "live", "live", "spent", "bogus", "unknown")
PENDING = (State.AVAILABLE, State.DELAYED, State.LOCKED)


@dataclass
class Modelled:
    """One event as the reference model sees it."""

    number: int
    expires_at: float
    published_at: float
    state: State = State.AVAILABLE
    delivery_count: int = 0
    token: str | None = None
    locked_until: float = 0.0
    lock_created_at: float = 0.0
    available_at: float = 0.0
    reason: str | None = None
    settled_at: float | None = None

    @property
    def id(self) -> str:
        return f"e{self.number}"


class Model:
    """The queue's rules, written the obvious way (every step scans every event)."""

    def __init__(
        self, lock: float, max_count: int, ttl: float, dead_letter: bool, retention: float
    ) -> None:
        self.lock_duration, self.max_count = lock, max_count
        self.ttl, self.dead_letter, self.retention = ttl, dead_letter, retention
        self.events: list[Modelled] = []
        self.spent: list[str] = []

    # -- time --------------------------------------------------------------------

    def _due(self, now: float) -> tuple[float, int, Modelled] | None:
        """The earliest transition due at `now`: (instant, kind, event); on a tie, lock
        expiry (0), then end of delay (1), then time-to-live (2), then the end of the
        retention (3), then publish order."""
        due: list[tuple[float, int, int, Modelled]] = []
        for item in self.events:
            if item.state is State.LOCKED and item.locked_until <= now:
                due.append((item.locked_until, 0, item.number, item))
            if item.state is State.DELAYED and item.available_at <= now:
                due.append((item.available_at, 1, item.number, item))
            if item.state in (State.AVAILABLE, State.DELAYED) and item.expires_at <= now:
                due.append((item.expires_at, 2, item.number, item))
            if item.state in PENDING and item.published_at + self.retention <= now:
                due.append((item.published_at + self.retention, 3, item.number, item))
        if not due:
            return None
        instant, kind, _, item = min(due, key=lambda entry: entry[:3])
        return instant, kind, item

    def catch_up(self, now: float) -> None:
        while (due := self._due(now)) is not None:
            instant, kind, item = due
            if kind == 0:
                self.spent.append(item.token or "")
                self._unlock(item, instant, delay=0)
            elif kind == 1 and instant >= item.expires_at:
                self._dead(item, TIME_TO_LIVE, item.expires_at)
            elif kind == 1:
                item.state = State.AVAILABLE
            elif kind == 2:
                self._dead(item, TIME_TO_LIVE, instant)
            else:
                self.gone(item, instant)

    def gone(self, item: Modelled, now: float) -> None:
        """The retention ended: the event is dropped, whatever `dead_letter` says."""
        if item.state is State.LOCKED:
            self.spent.append(item.token or "")
        item.state, item.token, item.reason, item.settled_at = State.DROPPED, None, RETENTION, now

    def set_retention(self, retention: float, now: float) -> None:
        self.catch_up(now)
        for item in self.events:
            if item.state in PENDING and item.published_at + retention <= now:
                self.gone(item, now)
        self.retention = retention

    def next_change(self) -> float | None:
        instants = [i.locked_until for i in self.events if i.state is State.LOCKED]
        instants += [i.available_at for i in self.events if i.state is State.DELAYED]
        return min(instants, default=None)

    # -- operations --------------------------------------------------------------

    def publish(self, numbers: list[int], now: float) -> None:
        self.events += [Modelled(number, now + self.ttl, now) for number in numbers]

    def available(self) -> list[Modelled]:
        return [item for item in self.events if item.state is State.AVAILABLE]  # by number

    def lock(self, item: Modelled, token: str, now: float) -> None:
        item.state = State.LOCKED
        item.delivery_count += 1
        item.token = token
        item.lock_created_at = now
        item.locked_until = now + self.lock_duration

    def holder(self, token: str) -> Modelled | None:
        held = [i for i in self.events if i.state is State.LOCKED and i.token == token]
        assert len(held) <= 1, f"token {token} locks {len(held)} events"
        return held[0] if held else None

    def settle(
        self, operation: str, tokens: list[str], now: float, delay: int
    ) -> list[tuple[str, str]]:
        outcomes: list[tuple[str, str]] = []
        seen: set[str] = set()
        for token in tokens:
            item = self.holder(token)
            if token in BOGUS:
                outcomes.append((token, "BadToken"))
            elif item is None or token in seen or self._renew_too_late(operation, item, now):
                outcomes.append((token, "TokenLost"))
            else:
                seen.add(token)
                outcomes.append((token, "ok"))
                self._apply(operation, item, now, delay)
        return outcomes

    @staticmethod
    def _renew_too_late(operation: str, item: Modelled, now: float) -> bool:
        return operation == "renew" and now > item.lock_created_at + RENEW_WINDOW

    def _apply(self, operation: str, item: Modelled, now: float, delay: int) -> None:
        if operation == "renew":
            item.locked_until = now + self.lock_duration
            return
        self.spent.append(item.token or "")
        if operation == "acknowledge":
            item.state, item.token, item.settled_at = State.ACKNOWLEDGED, None, now
        elif operation == "reject":
            self._dead(item, REJECTED, now)
        else:
            self._unlock(item, now, delay)

    def _unlock(self, item: Modelled, now: float, delay: int) -> None:
        item.token = None
        if item.delivery_count >= self.max_count:
            self._dead(item, MAX_DELIVERY, now)
        elif now >= item.expires_at:
            self._dead(item, TIME_TO_LIVE, now)
        elif delay > 0:
            item.state, item.available_at = State.DELAYED, now + delay
        else:
            item.state = State.AVAILABLE

    def _dead(self, item: Modelled, reason: str, now: float) -> None:
        item.state = State.DEAD_LETTERED if self.dead_letter else State.DROPPED
        item.token, item.reason, item.settled_at = None, reason, now


def outcome(result: TokenResult) -> tuple[str, str]:
    return (result.lock_token, result.error[0] if result.error else "ok")


token_choices = st.lists(
    st.tuples(st.sampled_from(TOKEN_KINDS), st.integers(min_value=0, max_value=63)),
    min_size=1,
    max_size=4,
)


class QueueMachine(RuleBasedStateMachine):
    """One `SubscriptionQueue`, driven by rules, next to the reference `Model`."""

    harness: QueueHarness
    model: Model

    def __init__(self) -> None:
        super().__init__()
        self.published = 0
        self.unknown = IdGenerator("tokens no queue issued")

    @initialize(
        lock=st.sampled_from([60, 61, 120, 300]),
        max_count=st.sampled_from([1, 2, 3, 10]),
        ttl=st.sampled_from([0, 1, 60, 600, 3600, SEVEN_DAYS]),
        dead_letter=st.booleans(),
        beyond_ttl=st.sampled_from([0, 0, 60, 3600, SEVEN_DAYS]),
    )
    def start(
        self, lock: int, max_count: int, ttl: float, dead_letter: bool, beyond_ttl: float
    ) -> None:
        ttl = max(ttl, lock)  # the service's rule: at least the lock duration
        retention = min(ttl + beyond_ttl, SEVEN_DAYS) if beyond_ttl else ttl
        self.harness = QueueHarness(
            lock_duration=lock,
            max_delivery_count=max_count,
            time_to_live=ttl,
            dead_letter=dead_letter,
        )
        self.harness.queue.retention = retention  # the topic's, never below the ttl
        self.model = Model(lock, max_count, ttl, dead_letter, retention)

    @property
    def now(self) -> float:
        return self.harness.now

    # -- rules -------------------------------------------------------------------

    @rule(count=st.integers(min_value=1, max_value=4))
    def publish(self, count: int) -> None:
        numbers = list(range(self.published, self.published + count))
        self.published += count
        self.model.catch_up(self.now)
        self.model.publish(numbers, self.now)
        self.harness.queue.enqueue([event(number) for number in numbers], self.now)

    @rule(max_events=st.integers(min_value=1, max_value=5))
    def receive(self, max_events: int) -> None:
        self.model.catch_up(self.now)
        expected = self.model.available()[:max_events]

        deliveries = self.harness.queue.receive(max_events, self.now)

        assert [d.event["id"] for d in deliveries] == [i.id for i in expected], "FIFO order"
        for item, delivery in zip(expected, deliveries, strict=True):
            assert delivery.lock_token not in self.model.spent, "a lock token was reused"
            self.model.lock(item, delivery.lock_token, self.now)
            assert delivery.delivery_count == item.delivery_count

    @rule(
        operation=st.sampled_from(["acknowledge", "release", "reject", "renew"]),
        choices=token_choices,
        delay=st.sampled_from(DELAYS),
    )
    def settle(self, operation: str, choices: list[tuple[str, int]], delay: int) -> None:
        self.model.catch_up(self.now)
        self._settle(operation, [self._token(kind, index) for kind, index in choices], delay)

    def _settle(self, operation: str, tokens: list[str], delay: int) -> None:
        self.model.catch_up(self.now)
        expected = self.model.settle(operation, tokens, self.now, delay)

        queue, now = self.harness.queue, self.now
        if operation == "acknowledge":
            results = queue.acknowledge(tokens, now)
        elif operation == "reject":
            results = queue.reject(tokens, now)
        elif operation == "renew":
            results = queue.renew_locks(tokens, now)
        else:
            results = queue.release(tokens, now, float(delay))

        assert [outcome(result) for result in results] == expected

    def _live_tokens(self) -> list[str]:
        self.model.catch_up(self.now)
        return [i.token for i in self.model.events if i.state is State.LOCKED and i.token]

    def _token(self, kind: str, index: int) -> str:
        pools = {"live": self._live_tokens(), "spent": self.model.spent, "bogus": list(BOGUS)}
        if pool := pools.get(kind):
            return pool[index % len(pool)]
        if kind == "unknown":
            return self.unknown.lock_token()
        return BOGUS[index % len(BOGUS)]

    @rule(seconds=st.sampled_from(STEPS))
    def advance(self, seconds: float) -> None:
        self.harness.advance_to(self.now + seconds)

    @rule(after=st.sampled_from([0, 0, 1]))
    def advance_onto_the_next_change(self, after: int) -> None:
        """Exactly onto the next lock expiry or end of delay (or just after it)."""
        self.model.catch_up(self.now)
        change = self.model.next_change()
        if change is not None and change + after > self.now:
            self.harness.advance_to(change + after)

    @rule()
    def advance_onto_the_next_time_to_live(self) -> None:
        pending = [i.expires_at for i in self.model.events if i.state in PENDING]
        target = min(pending, default=self.now)
        if target > self.now:
            self.harness.advance_to(target)

    @rule(total=st.sampled_from([600, 3540, 3600, 3660]))
    def keep_renewing(self, total: int) -> None:
        """Renew every live lock just before it ends, for `total` seconds: long enough
        to reach the end of the one-hour renew window."""
        if not self._live_tokens():
            return
        end = self.now + total
        while self.now < end:
            self.harness.advance_to(min(end, self.now + 59))
            if tokens := self._live_tokens():
                self._settle("renew", tokens, delay=0)

    @rule(after=st.sampled_from([0, 0, 1]))
    def advance_onto_the_end_of_a_renew_window(self, after: int) -> None:
        self.model.catch_up(self.now)
        created = [i.lock_created_at for i in self.model.events if i.state is State.LOCKED]
        target = min(created, default=self.now) + RENEW_WINDOW + after
        if created and target > self.now:
            self.harness.advance_to(target)

    @rule(
        lock=st.sampled_from([60, 300]),
        max_count=st.sampled_from([1, 2, 10]),
        ttl=st.sampled_from([300, 3600]),
    )
    def configure(self, lock: int, max_count: int, ttl: int) -> None:
        """New settings apply from the next operation (the time-to-live to later
        publishes), as `SubscriptionView.configure()` documents."""
        self.model.catch_up(self.now)
        self.harness.queue.tick(self.now)
        queue = self.harness.queue
        ttl = max(min(ttl, self.model.retention), lock)  # within the topic's retention
        if ttl > self.model.retention:
            return
        queue.settings = queue.settings.updated(
            lock_duration=lock, max_delivery_count=max_count, time_to_live=ttl
        )
        self.model.lock_duration, self.model.max_count, self.model.ttl = lock, max_count, ttl

    @rule(retention=st.sampled_from([300, 3600, 86_400, SEVEN_DAYS]))
    def set_retention(self, retention: float) -> None:
        """The topic's retention changes; never below the time-to-live (refused)."""
        retention = max(retention, self.model.ttl)
        self.model.set_retention(retention, self.now)
        self.harness.queue.set_retention(retention, self.now)

    # -- invariants --------------------------------------------------------------

    @invariant()
    def agrees_with_the_model(self) -> None:
        queue, now = self.harness.queue, self.now
        self.model.catch_up(now)
        pending = queue.pending(now)

        assert {s.event["id"]: self._seen(s) for s in pending} == {
            i.id: self._expected(i) for i in self.model.events if i.state in PENDING
        }
        available = [s.event["id"] for s in pending if s.state is State.AVAILABLE]
        assert available == [i.id for i in self.model.available()], "FIFO by publish order"
        assert queue.available_count == len(available)
        assert queue.next_change() == self.model.next_change()

    @invariant()
    def settled_events_are_where_the_model_put_them(self) -> None:
        letters = self.harness.queue.dead_lettered + self.harness.queue.dropped
        assert sorted((s.event["id"], s.state, s.dead_letter_reason, s.time) for s in letters) == (
            sorted(
                (i.id, i.state, i.reason, i.settled_at)
                for i in self.model.events
                if i.state in (State.DEAD_LETTERED, State.DROPPED)
            )
        )
        assert sorted(s.event["id"] for s in self.harness.queue.acknowledged) == sorted(
            i.id for i in self.model.events if i.state is State.ACKNOWLEDGED
        )

    @invariant()
    def every_published_event_is_in_exactly_one_state(self) -> None:
        queue = self.harness.queue
        places = [s.event["id"] for s in queue.pending(self.now)]
        places += [s.event["id"] for s in queue.acknowledged]
        places += [s.event["id"] for s in queue.dead_lettered + queue.dropped]
        assert sorted(places) == sorted(f"e{number}" for number in range(self.published))

    @invariant()
    def nothing_is_lost_early(self) -> None:
        for item in self.model.events:
            if item.reason == TIME_TO_LIVE:
                assert item.settled_at is not None
                assert item.settled_at >= item.expires_at
            if item.reason == MAX_DELIVERY:
                assert item.delivery_count >= 1

    @invariant()
    def no_event_is_under_two_live_locks(self) -> None:
        locks = self.harness.queue._locks  # the lock table itself, not a view of it
        holders = [id(queued) for queued in locks.values()]
        assert len(holders) == len(set(holders))
        assert all(queued.lock_token == token for token, queued in locks.items())

    # -- helpers -----------------------------------------------------------------

    @staticmethod
    def _seen(snapshot: object) -> tuple[object, ...]:
        s = snapshot
        return (
            s.state,  # type: ignore[attr-defined]
            s.delivery_count,  # type: ignore[attr-defined]
            s.lock_token,  # type: ignore[attr-defined]
            s.locked_until,  # type: ignore[attr-defined]
            s.available_at,  # type: ignore[attr-defined]
        )

    @staticmethod
    def _expected(item: Modelled) -> tuple[object, ...]:
        return (
            item.state,
            item.delivery_count,
            item.token,
            item.locked_until if item.state is State.LOCKED else None,
            item.available_at if item.state is State.DELAYED else None,
        )


TestQueueStateMachine = QueueMachine.TestCase
