"""Event subscription filters, with the service's semantics and limits.

A filter has `includedEventTypes`, `subjectBeginsWith` / `subjectEndsWith` (with
`isSubjectCaseSensitive`, default false), and `advancedFilters`: several filters are
ANDed, the values of one filter are ORed, every string comparison ignores case, and an
array value is checked element by element only with `enableAdvancedFilteringOnArrays`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeGuard

from .._errors import NOT_GIVEN, UsageError, one_of, usage_error

MAX_ADVANCED_FILTERS = 25
MAX_FILTER_VALUES = 25
MAX_STRING_VALUE = 512

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


# What an operator's filter value is: the shape a declaration must give.
NUMBER, NUMBERS, RANGES, BOOL, STRINGS = "number", "numbers", "ranges", "bool", "strings"


@dataclass(frozen=True)
class _Operator:
    predicate: Predicate
    takes: str
    negated: bool = False
    matches_missing: bool = False


_EQUAL = _compare_numbers(lambda a, b: a == b)
OPERATORS: dict[str, _Operator] = {
    "NumberIn": _Operator(_EQUAL, NUMBERS),
    "NumberNotIn": _Operator(_EQUAL, NUMBERS, negated=True, matches_missing=True),
    "NumberLessThan": _Operator(_compare_numbers(lambda a, b: a < b), NUMBER),
    "NumberGreaterThan": _Operator(_compare_numbers(lambda a, b: a > b), NUMBER),
    "NumberLessThanOrEquals": _Operator(_compare_numbers(lambda a, b: a <= b), NUMBER),
    "NumberGreaterThanOrEquals": _Operator(_compare_numbers(lambda a, b: a >= b), NUMBER),
    "NumberInRange": _Operator(_in_range, RANGES),
    "NumberNotInRange": _Operator(_in_range, RANGES, negated=True, matches_missing=True),
    "BoolEquals": _Operator(_bool_equals, BOOL),
    "StringContains": _Operator(_compare_text(lambda a, b: b in a), STRINGS),
    "StringNotContains": _Operator(_compare_text(lambda a, b: b in a), STRINGS, negated=True),
    "StringBeginsWith": _Operator(_compare_text(str.startswith), STRINGS),
    "StringNotBeginsWith": _Operator(_compare_text(str.startswith), STRINGS, negated=True),
    "StringEndsWith": _Operator(_compare_text(str.endswith), STRINGS),
    "StringNotEndsWith": _Operator(_compare_text(str.endswith), STRINGS, negated=True),
    "StringIn": _Operator(_compare_text(lambda a, b: a == b), STRINGS),
    "StringNotIn": _Operator(
        _compare_text(lambda a, b: a == b), STRINGS, negated=True, matches_missing=True
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
    value: object = event.get(name, NOT_GIVEN)
    for part in rest.split(".") if rest else ():
        if not isinstance(value, Mapping):
            return NOT_GIVEN
        value = value.get(part, NOT_GIVEN)
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
            is_null = actual is NOT_GIVEN or actual is None
            return is_null if self.operator_type == "IsNullOrUndefined" else not is_null
        operator = OPERATORS[self.operator_type]
        if actual is NOT_GIVEN or actual is None:
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

    @cached_property
    def accepts_everything(self) -> bool:
        """Whether every event passes: no condition is set, so `matches()` may be skipped."""
        return not (
            self.included_event_types
            or self.subject_begins_with
            or self.subject_ends_with
            or self.advanced_filters
        )

    def matches(self, event: Mapping[str, Any], schema: str = "cloudevents") -> bool:
        """Whether `event` (as stored, in its schema) passes this filter."""
        if self.accepts_everything:
            return True
        type_key = "type" if schema == "cloudevents" else "eventType"
        if self.included_event_types:  # None or empty: every event type
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
        on_arrays = self.enable_advanced_filtering_on_arrays
        return all(rule.matches(event, schema, on_arrays) for rule in self.advanced_filters)


# The settings of a filter: each name as the service spells it, then its snake_case.
FILTER_SETTINGS = {
    "includedEventTypes": ("includedEventTypes", "included_event_types"),
    "subjectBeginsWith": ("subjectBeginsWith", "subject_begins_with"),
    "subjectEndsWith": ("subjectEndsWith", "subject_ends_with"),
    "isSubjectCaseSensitive": ("isSubjectCaseSensitive", "is_subject_case_sensitive"),
    "advancedFilters": ("advancedFilters", "advanced_filters", "filters"),
    "enableAdvancedFilteringOnArrays": (
        "enableAdvancedFilteringOnArrays",
        "enable_advanced_filtering_on_arrays",
    ),
}
RULE_SETTINGS = {
    "operatorType": ("operatorType", "operator_type"),
    "key": ("key",),
    "value": ("value",),
    "values": ("values",),
}
EXPECTED = {
    NUMBER: "a number in `value`",
    NUMBERS: "a list of numbers in `values`",
    RANGES: "a list of [low, high] number pairs in `values`",
    BOOL: "True or False in `value`",
    STRINGS: "a list of strings in `values`",
}


def _refuse(what: str, given: object, expected: str) -> UsageError:
    return usage_error(what, given, expected, "guide/basic/#filters")


def _settings(config: object, names: Mapping[str, tuple[str, ...]], what: str) -> dict[str, Any]:
    """`config`'s settings by their service names; `None` stands for absent."""
    if not isinstance(config, Mapping):
        raise _refuse(what, config, "a mapping of the service's filter settings")
    aliases = {alias: name for name, spelled in names.items() for alias in spelled}
    unknown = [key for key in config if key not in aliases]
    if unknown:
        raise _refuse(
            f"{what} setting {unknown[0]!r}",
            config[unknown[0]],
            f"only the settings {', '.join(names)}",
        )
    found: dict[str, Any] = {}
    for key, value in config.items():
        if value is not None:
            found[aliases[key]] = value
    return found


def _is_list(value: object) -> TypeGuard[list[Any] | tuple[Any, ...]]:
    return isinstance(value, list | tuple)


def _is_number(value: object) -> bool:
    return _number(value) is not None


def _is_range(value: object) -> bool:
    return _is_list(value) and len(value) == 2 and all(map(_is_number, value))


def _checked_value(operator: str, takes: str, settings: Mapping[str, Any]) -> tuple[Any, ...]:
    """The values of one advanced filter, if they have the shape `takes`."""
    name, other = ("value", "values") if takes in (NUMBER, BOOL) else ("values", "value")
    if other in settings or name not in settings:
        given = settings.get(other, settings.get(name))
        wrong = other if other in settings else name
        raise _refuse(f"advanced filter {operator} {wrong}", given, EXPECTED[takes])
    given = settings[name]
    valid = {
        NUMBER: _is_number(given),
        BOOL: isinstance(given, bool),
        NUMBERS: _is_list(given) and all(map(_is_number, given)),
        RANGES: _is_list(given) and all(map(_is_range, given)),
        STRINGS: _is_list(given) and all(isinstance(item, str) for item in given),
    }[takes]
    if not valid:
        raise _refuse(f"advanced filter {operator} {name}", given, EXPECTED[takes])
    return tuple(given) if name == "values" else (given,)


def _advanced(config: object) -> AdvancedFilter:
    settings = _settings(config, RULE_SETTINGS, "advanced filter")
    operator = settings.get("operatorType")
    if operator not in OPERATORS and operator not in NULL_CHECKS:
        raise _refuse(
            "advanced filter operatorType",
            operator,
            one_of([*OPERATORS, *NULL_CHECKS], operator),
        )
    key = settings.get("key")
    if not isinstance(key, str) or not key:
        raise _refuse(
            f"advanced filter {operator} key", key, "a non-empty string, such as 'data.total'"
        )
    if operator in NULL_CHECKS:
        if "value" in settings or "values" in settings:
            given = settings.get("value", settings.get("values"))
            raise _refuse(f"advanced filter {operator} value", given, "no `value` and no `values`")
        return AdvancedFilter(operator, key)
    return AdvancedFilter(
        operator, key, _checked_value(operator, OPERATORS[operator].takes, settings)
    )


def _event_types(value: object) -> tuple[str, ...] | None:
    if not _is_list(value) or not all(isinstance(name, str) for name in value):
        raise _refuse(
            "filter includedEventTypes",
            value,
            "a list of event type strings (empty or absent: every event type)",
        )
    return tuple(value) or None


def _string(settings: Mapping[str, Any], name: str) -> str:
    value = settings.get(name, "")
    if not isinstance(value, str):
        raise _refuse(f"filter {name}", value, "a string")
    return value


def _flag(settings: Mapping[str, Any], name: str) -> bool:
    value = settings.get(name, False)
    if not isinstance(value, bool):
        raise _refuse(f"filter {name}", value, "True or False")
    return value


def _check_limits(advanced: tuple[AdvancedFilter, ...]) -> None:
    if len(advanced) > MAX_ADVANCED_FILTERS:
        raise usage_error(
            f"An event subscription takes at most {MAX_ADVANCED_FILTERS} advanced filters, "
            f"as on the service; got {len(advanced)}.",
            anchor="guide/basic/#filters",
        )
    value_count = sum(len(rule.values) for rule in advanced)
    if value_count > MAX_FILTER_VALUES:
        raise usage_error(
            f"Advanced filters take at most {MAX_FILTER_VALUES} values in all, as on the "
            f"service; got {value_count}.",
            anchor="guide/basic/#filters",
        )
    for rule in advanced:
        for value in rule.values:
            if isinstance(value, str) and len(value) > MAX_STRING_VALUE:
                raise usage_error(
                    f"Filter string values are limited to {MAX_STRING_VALUE} characters, as "
                    f"on the service; got {len(value)}.",
                    anchor="guide/basic/#filters",
                )


def parse_filter(config: object) -> EventFilter:
    """An `EventFilter` from ARM-style settings (camelCase or snake_case keys), or a
    `UsageError` that says which setting has the wrong shape.

    Basic subscriptions call the operator list `advancedFilters`; namespace
    subscriptions' `filtersConfiguration` calls it `filters`: both are accepted.
    `None` (or an empty mapping) takes every event, and so does an empty
    `includedEventTypes`, as the SDKs' live tests deploy it.
    """
    if isinstance(config, EventFilter):
        return config
    if config is None:
        return EventFilter()
    settings = _settings(config, FILTER_SETTINGS, "filter")
    rules = settings.get("advancedFilters", ())
    if not _is_list(rules):
        raise _refuse("filter advancedFilters", rules, "a list of advanced filters")
    advanced = tuple(_advanced(item) for item in rules)
    _check_limits(advanced)
    types = settings.get("includedEventTypes")
    return EventFilter(
        included_event_types=None if types is None else _event_types(types),
        subject_begins_with=_string(settings, "subjectBeginsWith"),
        subject_ends_with=_string(settings, "subjectEndsWith"),
        is_subject_case_sensitive=_flag(settings, "isSubjectCaseSensitive"),
        advanced_filters=advanced,
        enable_advanced_filtering_on_arrays=_flag(settings, "enableAdvancedFilteringOnArrays"),
    )
