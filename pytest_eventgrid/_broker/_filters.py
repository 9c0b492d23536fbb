"""Event subscription filters, with the service's semantics and limits.

A filter has `includedEventTypes`, `subjectBeginsWith` / `subjectEndsWith` (with
`isSubjectCaseSensitive`, default false), and `advancedFilters`: several filters are
ANDed, the values of one filter are ORed, every string comparison ignores case, and an
array value is checked element by element only with `enableAdvancedFilteringOnArrays`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._errors import UsageError, docs

MAX_ADVANCED_FILTERS = 25
MAX_FILTER_VALUES = 25
MAX_STRING_VALUE = 512

_MISSING = object()
Predicate = Callable[
    [Any, Any], bool | None
]  # (event value, filter value) -> match / None (type mismatch)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _text(value: object) -> str | None:
    return value.lower() if isinstance(value, str) else None


def _compare_numbers(test: Callable[[float, float], bool]) -> Predicate:
    def predicate(actual: object, expected: object) -> bool | None:
        left, right = _number(actual), _number(expected)
        return None if left is None or right is None else test(left, right)

    return predicate


def _compare_text(test: Callable[[str, str], bool]) -> Predicate:
    def predicate(actual: object, expected: object) -> bool | None:
        left, right = _text(actual), _text(expected)
        return None if left is None or right is None else test(left, right)

    return predicate


def _in_range(actual: object, bounds: object) -> bool | None:
    number = _number(actual)
    if number is None or not isinstance(bounds, Sequence) or len(bounds) != 2:
        return None
    low, high = _number(bounds[0]), _number(bounds[1])
    return None if low is None or high is None else low <= number <= high


def _bool_equals(actual: object, expected: object) -> bool | None:
    return actual is expected if isinstance(actual, bool) else None


@dataclass(frozen=True)
class _Operator:
    predicate: Predicate
    negated: bool = False
    takes_values: bool = True
    matches_missing: bool = False


_EQUAL = _compare_numbers(lambda a, b: a == b)
OPERATORS: dict[str, _Operator] = {
    "NumberIn": _Operator(_EQUAL),
    "NumberNotIn": _Operator(_EQUAL, negated=True, matches_missing=True),
    "NumberLessThan": _Operator(_compare_numbers(lambda a, b: a < b), takes_values=False),
    "NumberGreaterThan": _Operator(_compare_numbers(lambda a, b: a > b), takes_values=False),
    "NumberLessThanOrEquals": _Operator(_compare_numbers(lambda a, b: a <= b), takes_values=False),
    "NumberGreaterThanOrEquals": _Operator(
        _compare_numbers(lambda a, b: a >= b), takes_values=False
    ),
    "NumberInRange": _Operator(_in_range),
    "NumberNotInRange": _Operator(_in_range, negated=True, matches_missing=True),
    "BoolEquals": _Operator(_bool_equals, takes_values=False),
    "StringContains": _Operator(_compare_text(lambda a, b: b in a)),
    "StringNotContains": _Operator(_compare_text(lambda a, b: b in a), negated=True),
    "StringBeginsWith": _Operator(_compare_text(str.startswith)),
    "StringNotBeginsWith": _Operator(_compare_text(str.startswith), negated=True),
    "StringEndsWith": _Operator(_compare_text(str.endswith)),
    "StringNotEndsWith": _Operator(_compare_text(str.endswith), negated=True),
    "StringIn": _Operator(_compare_text(lambda a, b: a == b)),
    "StringNotIn": _Operator(
        _compare_text(lambda a, b: a == b), negated=True, matches_missing=True
    ),
}
NULL_CHECKS = ("IsNullOrUndefined", "IsNotNull")

# Keys of the event envelope, per schema, by their lower-case filter name.
CLOUDEVENT_KEYS = {"eventid": "id", "eventtype": "type", "eventtypeversion": "dataschema"}
EVENTGRID_KEYS = {
    "id": "id",
    "topic": "topic",
    "subject": "subject",
    "eventtype": "eventType",
    "dataversion": "dataVersion",
}


def _lookup(event: Mapping[str, Any], key: str, schema: str) -> object:
    head, _, rest = key.partition(".")
    lowered = head.lower()
    if schema == "cloudevents":
        name = CLOUDEVENT_KEYS.get(lowered, lowered)
    else:
        name = EVENTGRID_KEYS.get(lowered, head)
    value: object = event.get(name, _MISSING)
    for part in rest.split(".") if rest else ():
        if not isinstance(value, Mapping):
            return _MISSING
        value = value.get(part, _MISSING)
    return value


@dataclass(frozen=True)
class AdvancedFilter:
    """One advanced filter: `{operatorType, key, value | values}`."""

    operator_type: str
    key: str
    values: tuple[Any, ...] = ()

    def matches(self, event: Mapping[str, Any], schema: str, on_arrays: bool) -> bool:
        actual = _lookup(event, self.key, schema)
        if self.operator_type in NULL_CHECKS:
            is_null = actual is _MISSING or actual is None
            return is_null if self.operator_type == "IsNullOrUndefined" else not is_null
        operator = OPERATORS[self.operator_type]
        if actual is _MISSING or actual is None:
            return operator.matches_missing
        # Without enableAdvancedFilteringOnArrays an array is just a value of the wrong
        # type: no element is compared, so it matches only the Not-operators.
        elements = actual if isinstance(actual, list) and on_arrays else [actual]
        hit = any(
            operator.predicate(element, expected) is True
            for element in elements
            for expected in self.values
        )
        return not hit if operator.negated else hit


@dataclass(frozen=True)
class EventFilter:
    """The filter of one event subscription."""

    included_event_types: tuple[str, ...] | None = None
    subject_begins_with: str = ""
    subject_ends_with: str = ""
    is_subject_case_sensitive: bool = False
    advanced_filters: tuple[AdvancedFilter, ...] = field(default=())
    enable_advanced_filtering_on_arrays: bool = False

    def matches(self, event: Mapping[str, Any], schema: str = "cloudevents") -> bool:
        """Whether `event` (as stored, in its schema) passes this filter."""
        type_key = "type" if schema == "cloudevents" else "eventType"
        if self.included_event_types is not None:
            event_type = str(event.get(type_key, "")).lower()
            if event_type not in {name.lower() for name in self.included_event_types}:
                return False
        if self.subject_begins_with or self.subject_ends_with:
            subject = str(event.get("subject") or "")
            begins, ends = self.subject_begins_with, self.subject_ends_with
            if not self.is_subject_case_sensitive:
                subject, begins, ends = subject.lower(), begins.lower(), ends.lower()
            if not (subject.startswith(begins) and subject.endswith(ends)):
                return False
        return all(
            rule.matches(event, schema, self.enable_advanced_filtering_on_arrays)
            for rule in self.advanced_filters
        )


def _camel(config: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if name in config:
            return config[name]
    return None


def _advanced(config: Mapping[str, Any]) -> AdvancedFilter:
    operator = _camel(config, "operatorType", "operator_type")
    key = _camel(config, "key")
    if operator not in OPERATORS and operator not in NULL_CHECKS:
        raise UsageError(
            f"Unknown advanced filter operatorType {operator!r}. Allowed: "
            f"{', '.join([*OPERATORS, *NULL_CHECKS])}. See {docs('guide/basic/#filters')}"
        )
    if not isinstance(key, str) or not key:
        raise UsageError(f"Advanced filter {operator} needs a `key`.")
    if operator in NULL_CHECKS:
        return AdvancedFilter(operator, key)
    if OPERATORS[operator].takes_values:
        values = _camel(config, "values")
        if not isinstance(values, Sequence) or isinstance(values, str):
            raise UsageError(f"Advanced filter {operator} takes `values`, a list.")
        return AdvancedFilter(operator, key, tuple(values))
    if "value" not in config:
        raise UsageError(f"Advanced filter {operator} takes a single `value`.")
    return AdvancedFilter(operator, key, (config["value"],))


def parse_filter(config: Mapping[str, Any] | None) -> EventFilter:
    """An `EventFilter` from ARM-style settings (camelCase or snake_case keys).

    Basic subscriptions call the operator list `advancedFilters`; namespace
    subscriptions' `filtersConfiguration` calls it `filters`: both are accepted.
    """
    if not config:
        return EventFilter()
    types = _camel(config, "includedEventTypes", "included_event_types")
    advanced = tuple(
        _advanced(item)
        for item in _camel(config, "advancedFilters", "advanced_filters", "filters") or ()
    )
    if len(advanced) > MAX_ADVANCED_FILTERS:
        raise UsageError(
            f"An event subscription takes at most {MAX_ADVANCED_FILTERS} advanced filters, "
            f"as on the service; got {len(advanced)}."
        )
    value_count = sum(len(rule.values) for rule in advanced)
    if value_count > MAX_FILTER_VALUES:
        raise UsageError(
            f"Advanced filters take at most {MAX_FILTER_VALUES} values in all, as on the "
            f"service; got {value_count}."
        )
    for rule in advanced:
        for value in rule.values:
            if isinstance(value, str) and len(value) > MAX_STRING_VALUE:
                raise UsageError(
                    f"Filter string values are limited to {MAX_STRING_VALUE} characters."
                )
    return EventFilter(
        included_event_types=tuple(types) if types is not None else None,
        subject_begins_with=_camel(config, "subjectBeginsWith", "subject_begins_with") or "",
        subject_ends_with=_camel(config, "subjectEndsWith", "subject_ends_with") or "",
        is_subject_case_sensitive=bool(
            _camel(config, "isSubjectCaseSensitive", "is_subject_case_sensitive")
        ),
        advanced_filters=advanced,
        enable_advanced_filtering_on_arrays=bool(
            _camel(
                config,
                "enableAdvancedFilteringOnArrays",
                "enable_advanced_filtering_on_arrays",
            )
        ),
    )
