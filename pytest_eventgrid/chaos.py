"""Proving a consumer idempotent: run it calm, run it under chaos, compare what it did.

    from pytest_eventgrid import chaos

    async def scenario(eventgrid, effects):
        await publish_orders(eventgrid)                  # the code under test publishes
        worker = asyncio.create_task(run_worker())       # and consumes, recording
        await eventgrid.until_settled()                  # its side effects in `effects`
        worker.cancel()

    report = await chaos.check_idempotency(scenario, topic="orders", subscription="billing")
    report.assert_idempotent()

The scenario runs twice, each time in a fresh fake (`mock_eventgrid(**settings)`, so
clients the code builds for itself reach it): once calm, once with duplicates, out of
order delivery, early lock expiry, short batches and lost tokens. A consumer is
idempotent when both runs leave the same side effects and every event acknowledged.
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import _errors
from ._api.eventgrid import EventGrid
from ._api.mock import mock_eventgrid
from ._api.scripting import DEFAULT_CHAOS
from ._broker._chaos import checked_settings
from ._errors import docs, usage_error

__all__ = ["DEFAULT_CHAOS", "ChaosReport", "check_idempotency", "check_idempotency_sync"]


Effects = list[Any]
CHAOS_DOCS = "guide/failures/#proving-a-consumer-idempotent"
Scenario = Callable[[EventGrid, Effects], Awaitable[None] | None]


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a side effect, so effects compare as a multiset."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(key), _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        items = [_frozen(item) for item in value]
        return (
            tuple(sorted(items, key=repr)) if isinstance(value, set | frozenset) else tuple(items)
        )
    return value


@dataclass
class Run:
    """What one run of the scenario left behind.

    Attributes:
        effects: The side effects the scenario recorded, as a multiset.
        published: The id of every event published, in order.
        acknowledged: How many times each event id was acknowledged (or, on a push
            subscription, accepted by its destination).
        unsettled: Events left available, delayed or locked at the end, or waiting for
            a push (re)delivery.
        redeliveries: Events that came back after a release or a lost lock, or were
            pushed again after a failed attempt.
        duplicates: Extra copies of acknowledged (or accepted) events that were
            delivered again.
        timeline: The fake's timeline, as text.

    """

    effects: Counter[Any]
    published: list[str]
    acknowledged: Counter[str]
    unsettled: list[str]
    redeliveries: int
    timeline: str = field(repr=False, default="")
    duplicates: int = 0


@dataclass
class ChaosReport:
    """The calm run and the chaotic run of one scenario, side by side."""

    calm: Run
    chaos: Run
    settings: Mapping[str, Any]
    seed: int | str

    @property
    def missing_effects(self) -> Counter[Any]:
        """Side effects of the calm run that the chaotic run did not have."""
        return self.calm.effects - self.chaos.effects

    @property
    def extra_effects(self) -> Counter[Any]:
        """Side effects the chaotic run had more of (a duplicate processed twice)."""
        return self.chaos.effects - self.calm.effects

    @property
    def unacknowledged(self) -> list[str]:
        """Events published in the chaotic run that were never acknowledged."""
        return [event for event in self.chaos.published if self.chaos.acknowledged[event] == 0]

    @property
    def idempotent(self) -> bool:
        """Same side effects, every event acknowledged, nothing left in the queue."""
        return not (
            self.missing_effects
            or self.extra_effects
            or self.unacknowledged
            or self.chaos.unsettled
            or self.calm.unsettled
        )

    def explain(self) -> str:
        """What differed between the runs, for a failure message."""
        lines = [
            f"Under chaos {dict(self.settings)} (seed {self.seed!r}) the consumer "
            + ("behaved as when calm." if self.idempotent else "did not behave as when calm:")
        ]
        for title, items in (
            ("side effects of the calm run missing", self.missing_effects),
            ("side effects repeated or new under chaos", self.extra_effects),
        ):
            for effect, count in items.items():
                lines.append(f"  {title}: {effect!r} x{count}")
        if self.unacknowledged:
            lines.append(f"  events never acknowledged: {self.unacknowledged}")
        for name, run in (("calm", self.calm), ("chaotic", self.chaos)):
            if run.unsettled:
                lines.append(f"  events left in the queue after the {name} run: {run.unsettled}")
        lines.append(
            f"  the chaotic run delivered {self.chaos.duplicates} duplicate(s) and "
            f"redelivered {self.chaos.redeliveries} time(s); its timeline:\n{self.chaos.timeline}"
        )
        lines.append(f"See {docs('guide/failures/#chaos')}")
        return "\n".join(lines)

    def assert_idempotent(self) -> None:
        """Fail with `explain()` unless the consumer was idempotent under chaos."""
        __tracebackhide__ = True
        if not self.idempotent:
            raise AssertionError(self.explain())


def _summarize_run(eventgrid: EventGrid, effects: Effects) -> Run:
    published: list[str] = []
    acknowledged: Counter[str] = Counter()
    unsettled: list[str] = []
    redeliveries = 0
    push_duplicates = 0
    for namespace in eventgrid.namespaces:
        for topic in namespace.topics:
            published.extend(str(event.id) for event in topic.published)
            for subscription in topic.subscriptions:
                acknowledged.update(str(event.id) for event in subscription.acknowledged)
                unsettled.extend(
                    str(event.id)
                    for event in [
                        *subscription.available,
                        *subscription.delayed,
                        *subscription.locked,
                    ]
                )
                redeliveries += len(subscription.released) + len(subscription.expired_locks)
            for push in topic.push_subscriptions:
                # A push delivery the destination accepted is what an acknowledge is to a
                # queue; a retry is a redelivery, and an event accepted twice a duplicate.
                delivered = Counter(str(event.get("id")) for event in push.delivered)
                acknowledged.update(delivered)
                push_duplicates += sum(count - 1 for count in delivered.values())
                unsettled.extend(str(event.get("id")) for event in push.pending_events)
                redeliveries += sum(
                    len(attempt.events) for attempt in push.attempts if attempt.delivery_count
                )
    return Run(
        effects=Counter(_frozen(effect) for effect in effects),
        published=published,
        acknowledged=acknowledged,
        unsettled=unsettled,
        redeliveries=redeliveries,
        timeline=eventgrid.format_timeline(),
        duplicates=_duplicates(eventgrid) + push_duplicates,
    )


def _duplicates(eventgrid: EventGrid) -> int:
    """The duplicates chaos added: copies of an event delivered as new once more."""
    first_deliveries: Counter[tuple[str, str | None, str | None, str | None]] = Counter()
    for entry in eventgrid.timeline:
        if entry.operation == "receive":
            first_deliveries.update(
                (entry.namespace, entry.topic, entry.subscription, item.event_id)
                for item in entry.items
                if item.delivery_count == 1
            )
    return sum(count - 1 for count in first_deliveries.values())


class _Comparison:
    """The two runs of one check: a fresh fake each, calm then chaotic."""

    def __init__(
        self, scenario: object, chaos: Mapping[str, Any] | None, seed: int | str, settings: Any
    ) -> None:
        # Checked before the calm run, so a mistake fails before the scenario runs at all.
        _errors.function("check_idempotency(scenario)", scenario, CHAOS_DOCS)
        if chaos is not None and not isinstance(chaos, Mapping):
            raise usage_error(
                "check_idempotency(chaos=)",
                chaos,
                "a mapping of chaos() settings, or None for DEFAULT_CHAOS",
                CHAOS_DOCS,
            )
        self.chaos = checked_settings(DEFAULT_CHAOS if chaos is None else chaos)
        self.seed = _errors.seed("check_idempotency(seed=)", seed, CHAOS_DOCS)
        self.settings = settings
        self.runs: list[Run] = []

    def fakes(self) -> Iterator[tuple[EventGrid, Effects]]:
        for chaotic in (False, True):
            effects: Effects = []
            with mock_eventgrid(seed=self.seed, **self.settings) as eventgrid:
                if chaotic:
                    eventgrid.chaos(**self.chaos)
                yield eventgrid, effects
                self.runs.append(_summarize_run(eventgrid, effects))

    def report(self) -> ChaosReport:
        return ChaosReport(self.runs[0], self.runs[1], self.chaos, self.seed)


async def check_idempotency(
    scenario: Scenario,
    *,
    chaos: Mapping[str, Any] | None = None,
    seed: int | str = 0,
    **settings: Any,
) -> ChaosReport:
    """Run `scenario(eventgrid, effects)` calm and under `chaos`, and compare.

    `settings` configure each run's fake as `mock_eventgrid(**settings)` does (topology,
    lock duration, ...). `chaos` takes `EventGrid.chaos()` keywords (default:
    `DEFAULT_CHAOS`). Both runs use `seed`, so a report reproduces.
    """
    comparison = _Comparison(scenario, chaos, seed, settings)
    for eventgrid, effects in comparison.fakes():
        outcome = scenario(eventgrid, effects)
        if inspect.isawaitable(outcome):
            await outcome
    return comparison.report()


def check_idempotency_sync(
    scenario: Callable[[EventGrid, Effects], None],
    *,
    chaos: Mapping[str, Any] | None = None,
    seed: int | str = 0,
    **settings: Any,
) -> ChaosReport:
    """`check_idempotency` for a sync scenario (a sync consumer loop)."""
    comparison = _Comparison(scenario, chaos, seed, settings)
    for eventgrid, effects in comparison.fakes():
        scenario(eventgrid, effects)
    return comparison.report()
