"""A queue subscription: locks, delivery counts, release delays, dead letters.

Every operation costs O(batch + log n): available events wait in a heap ordered
by publish order (`seq`), so an event that comes back (a lock expiry, a release)
takes its original place ahead of events published after it; everything timed
(release delays, lock expiry, time-to-live) sits in heaps too. Every heap is
consumed lazily (an entry whose event moved on is skipped when it surfaces), so
nothing ever scans the whole queue.
"""

from __future__ import annotations

import enum
import heapq
import itertools
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ._chaos import CALM, ChaosSettings
from ._ids import IdGenerator, is_decodable_lock_token
from ._settings import SEVEN_DAYS, SubscriptionSettings

MAX_RENEW_WINDOW = 3600.0
# Chaos `reorder` picks each event of a batch from this many more than the batch.
REORDER_WINDOW = 4
REASON_MAX_DELIVERY = "Maximum delivery attempts was exceeded."
REASON_TIME_TO_LIVE = "Time to live exceeded."
REASON_REJECTED = "Event was rejected by the consumer."
# The fake's wording: the service documents no reason for an event its topic's
# retention removed.
REASON_RETENTION = "Event retention period of the topic exceeded."
BAD_TOKEN = ("BadToken", "Cannot decode lockToken")
TOKEN_LOST = ("TokenLost", "Token has expired.")

Event = dict[str, object]
Listener = Callable[[], None]


class State(enum.Enum):
    AVAILABLE = "available"
    DELAYED = "delayed"
    LOCKED = "locked"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    DEAD_LETTERED = "dead_lettered"
    DROPPED = "dropped"


PENDING = frozenset({State.AVAILABLE, State.DELAYED, State.LOCKED})


class QueuedEvent:
    """One event in one subscription, with its delivery state."""

    __slots__ = (
        "available_at",
        "dead_letter_reason",
        "delivery_count",
        "enqueued_at",
        "event",
        "expires_at",
        "lock_created_at",
        "lock_token",
        "locked_until",
        "seq",
        "state",
    )

    def __init__(self, event: Event, seq: int, now: float, time_to_live: float) -> None:
        self.event = event
        self.seq = seq
        self.enqueued_at = now
        self.expires_at = now + time_to_live
        self.available_at = now
        self.delivery_count = 0
        self.state = State.AVAILABLE
        self.lock_token: str | None = None
        self.locked_until = 0.0
        self.lock_created_at = 0.0
        self.dead_letter_reason: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """What a view sees of a queued event at one moment."""

    event: Event
    delivery_count: int
    state: State
    lock_token: str | None = None
    locked_until: float | None = None
    available_at: float | None = None
    release_delay: float | None = None
    dead_letter_reason: str | None = None
    time: float = 0.0


@dataclass(frozen=True)
class Delivery:
    """One event handed out by a receive."""

    event: Event
    lock_token: str
    delivery_count: int


@dataclass(frozen=True)
class TokenResult:
    """The outcome of one lock token in a settlement request."""

    lock_token: str
    error: tuple[str, str] | None = None
    event: QueuedEvent | None = None


class SubscriptionQueue:
    """The state machine of one queue subscription. Not thread-safe on its own:
    the namespace holds one lock around every call."""

    def __init__(
        self,
        name: str,
        settings: SubscriptionSettings,
        ids: IdGenerator,
        created_at: float,
    ) -> None:
        self.name = name
        self.settings = settings
        self.created_at = created_at
        self._ids = ids
        self._seq = itertools.count()
        # Available events by publish order: those never delivered in `_fresh`, in the
        # order they came; those that came back (released, lock expired) in the heap
        # `_ready`. A receive takes the lower sequence number of the two heads. Entries
        # of events no longer available (a time-to-live that ended while they waited)
        # are skipped when they surface.
        self._fresh: deque[QueuedEvent] = deque()
        self._ready: list[tuple[int, QueuedEvent]] = []
        self._ready_count = 0
        self._delayed: list[tuple[float, int, QueuedEvent]] = []
        self._locks: dict[str, QueuedEvent] = {}
        self._lock_expiry: list[tuple[float, int, str]] = []
        # When each event's time-to-live (or the topic's retention) is due. Events
        # enqueued with a time-to-live no shorter than the one before expire in the
        # order they came, so they wait in the queue `_expiring`; the others (a
        # time-to-live shortened, a duplicate, a retention instant) in the heap.
        self._expiring: deque[QueuedEvent] = deque()
        self._expiring_last = float("-inf")
        self._expiry: list[tuple[float, int, QueuedEvent]] = []
        # Seconds the topic keeps an event after it was published, whatever its state;
        # the topic sets it (`set_retention()`).
        self.retention = SEVEN_DAYS
        self._listeners: list[Listener] = []
        # Told of what happens without a request: lock expiry, dead letters.
        self.on_transition: Callable[[str, Snapshot], None] | None = None
        # Shared with the whole broker: `EventGrid.chaos()` changes it in place.
        self.chaos: ChaosSettings = CALM
        self.acknowledged: list[Snapshot] = []
        self.released: list[Snapshot] = []
        self.rejected: list[Snapshot] = []
        self.dead_lettered: list[Snapshot] = []
        self.dropped: list[Snapshot] = []
        self.expired_locks: list[Snapshot] = []

    # -- listeners -------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        """Call `listener()` whenever events become available (under the broker lock)."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self) -> None:
        if self._listeners:
            for listener in list(self._listeners):
                listener()

    # -- publish ---------------------------------------------------------------------

    def enqueue(self, events: Iterable[Event], now: float) -> None:
        ttl = self.settings.time_to_live
        event_filter = self.settings.filter
        accepts = None if event_filter.accepts_everything else event_filter.matches
        fresh, expiring, seq = self._fresh, self._expiring, self._seq
        last = self._expiring_last
        added = 0
        for event in events:
            if accepts is not None and not accepts(event):
                continue
            queued = QueuedEvent(event, next(seq), now, ttl)  # available at once
            fresh.append(queued)
            if queued.expires_at >= last:
                expiring.append(queued)
                last = queued.expires_at
            else:
                heapq.heappush(self._expiry, (queued.expires_at, queued.seq, queued))
            added += 1
        if added:
            self._expiring_last = last
            self._ready_count += added
            if self._listeners:
                self._notify()

    def _duplicate(self, original: QueuedEvent, now: float) -> None:
        """Deliver an acknowledged event once more, as a new copy (at-least-once)."""
        copy = QueuedEvent(original.event, next(self._seq), now, 0.0)
        copy.expires_at = original.expires_at
        copy.enqueued_at = original.enqueued_at  # kept as long as the original would be
        self._make_available(copy)
        heapq.heappush(self._expiry, (copy.expires_at, copy.seq, copy))
        self._emit("duplicated", self._snapshot(copy, now))
        self._notify()

    def _make_available(self, queued: QueuedEvent) -> None:
        queued.state = State.AVAILABLE
        queued.lock_token = None
        heapq.heappush(self._ready, (queued.seq, queued))
        self._ready_count += 1

    # -- time ------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Apply every timed transition due at `now`, in time order: lock expiry, end
        of release delays, and time-to-live.

        Each transition happens (and is recorded) at the instant it was due, however
        late the operation that notices it comes.
        """
        became_available = False
        while (due := self._next_due(now)) is not None:
            if due is self._lock_expiry:
                became_available |= self._expire_lock(*heapq.heappop(self._lock_expiry))
            elif due is self._delayed:
                became_available |= self._end_delay(*heapq.heappop(self._delayed))
            elif due is self._expiring:
                queued = self._expiring.popleft()
                self._expire(queued.expires_at, queued.seq, queued)
            else:
                self._expire(*heapq.heappop(self._expiry))
        if became_available:
            self._notify()

    def _next_due(self, now: float) -> list[Any] | deque[QueuedEvent] | None:
        """The heap (or `_expiring`) whose head is the earliest transition due at `now`;
        on a tie, lock expiry first, then the end of a delay, then time-to-live (by
        publish order)."""
        heaps: tuple[list[Any], ...] = (self._lock_expiry, self._delayed, self._expiry)
        due = [heap for heap in heaps if heap and heap[0][0] <= now]
        earliest = min(due, key=lambda heap: heap[0][0]) if due else None
        if self._expiring:
            head = self._expiring[0]
            at = head.expires_at
            if at <= now and (
                earliest is None
                or at < earliest[0][0]
                or (earliest is self._expiry and (at, head.seq) < earliest[0][:2])
            ):
                return self._expiring
        return earliest

    def _expire_lock(self, until: float, _: int, token: str) -> bool:
        queued = self._locks.get(token)
        if queued is None or queued.locked_until != until:
            return False  # settled, or renewed since
        del self._locks[token]
        became_available = self._return_to_queue(queued, until, delay=0.0)
        expired = self._snapshot(queued, until, lock_token=token)
        self.expired_locks.append(expired)
        if queued.state in PENDING:  # a dead letter was on the timeline already
            self._emit("lock_expired", expired)
        return became_available

    def _end_delay(self, at: float, _: int, queued: QueuedEvent) -> bool:
        if queued.state is not State.DELAYED or queued.available_at != at:
            return False
        if at >= queued.expires_at:
            self._dead_letter(queued, REASON_TIME_TO_LIVE, queued.expires_at)
            return False
        self._make_available(queued)
        return True

    def _expire(self, at: float, _: int, queued: QueuedEvent) -> None:
        """The time-to-live or the topic's retention of `queued` may be due at `at`.

        An available or delayed event is dead-lettered at its time-to-live. A locked
        one is checked when its lock ends, unless the retention ends first: then it is
        gone (dropped, its lock lost) at that instant. The same heap holds both
        instants: an entry that finds nothing due yet puts the next one back.
        """
        state = queued.state
        if state not in PENDING:
            return
        retained_until = queued.enqueued_at + self.retention
        if state is not State.LOCKED and at >= queued.expires_at:
            if state is State.AVAILABLE:
                self._ready_count -= 1  # its entry in `_fresh` or `_ready` is skipped
            self._dead_letter(queued, REASON_TIME_TO_LIVE, queued.expires_at)
        elif at >= retained_until:
            self._remove_for_retention(queued, at)
        elif retained_until < queued.expires_at or (
            state is State.LOCKED and at >= queued.expires_at
        ):
            heapq.heappush(self._expiry, (retained_until, queued.seq, queued))

    def _remove_for_retention(self, queued: QueuedEvent, at: float) -> None:
        """The topic no longer keeps `queued`: it leaves the queue, dead-letter store
        or not, and a lock on it is lost."""
        if queued.state is State.AVAILABLE:
            self._ready_count -= 1
        elif queued.state is State.LOCKED and queued.lock_token is not None:
            self._locks.pop(queued.lock_token, None)
        queued.lock_token = None
        queued.dead_letter_reason = REASON_RETENTION
        queued.state = State.DROPPED
        letter = self._snapshot(queued, at)
        self.dropped.append(letter)
        self._emit(State.DROPPED.value, letter)

    def set_retention(self, retention: float, now: float) -> None:
        """Keep events `retention` seconds after they were published, from `now` on.

        A shorter retention removes, at `now`, the events it no longer covers. O(n)
        when shortened (every pending event gets an entry at its new instant), O(1)
        otherwise: a change of configuration, not an operation of the data plane.
        """
        self.tick(now)
        shorter = retention < self.retention
        self.retention = retention
        if shorter:
            pending = {id(queued): queued for _, queued in self._ready}
            pending.update((id(queued), queued) for queued in self._fresh)
            pending.update((id(queued), queued) for _, _, queued in self._delayed)
            pending.update((id(queued), queued) for queued in self._locks.values())
            self._expiry.extend(
                (max(queued.enqueued_at + retention, now), queued.seq, queued)
                for queued in pending.values()
                if queued.state in PENDING
            )
            heapq.heapify(self._expiry)
            self.tick(now)

    def next_change(self) -> float | None:
        """The earliest instant at which an event may become available, if any."""
        while self._lock_expiry:
            until, _, token = self._lock_expiry[0]
            queued = self._locks.get(token)
            if queued is not None and queued.locked_until == until:
                break
            heapq.heappop(self._lock_expiry)
        while self._delayed:
            at, _, queued = self._delayed[0]
            if queued.state is State.DELAYED and queued.available_at == at:
                break
            heapq.heappop(self._delayed)
        candidates = [heap[0][0] for heap in (self._lock_expiry, self._delayed) if heap]
        return min(candidates) if candidates else None

    # -- receive ---------------------------------------------------------------------

    def receive(self, max_events: int, now: float) -> list[Delivery]:
        self.tick(now)
        chaos = self.chaos
        if chaos.active:
            max_events = chaos.batch_size(min(max_events, self._ready_count))
        if not chaos.reorder:
            return [self._lock(queued, now) for queued in self._take_ready(max_events)]
        # Chaos: each event of the batch is picked from a window a little deeper than
        # the batch (seeded); the rest go back to their places.
        window = self._take_ready(max_events + REORDER_WINDOW)
        deliveries = [
            self._lock(window.pop(chaos.pick(len(window))), now)
            for _ in range(min(max_events, len(window)))
        ]
        for queued in window:
            heapq.heappush(self._ready, (queued.seq, queued))
        return deliveries

    def _take_ready(self, count: int) -> list[QueuedEvent]:
        """Pop the first `count` available events, in publish order."""
        taken: list[QueuedEvent] = []
        fresh, ready = self._fresh, self._ready
        while len(taken) < count:
            if fresh and (not ready or fresh[0].seq < ready[0][0]):
                queued = fresh.popleft()
            elif ready:
                queued = heapq.heappop(ready)[1]
            else:
                break
            if queued.state is State.AVAILABLE:
                taken.append(queued)
        return taken

    def _lock(self, queued: QueuedEvent, now: float) -> Delivery:
        lock_duration = self.settings.lock_duration
        if self.chaos.active:
            lock_duration = self.chaos.lock_duration(lock_duration)
        self._ready_count -= 1
        token = self._ids.lock_token()
        queued.state = State.LOCKED
        queued.delivery_count += 1
        queued.lock_token = token
        queued.lock_created_at = now
        queued.locked_until = now + lock_duration
        self._locks[token] = queued
        heapq.heappush(self._lock_expiry, (queued.locked_until, queued.seq, token))
        return Delivery(queued.event, token, queued.delivery_count)

    @property
    def available_count(self) -> int:
        return self._ready_count

    # -- settlement ------------------------------------------------------------------

    def _take(self, tokens: Iterable[str], now: float) -> Iterable[TokenResult]:
        """Resolve each token to its locked event, removing it from the lock table."""
        self.tick(now)
        for token in tokens:
            if not is_decodable_lock_token(token):
                yield TokenResult(token, BAD_TOKEN)
                continue
            queued = self._locks.pop(token, None)
            if queued is None:
                yield TokenResult(token, TOKEN_LOST)
                continue
            if self.chaos.lose_token():
                self._locks[token] = queued
                self.lose_lock(token, now)
                yield TokenResult(token, TOKEN_LOST)
                continue
            yield TokenResult(token, None, queued)
        self._compact_lock_expiry()

    def _compact_lock_expiry(self) -> None:
        """Drop the expiry entries of settled locks once they outnumber the live ones,
        so a clock that never moves cannot make the heap grow without bound.
        Amortised O(1) per settled lock."""
        if len(self._lock_expiry) > 2 * len(self._locks) + 64:
            self._lock_expiry = [
                entry
                for entry in self._lock_expiry
                if (queued := self._locks.get(entry[2])) is not None
                and queued.locked_until == entry[0]
            ]
            heapq.heapify(self._lock_expiry)

    def acknowledge(self, tokens: Iterable[str], now: float) -> list[TokenResult]:
        results = list(self._take(tokens, now))
        for result in results:
            if result.event is not None:
                result.event.state = State.ACKNOWLEDGED
                result.event.lock_token = None
                self.acknowledged.append(
                    self._snapshot(result.event, now, lock_token=result.lock_token)
                )
                if self.chaos.duplicate():
                    self._duplicate(result.event, now)
        return results

    def reject(self, tokens: Iterable[str], now: float) -> list[TokenResult]:
        results = list(self._take(tokens, now))
        for result in results:
            if result.event is not None:
                self._dead_letter(result.event, REASON_REJECTED, now)
                self.rejected.append(
                    self._snapshot(result.event, now, lock_token=result.lock_token)
                )
        return results

    def release(self, tokens: Iterable[str], now: float, delay: float) -> list[TokenResult]:
        results = list(self._take(tokens, now))
        became_available = False
        for result in results:
            if result.event is not None:
                became_available |= self._return_to_queue(result.event, now, delay)
                self.released.append(
                    self._snapshot(
                        result.event, now, release_delay=delay, lock_token=result.lock_token
                    )
                )
        if became_available:
            self._notify()
        return results

    def lose_lock(self, token: str, now: float) -> None:
        """End the lock of `token` now, as if it had expired (a lost lock)."""
        queued = self._locks.pop(token, None)
        if queued is None:
            return
        became_available = self._return_to_queue(queued, now, delay=0.0)
        expired = self._snapshot(queued, now, lock_token=token)
        self.expired_locks.append(expired)
        if queued.state in PENDING:
            self._emit("lock_lost", expired)
        if became_available:
            self._notify()

    def renew_locks(self, tokens: Iterable[str], now: float) -> list[TokenResult]:
        self.tick(now)
        results: list[TokenResult] = []
        seen: set[str] = set()
        for token in tokens:
            if not is_decodable_lock_token(token):
                results.append(TokenResult(token, BAD_TOKEN))
                continue
            queued = self._locks.get(token)
            if queued is None or token in seen or now > queued.lock_created_at + MAX_RENEW_WINDOW:
                results.append(TokenResult(token, TOKEN_LOST))
                continue
            seen.add(token)
            queued.locked_until = now + self.settings.lock_duration
            heapq.heappush(self._lock_expiry, (queued.locked_until, queued.seq, token))
            results.append(TokenResult(token, None, queued))
        self._compact_lock_expiry()
        return results

    # -- transitions -----------------------------------------------------------------

    def _return_to_queue(self, queued: QueuedEvent, now: float, delay: float) -> bool:
        """Unlock `queued`; True if it is available right away."""
        queued.lock_token = None
        if queued.delivery_count >= self.settings.max_delivery_count:
            self._dead_letter(queued, REASON_MAX_DELIVERY, now)
            return False
        if now >= queued.expires_at:
            self._dead_letter(queued, REASON_TIME_TO_LIVE, now)
            return False
        if delay > 0:
            queued.state = State.DELAYED
            queued.available_at = now + delay
            heapq.heappush(self._delayed, (queued.available_at, queued.seq, queued))
            return False
        self._make_available(queued)
        return True

    def _dead_letter(self, queued: QueuedEvent, reason: str, now: float) -> None:
        queued.lock_token = None
        queued.dead_letter_reason = reason
        if self.settings.dead_letter:
            queued.state = State.DEAD_LETTERED
            letter = self._snapshot(queued, now)
            self.dead_lettered.append(letter)
        else:
            queued.state = State.DROPPED
            letter = self._snapshot(queued, now)
            self.dropped.append(letter)
        if reason != REASON_REJECTED:  # a reject is on the timeline already
            self._emit(queued.state.value, letter)

    def _emit(self, transition: str, snapshot: Snapshot) -> None:
        if self.on_transition is not None:
            self.on_transition(transition, snapshot)

    # -- views -----------------------------------------------------------------------

    def _snapshot(
        self,
        queued: QueuedEvent,
        now: float,
        release_delay: float | None = None,
        lock_token: str | None = None,
    ) -> Snapshot:
        """The event as it is now; history entries pass the `lock_token` they settled
        or lost, and are taken after the transition, so `state` is the outcome."""
        return Snapshot(
            event=queued.event,
            delivery_count=queued.delivery_count,
            state=queued.state,
            lock_token=lock_token or queued.lock_token,
            locked_until=queued.locked_until if queued.state is State.LOCKED else None,
            available_at=queued.available_at if queued.state is State.DELAYED else None,
            release_delay=release_delay,
            dead_letter_reason=queued.dead_letter_reason,
            time=now,
        )

    def pending(self, now: float) -> list[Snapshot]:
        """Every event not yet settled: available, delayed or locked (a view, O(n))."""
        self.tick(now)
        ready = sorted(
            (q for q in [*(q for _, q in self._ready), *self._fresh] if q.state is State.AVAILABLE),
            key=lambda q: q.seq,
        )
        delayed = sorted(
            (q for _, _, q in self._delayed if q.state is State.DELAYED), key=lambda q: q.seq
        )
        locked = sorted(self._locks.values(), key=lambda q: q.seq)
        unique = {id(q): q for q in [*ready, *delayed, *locked]}
        return [self._snapshot(q, now) for q in unique.values()]

    def find_locked(self, token: str) -> QueuedEvent | None:
        return self._locks.get(token)
