"""The `assert_*` helpers of `EventGrid` and its views, and their failure messages."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ParamSpec, Protocol, TypeVar

from azure.core.messaging import CloudEvent
from azure.core.serialization import NULL

from .._errors import NOT_GIVEN, did_you_mean, docs, usage_error
from .calls import CallList, Scope, SubscriptionEvent
from .compare import Difference, compare, describe, short
from .timeline import near_topics, published_places, where_topic, why_near

SHOWN = 10  # candidates listed in a failure message
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Candidate:
    """An event an assertion may match, with the fields it is matched on."""

    event: CloudEvent[Any]
    extra: Mapping[str, object] = field(default_factory=dict)
    where: str = ""

    def fields(self) -> dict[str, object]:
        event = self.event
        data = None if event.data is NULL else event.data
        return {
            "id": event.id,
            "type": event.type,
            "source": event.source,
            "subject": event.subject,
            "data": data,
            "extensions": dict(event.extensions or {}),
            **self.extra,
        }

    def describe(self) -> str:
        event = self.event
        parts = [f"id={event.id!r}", f"type={event.type!r}", f"source={event.source!r}"]
        if event.subject is not None:
            parts.append(f"subject={event.subject!r}")
        parts.extend(f"{name}={short(value, 80)}" for name, value in self.extra.items())
        text = " ".join(parts)
        return f"{text} {self.where}" if self.where else text


@dataclass(frozen=True)
class _Outcome:
    index: int
    candidate: Candidate
    differences: list[Difference]

    @property
    def fields(self) -> list[str]:
        return list(dict.fromkeys(difference.field for difference in self.differences))

    def closeness(self) -> tuple[int, int, int]:
        return (len(self.fields), len(self.differences), self.index)


def keywords_only(method: Callable[P, R]) -> Callable[P, R]:
    """`method` (an `assert_*` helper), refusing a positional argument or a keyword it
    does not take with a `UsageError` that lists its keywords, not a `TypeError`."""
    name = method.__name__
    taken = [
        parameter.name
        for parameter in inspect.signature(method).parameters.values()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    anchor = f"guide/assertions/#{name}"

    @functools.wraps(method)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        __tracebackhide__ = True
        if len(args) > 1:  # args[0] is the view
            expected = f"keyword arguments only: {', '.join(taken)}"
            raise usage_error(f"{name}() positional arguments", args[1:], expected, anchor)
        unknown = sorted(set(kwargs) - set(taken))
        if unknown:
            expected = f"only the keywords {', '.join(taken)}{did_you_mean(unknown[0], taken)}"
            raise usage_error(f"{name}() keyword(s)", unknown, expected, anchor)
        return method(*args, **kwargs)

    return checked


def criteria(**given: object) -> dict[str, object]:
    """The matching keywords a caller gave."""
    return {name: value for name, value in given.items() if value is not NOT_GIVEN}


def _evaluate(candidates: Sequence[Candidate], wanted: Mapping[str, object]) -> list[_Outcome]:
    outcomes = []
    for index, candidate in enumerate(candidates, 1):
        actual = candidate.fields()
        found: list[Difference] = []
        for name, expected in wanted.items():
            found.extend(compare(expected, actual[name], name))
        outcomes.append(_Outcome(index, candidate, found))
    return outcomes


def _plural(count: int) -> str:
    return f"{count} event{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class Check:
    """One assertion: what it looks at, in words, and where its docs are."""

    verb: str  # "published to", "acknowledged on", ...
    scope: str  # "topic 'orders'", ...
    anchor: str
    footer: Callable[[], str] | None = None  # more to say, worked out on failure only
    # Where the events may have gone instead, said when none matched.
    elsewhere: Callable[[], list[str]] | None = None

    @property
    def noun(self) -> str:
        return f"{self.verb} {self.scope}"

    def expect(
        self,
        candidates: Sequence[Candidate],
        wanted: Mapping[str, object],
        count: int | None,
    ) -> list[CloudEvent[Any]]:
        """The matching events; `AssertionError` unless there are `count` (or any)."""
        __tracebackhide__ = True
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise usage_error(
                f"count takes an int or None, got {count!r}.",
                anchor=f"guide/assertions/#{self.anchor}",
            )
        outcomes = _evaluate(candidates, wanted)
        matched = [outcome for outcome in outcomes if not outcome.differences]
        if (count is None and matched) or len(matched) == count:
            return [outcome.candidate.event for outcome in matched]
        if count is None:
            head = f"No event {self.noun} matches."
        else:
            head = (
                f"Expected {_plural(count)} {self.noun} to match, found {len(matched) or 'none'}."
            )
        lines = [head, *self._criteria(wanted)]
        if matched:
            lines += self._listing("Matching events:", matched)
        if count is None or len(matched) < count:
            others = [outcome for outcome in outcomes if outcome.differences]
            lines += self._closest(others, any_matched=bool(matched))
        if not matched and self.elsewhere is not None:
            lines += self.elsewhere()
        raise AssertionError(self._finish(lines))

    def expect_none(
        self,
        candidates: Sequence[Candidate],
        wanted: Mapping[str, object],
        *,
        head: Callable[[int], str] | None = None,
        title: str = "Matching events:",
    ) -> None:
        """`AssertionError` if any event matches."""
        __tracebackhide__ = True
        matched = [o for o in _evaluate(candidates, wanted) if not o.differences]
        if matched:
            lines = [
                head(len(matched))
                if head
                else f"Expected no event {self.noun} to match, found {len(matched)}.",
                *self._criteria(wanted),
                *self._listing(title, matched),
            ]
            raise AssertionError(self._finish(lines))

    def _criteria(self, wanted: Mapping[str, object]) -> list[str]:
        if not wanted:
            return ["Criteria: any event"]
        return ["Criteria:", *(f"  {name}={describe(value)}" for name, value in wanted.items())]

    def _listing(
        self, title: str, outcomes: Sequence[_Outcome], *, differs: bool = False
    ) -> list[str]:
        lines = [title]
        for number, outcome in enumerate(outcomes[:SHOWN], 1):
            line = f"  {number}. {outcome.candidate.describe()}"
            if differs:
                line += f" -- differs in {', '.join(outcome.fields)}"
            lines.append(line)
        if len(outcomes) > SHOWN:
            lines.append(f"  ... and {len(outcomes) - SHOWN} more")
        return lines

    def _closest(self, others: list[_Outcome], *, any_matched: bool) -> list[str]:
        if not others:
            return [f"No {'other ' if any_matched else ''}events were {self.noun}."]
        ranked = sorted(others, key=_Outcome.closeness)
        title = f"{'Other events' if any_matched else 'Events'} {self.noun}, closest first:"
        lines = self._listing(title, ranked, differs=True)
        lines.append("How the closest event (1) differs:")
        for difference in ranked[0].differences:
            lines.extend(difference.render())
        return lines

    def _finish(self, lines: list[str]) -> str:
        footer = [self.footer()] if self.footer else []
        return "\n".join([*lines, *footer, f"See {docs(f'guide/assertions/#{self.anchor}')}"])


def elsewhere(scope: Scope) -> list[str]:
    """Events that went near `scope` but not to it: to its topic on another host, to a
    topic with a close name, or (for a subscription) to its topic before it existed."""
    if scope.topic is None:
        return []
    entries = scope.journal.entries()
    places = published_places(entries)
    lines = []
    if scope.subscription is not None:
        given = len(scope.published())
        earlier = len(Scope(scope.journal, scope.namespace, scope.topic).published()) - given
        if earlier:
            lines.append(
                f"  {_plural(earlier)} published to topic {scope.topic!r} before subscription "
                f"{scope.subscription!r} existed (a subscription is given only the events "
                "published after it exists)"
            )
    place = (scope.namespace or "", scope.topic)
    near = near_topics(place, places)
    if scope.namespace is None:  # every host is in scope: only other names are near
        near = [other for other in near if other[1] != scope.topic]
    lines.extend(
        f"  {_plural(places[other])} published to {where_topic(other, home=scope.namespace)} "
        f"({why_near(place, other)})"
        for other in near
    )
    return ["Near misses:", *lines] if lines else []


def _topic_candidates(scope: Scope, topic: str | None) -> tuple[Check, list[Candidate]]:
    """The check of the scope's published events, narrowed to `topic` at the top level,
    and those events."""
    if topic is not None:
        if scope.topic is not None and topic != scope.topic:
            raise usage_error(
                f"topic={topic!r} does not fit {scope.label}: a view checks its own topic only. "
                f"Call eventgrid.assert_published(topic=...) instead.",
                anchor="guide/assertions/#assert_published",
            )
        if scope.topic is None:
            scope = Scope(scope.journal, scope.namespace, topic)
    published = scope.published()
    where = scope.topic is None and len({name for name, _ in published}) > 1
    candidates = [
        Candidate(event, where=f"on topic {name!r}" if where else "") for name, event in published
    ]
    label = "any topic" if scope.topic is None else scope.label
    return Check(
        "published to", label, "", elsewhere=functools.partial(elsewhere, scope)
    ), candidates


class PublishedAssertions:
    """`calls`, `assert_published()` and `assert_not_published()`.

    Hosts (`EventGrid` and its topic and subscription views) say which part of
    the fake they stand for through `_scope()`.
    """

    def _scope(self) -> Scope:
        raise NotImplementedError

    @property
    def calls(self) -> CallList:
        """Every request the fake served here, oldest first, with decoded events.

        A list of `Call`, with `call_count`, `assert_called_once()`,
        `assert_not_called()` and `filter(operation)` as on a mock.
        """
        return self._scope().calls()

    @keywords_only
    def assert_published(
        self,
        *,
        type: object = NOT_GIVEN,
        source: object = NOT_GIVEN,
        subject: object = NOT_GIVEN,
        data: object = NOT_GIVEN,
        id: object = NOT_GIVEN,
        extensions: object = NOT_GIVEN,
        count: int | None = None,
        topic: str | None = None,
    ) -> list[CloudEvent[Any]]:
        """Check that a matching event was published, and return the matches.

        Each keyword left out matches anything. A value matches with `==` (so a
        `data` dict must be equal, keys and all), or through the helpers of
        `pytest_eventgrid.match` (`contains(...)`, `ANY`, `regex(...)`), a type or
        a predicate. `count` asks for exactly that many matches (default: at
        least one). `topic` narrows `EventGrid.assert_published` to one topic.
        The failure message lists the events, closest first, and how the
        closest one differs.
        """
        __tracebackhide__ = True
        check, candidates = _topic_candidates(self._scope(), topic)
        wanted = criteria(
            id=id, type=type, source=source, subject=subject, data=data, extensions=extensions
        )
        return replace(check, anchor="assert_published").expect(candidates, wanted, count)

    @keywords_only
    def assert_not_published(
        self,
        *,
        type: object = NOT_GIVEN,
        source: object = NOT_GIVEN,
        subject: object = NOT_GIVEN,
        data: object = NOT_GIVEN,
        id: object = NOT_GIVEN,
        extensions: object = NOT_GIVEN,
        topic: str | None = None,
    ) -> None:
        """Check that no published event matches; keywords as for `assert_published`."""
        __tracebackhide__ = True
        check, candidates = _topic_candidates(self._scope(), topic)
        wanted = criteria(
            id=id, type=type, source=source, subject=subject, data=data, extensions=extensions
        )
        replace(check, anchor="assert_not_published").expect_none(candidates, wanted)


class _Subscription(Protocol):
    """What the subscription assertions read from their host view."""

    def _scope(self) -> Scope: ...

    @property
    def available(self) -> list[SubscriptionEvent]: ...

    @property
    def delayed(self) -> list[SubscriptionEvent]: ...

    @property
    def locked(self) -> list[SubscriptionEvent]: ...

    @property
    def acknowledged(self) -> list[SubscriptionEvent]: ...

    @property
    def released(self) -> list[SubscriptionEvent]: ...

    @property
    def rejected(self) -> list[SubscriptionEvent]: ...

    @property
    def dead_lettered(self) -> list[SubscriptionEvent]: ...


def _state(view: _Subscription) -> str:
    counts = {
        "available": view.available,
        "delayed": view.delayed,
        "locked": view.locked,
        "acknowledged": view.acknowledged,
        "released": view.released,
        "rejected": view.rejected,
        "dead_lettered": view.dead_lettered,
    }
    return "Subscription now: " + " ".join(f"{name}={len(value)}" for name, value in counts.items())


def _outcome(
    view: _Subscription,
    verb: str,
    anchor: str,
    events: list[SubscriptionEvent],
    wanted: dict[str, object],
    count: int | None,
    extra: dict[str, str] | None = None,
) -> list[SubscriptionEvent]:
    __tracebackhide__ = True
    candidates = [
        Candidate(
            event,
            extra={name: getattr(event, attribute) for name, attribute in (extra or {}).items()},
        )
        for event in events
    ]
    scope = view._scope()
    check = Check(
        verb,
        scope.label,
        anchor,
        footer=lambda: _state(view),
        elsewhere=lambda: elsewhere(scope) if not scope.published() else [],
    )
    return check.expect(candidates, wanted, count)  # type: ignore[return-value]


class _PushSubscription(Protocol):
    name: str

    @property
    def validation(self) -> str: ...

    @property
    def attempts(self) -> list[Any]: ...

    @property
    def delivered(self) -> list[dict[str, Any]]: ...

    @property
    def dead_lettered(self) -> list[Any]: ...

    @property
    def dropped(self) -> list[Any]: ...

    @property
    def pending(self) -> int: ...

    def _delivered_events(self, events: Sequence[Mapping[str, Any]]) -> list[CloudEvent[Any]]: ...


class PushAssertions:
    """`assert_delivered()`, `assert_not_delivered()` and `assert_dead_lettered()` of a
    push subscription view: what its destination accepted, and what it gave up on."""

    @keywords_only
    def assert_delivered(
        self: _PushSubscription,
        *,
        type: object = NOT_GIVEN,
        source: object = NOT_GIVEN,
        subject: object = NOT_GIVEN,
        data: object = NOT_GIVEN,
        id: object = NOT_GIVEN,
        extensions: object = NOT_GIVEN,
        count: int | None = None,
    ) -> list[CloudEvent[Any]]:
        """Check that the destination accepted a matching event (an attempt answered 200
        to 204); return the matches, as CloudEvents (an Event Grid event converted:
        `type` from `eventType`, `source` from `topic`)."""
        __tracebackhide__ = True
        wanted = criteria(
            id=id, type=type, source=source, subject=subject, data=data, extensions=extensions
        )
        return _push_check(self, "delivered by", "assert_delivered").expect(
            _delivered_candidates(self), wanted, count
        )

    @keywords_only
    def assert_not_delivered(
        self: _PushSubscription,
        *,
        type: object = NOT_GIVEN,
        source: object = NOT_GIVEN,
        subject: object = NOT_GIVEN,
        data: object = NOT_GIVEN,
        id: object = NOT_GIVEN,
        extensions: object = NOT_GIVEN,
    ) -> None:
        """Check that the destination accepted no matching event (none at all, with no
        keywords)."""
        __tracebackhide__ = True
        wanted = criteria(
            id=id, type=type, source=source, subject=subject, data=data, extensions=extensions
        )
        check = _push_check(self, "delivered by", "assert_delivered")
        check.expect_none(_delivered_candidates(self), wanted)

    @keywords_only
    def assert_dead_lettered(
        self: _PushSubscription,
        *,
        reason: object = NOT_GIVEN,
        type: object = NOT_GIVEN,
        source: object = NOT_GIVEN,
        subject: object = NOT_GIVEN,
        data: object = NOT_GIVEN,
        id: object = NOT_GIVEN,
        extensions: object = NOT_GIVEN,
        count: int | None = None,
    ) -> list[CloudEvent[Any]]:
        """Check that a matching event was dead-lettered (for `reason`:
        "MaxDeliveryAttemptsExceeded", "NonRetriableDeliveryFailure" or
        "TimeToLiveExceeded"); return the matches."""
        __tracebackhide__ = True
        wanted = criteria(
            id=id,
            type=type,
            source=source,
            subject=subject,
            data=data,
            extensions=extensions,
            reason=reason,
        )
        letters = self.dead_lettered
        events = self._delivered_events([letter.event for letter in letters])
        candidates = [
            Candidate(event, extra={"reason": letter.reason})
            for event, letter in zip(events, letters, strict=True)
        ]
        return _push_check(self, "dead-lettered by", "assert_dead_lettered").expect(
            candidates, wanted, count
        )


def _delivered_candidates(view: _PushSubscription) -> list[Candidate]:
    return [Candidate(event) for event in view._delivered_events(view.delivered)]


def _push_check(view: _PushSubscription, verb: str, anchor: str) -> Check:
    return Check(
        verb,
        f"push subscription {view.name!r}",
        f"push-{anchor.replace('_', '-')}",
        footer=lambda: _push_state(view),
    )


def _push_state(view: _PushSubscription) -> str:
    """The push subscription in one line, with a hint when nothing was delivered yet."""
    counts = {
        "validation": view.validation,
        "attempts": len(view.attempts),
        "delivered": len(view.delivered),
        "pending": view.pending,
        "dead_lettered": len(view.dead_lettered),
        "dropped": len(view.dropped),
    }
    line = "Push subscription now: " + " ".join(f"{name}={value}" for name, value in counts.items())
    if view.pending and not view.attempts:
        line += (
            "\nEvents are pending and no attempt was made: deliver them with "
            "eventgrid.deliver() or await eventgrid.deliver_async() (drain=True follows the "
            "retry schedule)."
        )
    return line


class SubscriptionAssertions(PublishedAssertions):
    """The settlement assertions of a subscription view."""

    @keywords_only
    def assert_acknowledged(
        self: _Subscription,
        *,
        type: object = NOT_GIVEN,
        source: object = NOT_GIVEN,
        subject: object = NOT_GIVEN,
        data: object = NOT_GIVEN,
        id: object = NOT_GIVEN,
        extensions: object = NOT_GIVEN,
        count: int | None = None,
    ) -> list[SubscriptionEvent]:
        """Check that a matching event was acknowledged; return the matches.

        Keywords as for `assert_published`.
        """
        __tracebackhide__ = True
        wanted = criteria(
            id=id, type=type, source=source, subject=subject, data=data, extensions=extensions
        )
        return _outcome(
            self, "acknowledged on", "assert_acknowledged", self.acknowledged, wanted, count
        )

    @keywords_only
    def assert_released(
        self: _Subscription,
        *,
        delay: object = NOT_GIVEN,
        type: object = NOT_GIVEN,
        source: object = NOT_GIVEN,
        subject: object = NOT_GIVEN,
        data: object = NOT_GIVEN,
        id: object = NOT_GIVEN,
        extensions: object = NOT_GIVEN,
        count: int | None = None,
    ) -> list[SubscriptionEvent]:
        """Check that a matching event was released (with `delay` seconds); return the releases.

        Each release counts, so an event released twice matches twice.
        """
        __tracebackhide__ = True
        wanted = criteria(
            id=id,
            type=type,
            source=source,
            subject=subject,
            data=data,
            extensions=extensions,
            delay=delay,
        )
        return _outcome(
            self,
            "released on",
            "assert_released",
            self.released,
            wanted,
            count,
            extra={"delay": "release_delay"},
        )

    @keywords_only
    def assert_rejected(
        self: _Subscription,
        *,
        type: object = NOT_GIVEN,
        source: object = NOT_GIVEN,
        subject: object = NOT_GIVEN,
        data: object = NOT_GIVEN,
        id: object = NOT_GIVEN,
        extensions: object = NOT_GIVEN,
        count: int | None = None,
    ) -> list[SubscriptionEvent]:
        """Check that a matching event was rejected by a consumer; return the matches."""
        __tracebackhide__ = True
        wanted = criteria(
            id=id, type=type, source=source, subject=subject, data=data, extensions=extensions
        )
        return _outcome(self, "rejected on", "assert_rejected", self.rejected, wanted, count)

    @keywords_only
    def assert_dead_lettered(
        self: _Subscription,
        *,
        reason: object = NOT_GIVEN,
        type: object = NOT_GIVEN,
        source: object = NOT_GIVEN,
        subject: object = NOT_GIVEN,
        data: object = NOT_GIVEN,
        id: object = NOT_GIVEN,
        extensions: object = NOT_GIVEN,
        count: int | None = None,
    ) -> list[SubscriptionEvent]:
        """Check that a matching event was dead-lettered (for `reason`); return the matches.

        Reasons are the service's: "Event was rejected by the consumer.",
        "Maximum delivery attempts was exceeded." and "Time to live exceeded.".
        """
        __tracebackhide__ = True
        wanted = criteria(
            id=id,
            type=type,
            source=source,
            subject=subject,
            data=data,
            extensions=extensions,
            reason=reason,
        )
        return _outcome(
            self,
            "dead-lettered on",
            "assert_dead_lettered",
            self.dead_lettered,
            wanted,
            count,
            extra={"reason": "dead_letter_reason"},
        )

    @keywords_only
    def assert_settled_all(
        self: _Subscription,
        *,
        type: object = NOT_GIVEN,
        source: object = NOT_GIVEN,
        subject: object = NOT_GIVEN,
        data: object = NOT_GIVEN,
        id: object = NOT_GIVEN,
        extensions: object = NOT_GIVEN,
    ) -> None:
        """Check that no (matching) event is still available, delayed or locked."""
        __tracebackhide__ = True
        pending = [*self.available, *self.delayed, *self.locked]
        candidates = [
            Candidate(event, extra={"state": event.state, "delivery_count": event.delivery_count})
            for event in pending
        ]
        wanted = criteria(
            id=id, type=type, source=source, subject=subject, data=data, extensions=extensions
        )
        label = self._scope().label
        check = Check("left unsettled on", label, "assert_settled_all", footer=lambda: _state(self))
        check.expect_none(
            candidates,
            wanted,
            head=lambda count: (
                f"Expected every event on {label} to be settled, "
                f"{count} {'is' if count == 1 else 'are'} not."
            ),
            title="Unsettled events:",
        )
