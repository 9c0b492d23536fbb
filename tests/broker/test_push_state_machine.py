"""A Hypothesis state machine of one push subscription (the engine behind Basic webhooks
and namespace push), checked against a naive model of each event's attempts.

The rules publish events, deliver what is due with answers drawn from every kind
(success, a status never retried, 404, 408, 429, 500, 503, no answer), and move the
clock, also exactly onto the next due attempt. The subscription has the Basic or the
namespace retry policy, batching on or off, and its own attempt and time-to-live
limits. After every step:

- nothing is lost: every published event is pending, delivered or dead-lettered, once;
- an event is attempted at most `max_delivery_attempts` times, never after its
  time-to-live, and never before its next slot of the schedule;
- `aeg-delivery-count` (an attempt's `delivery_count`) counts the attempts before it;
- a dead letter says why, and the reason agrees with the attempts it made.

The suite runs it under the `ci` profile (tests/conftest.py); `tox -e reliability`
runs it longer, with `--hypothesis-profile=reliability`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pytest_eventgrid._broker._push import (
    NAMESPACE_MIN_RETRY_DELAY,
    REASON_MAX_ATTEMPTS,
    REASON_NOT_RETRIED,
    REASON_TIME_TO_LIVE,
    SUCCESS,
    NamespacePushSettings,
    PushSettings,
    PushSubscription,
    namespace_attempt_time,
    retry_delay,
)

ANSWERS = (200, 202, 400, 401, 404, 408, 429, 500, 503, None)
STEPS = (0, 1, 9, 10, 29, 30, 60, 119, 120, 299, 300, 600, 3600, 86_400)


@dataclass
class Tried:
    """What the model knows of one event: its attempts, as (time, status)."""

    published_at: float
    attempts: list[tuple[float, int | None]] = field(default_factory=list)


class PushMachine(RuleBasedStateMachine):
    """One `PushSubscription`, delivered to by rules, next to the model's record."""

    @initialize(
        namespace=st.booleans(),
        attempts=st.integers(min_value=1, max_value=10),
        ttl=st.sampled_from([60, 600, 3600, 86_400]),
        per_batch=st.sampled_from([1, 1, 3]),
    )
    def create(self, namespace: bool, attempts: int, ttl: float, per_batch: int) -> None:
        kind = NamespacePushSettings if namespace else PushSettings
        self.settings = kind(
            max_delivery_attempts=attempts, event_time_to_live=ttl, max_events_per_batch=per_batch
        )
        self.subscription = PushSubscription(
            "hook", destination=None, settings=self.settings, validation="succeeded"
        )
        self.namespace = namespace
        self.now = 0.0
        self.published = 0
        self.model: dict[str, Tried] = {}

    # -- rules -----------------------------------------------------------------------

    @rule(count=st.integers(min_value=1, max_value=3))
    def publish(self, count: int) -> None:
        events = []
        for _ in range(count):
            self.published += 1
            ident = f"e{self.published}"
            events.append({"id": ident, "type": "Order.Created"})
            self.model[ident] = Tried(self.now)
        self.subscription.offer(events, self.now)

    @rule(answers=st.lists(st.sampled_from(ANSWERS), min_size=1, max_size=4))
    def deliver(self, answers: list[int | None]) -> None:
        batches = self.subscription.due_batches(self.now)
        for number, batch in enumerate(batches):
            status = answers[number % len(answers)]
            before = {id(pending): pending.attempts for pending in batch}
            attempt = self.subscription.settle(batch, status, self.now)
            assert attempt.delivery_count == before[id(batch[0])]
            for pending in batch:
                tried = self.model[str(pending.event["id"])]
                assert len(tried.attempts) == before[id(pending)]
                self._check_schedule(tried)
                tried.attempts.append((self.now, status))

    @rule(seconds=st.sampled_from(STEPS))
    def advance(self, seconds: float) -> None:
        self.now += seconds

    @rule()
    def advance_to_the_next_attempt(self) -> None:
        due = self.subscription.next_due()
        if due is not None and due > self.now:
            self.now = due

    # -- invariants ------------------------------------------------------------------

    @invariant()
    def nothing_is_lost_or_doubled(self) -> None:
        pending = [str(event["id"]) for event in self.subscription.pending_events()]
        delivered = [str(event["id"]) for event in self.subscription.delivered]
        letters = [str(letter.event["id"]) for letter in self.subscription.dead_lettered]
        everywhere = pending + delivered + letters
        assert sorted(everywhere) == sorted(self.model)
        assert self.subscription.pending_count == len(pending)

    @invariant()
    def delivered_events_succeeded_once(self) -> None:
        for event in self.subscription.delivered:
            attempts = self.model[str(event["id"])].attempts
            assert [status for _, status in attempts].count(attempts[-1][1]) >= 1
            assert attempts[-1][1] in SUCCESS
            assert all(status not in SUCCESS for _, status in attempts[:-1])

    @invariant()
    def attempts_stay_within_the_limits(self) -> None:
        for tried in self.model.values():
            assert len(tried.attempts) <= self.settings.max_delivery_attempts
            for at, _ in tried.attempts:
                assert self._alive(tried, at)

    @invariant()
    def dead_letters_say_why(self) -> None:
        for letter in self.subscription.dead_lettered:
            tried = self.model[str(letter.event["id"])]
            assert letter.delivery_attempts == len(tried.attempts)
            last = tried.attempts[-1][1] if tried.attempts else None
            if letter.reason == REASON_NOT_RETRIED:
                assert self.settings.never_retried(last)
            elif letter.reason == REASON_MAX_ATTEMPTS:
                assert len(tried.attempts) == self.settings.max_delivery_attempts
                assert not self.settings.never_retried(last)
            else:
                assert letter.reason == REASON_TIME_TO_LIVE
                assert letter.last_attempt_at == (tried.attempts[-1][0] if tried.attempts else None)
                assert not self._alive(tried, self.now)
            if self.namespace:
                assert letter.dead_letter_properties == {}  # no clock to UTC given here

    # -- helpers ---------------------------------------------------------------------

    def _alive(self, tried: Tried, at: float) -> bool:
        """Whether an attempt at `at` is within the event's time-to-live."""
        age = at - tried.published_at
        ttl = self.settings.event_time_to_live
        return age < ttl if self.namespace else age <= ttl

    def _check_schedule(self, tried: Tried) -> None:
        """The attempt being made now is no sooner than the schedule allows."""
        if not tried.attempts:
            return
        last_at, last_status = tried.attempts[-1]
        count = len(tried.attempts)
        if self.namespace:
            first_at = tried.attempts[0][0]
            assert self.now >= first_at + namespace_attempt_time(count + 1)
            least = NAMESPACE_MIN_RETRY_DELAY.get(last_status or 0, 0.0)
            assert self.now >= last_at + least
        else:
            assert self.now >= last_at + retry_delay(count, last_status)


TestPushStateMachine = PushMachine.TestCase
