"""Event subscription filters against the documented semantics (semantics reference §5)."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_eventgrid import UsageError
from pytest_eventgrid._broker._filters import OPERATORS, parse_filter

CLOUD_EVENT: dict[str, Any] = {
    "id": "1",
    "source": "/shop/orders",
    "type": "Order.Created",
    "specversion": "1.0",
    "subject": "orders/eu/42",
    "region": "EU",
    "data": {
        "total": 42.5,
        "count": 3,
        "paid": True,
        "customer": {"tier": "Gold", "note": None},
        "tags": ["Rush", "gift"],
        "scores": [1, 5, 9],
    },
}


def advanced(operator: str, key: str, **value: Any) -> dict[str, Any]:
    return {"advancedFilters": [{"operatorType": operator, "key": key, **value}]}


# (operator, key, value-or-values, expected match)
ADVANCED_CASES = [
    ("NumberIn", "data.count", {"values": [1, 3]}, True),
    ("NumberIn", "data.count", {"values": [1, 2]}, False),
    ("NumberNotIn", "data.count", {"values": [1, 2]}, True),
    ("NumberNotIn", "data.count", {"values": [3]}, False),
    ("NumberLessThan", "data.total", {"value": 50}, True),
    ("NumberLessThan", "data.total", {"value": 42.5}, False),
    ("NumberLessThanOrEquals", "data.total", {"value": 42.5}, True),
    ("NumberGreaterThan", "data.total", {"value": 42.5}, False),
    ("NumberGreaterThanOrEquals", "data.total", {"value": 42.5}, True),
    ("NumberInRange", "data.total", {"values": [[0, 10], [40, 50]]}, True),
    ("NumberInRange", "data.total", {"values": [[0, 10]]}, False),
    ("NumberNotInRange", "data.total", {"values": [[0, 10]]}, True),
    ("NumberNotInRange", "data.total", {"values": [[42.5, 43]]}, False),
    ("BoolEquals", "data.paid", {"value": True}, True),
    ("BoolEquals", "data.paid", {"value": False}, False),
    ("StringContains", "subject", {"values": ["EU/"]}, True),
    ("StringContains", "subject", {"values": ["us/"]}, False),
    ("StringNotContains", "subject", {"values": ["us/"]}, True),
    ("StringNotContains", "subject", {"values": ["eu"]}, False),
    ("StringBeginsWith", "data.customer.tier", {"values": ["go"]}, True),
    ("StringNotBeginsWith", "data.customer.tier", {"values": ["go"]}, False),
    ("StringEndsWith", "source", {"values": ["/ORDERS"]}, True),
    ("StringNotEndsWith", "source", {"values": ["/ORDERS"]}, False),
    ("StringIn", "region", {"values": ["us", "eu"]}, True),
    ("StringIn", "region", {"values": ["us"]}, False),
    ("StringNotIn", "region", {"values": ["us"]}, True),
    ("StringNotIn", "region", {"values": ["Eu"]}, False),
    ("IsNullOrUndefined", "data.customer.note", {}, True),
    ("IsNullOrUndefined", "data.missing", {}, True),
    ("IsNullOrUndefined", "data.count", {}, False),
    ("IsNotNull", "data.count", {}, True),
    ("IsNotNull", "data.customer.note", {}, False),
    # Envelope aliases of the CloudEvents schema.
    ("StringIn", "eventtype", {"values": ["order.created"]}, True),
    ("StringIn", "eventid", {"values": ["1"]}, True),
    # A value of the wrong type is ignored: positive operators fail, Not-operators pass.
    ("NumberIn", "region", {"values": [1]}, False),
    ("NumberNotIn", "region", {"values": [1]}, True),
    ("StringContains", "data.count", {"values": ["3"]}, False),
]


@pytest.mark.parametrize(("operator", "key", "value", "expected"), ADVANCED_CASES)
def test_advanced_filter_operator(operator: str, key: str, value: dict[str, Any], expected: bool):
    assert parse_filter(advanced(operator, key, **value)).matches(CLOUD_EVENT) is expected


def test_every_documented_operator_is_covered():
    covered = {case[0] for case in ADVANCED_CASES}
    assert covered >= set(OPERATORS) | {"IsNullOrUndefined", "IsNotNull"}


MISSING_KEY_MATCHES = {
    "NumberIn": False,
    "NumberNotIn": True,
    "NumberLessThan": False,
    "NumberGreaterThan": False,
    "NumberLessThanOrEquals": False,
    "NumberGreaterThanOrEquals": False,
    "NumberInRange": False,
    "NumberNotInRange": True,
    "BoolEquals": False,
    "StringContains": False,
    "StringNotContains": False,
    "StringBeginsWith": False,
    "StringNotBeginsWith": False,
    "StringEndsWith": False,
    "StringNotEndsWith": False,
    "StringIn": False,
    "StringNotIn": True,
}


@pytest.mark.parametrize(("operator", "expected"), sorted(MISSING_KEY_MATCHES.items()))
def test_missing_key(operator: str, expected: bool):
    value = {
        "numbers": {"values": [1]},
        "ranges": {"values": [[1, 2]]},
        "strings": {"values": ["x"]},
        "number": {"value": 1},
        "bool": {"value": True},
    }[OPERATORS[operator].takes]
    assert (
        parse_filter(advanced(operator, "data.nowhere", **value)).matches(CLOUD_EVENT) is expected
    )


@pytest.mark.parametrize(
    ("operator", "values", "on_arrays", "expected"),
    [
        ("StringIn", ["rush"], True, True),
        ("StringIn", ["rush"], False, False),
        ("StringNotIn", ["rush"], True, False),
        ("StringNotIn", ["other"], True, True),
        ("StringNotIn", ["rush"], False, True),
        ("NumberIn", [5], True, True),
        ("NumberNotIn", [5], True, False),
    ],
)
def test_arrays_need_enable_advanced_filtering_on_arrays(
    operator: str, values: list[Any], on_arrays: bool, expected: bool
):
    key = "data.scores" if operator.startswith("Number") else "data.tags"
    config = advanced(operator, key, values=values)
    config["enableAdvancedFilteringOnArrays"] = on_arrays
    assert parse_filter(config).matches(CLOUD_EVENT) is expected


def test_filters_are_anded_and_values_ored():
    config = {
        "advancedFilters": [
            {"operatorType": "StringIn", "key": "region", "values": ["us", "eu"]},
            {"operatorType": "NumberGreaterThan", "key": "data.total", "value": 100},
        ]
    }
    assert parse_filter(config).matches(CLOUD_EVENT) is False


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"includedEventTypes": ["order.created"]}, True),
        ({"includedEventTypes": ["Order.Shipped"]}, False),
        ({"includedEventTypes": []}, True),  # SDK live tests deploy exactly this
        ({"includedEventTypes": None}, True),
        ({"subjectBeginsWith": "ORDERS/"}, True),
        ({"subjectBeginsWith": "ORDERS/", "isSubjectCaseSensitive": True}, False),
        ({"subjectEndsWith": "/42"}, True),
        ({"subjectBeginsWith": "orders/", "subjectEndsWith": "/43"}, False),
        ({}, True),
    ],
)
def test_event_types_and_subject(config: dict[str, Any], expected: bool):
    assert parse_filter(config).matches(CLOUD_EVENT) is expected


def test_eventgrid_schema_keys():
    event = {
        "id": "7",
        "subject": "a/b",
        "eventType": "Contoso.Thing",
        "dataVersion": "2.0",
        "data": {"n": 1},
    }
    config = {
        "includedEventTypes": ["contoso.thing"],
        "advancedFilters": [
            {"operatorType": "StringIn", "key": "DataVersion", "values": ["2.0"]},
            {"operatorType": "NumberIn", "key": "data.n", "values": [1]},
        ],
    }
    assert parse_filter(config).matches(event, schema="eventgrid") is True


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            advanced("NumberIsh", "data.x", value=1),
            "operatorType: got 'NumberIsh'. Expected one of NumberIn",
        ),
        (
            advanced("NumberIn", "data.x", value=1),
            "NumberIn value: got 1. Expected a list of numbers in `values`",
        ),
        (
            advanced("NumberLessThan", "data.x", values=[1]),
            "NumberLessThan values: got \\[1\\]. Expected a number in `value`",
        ),
        (
            advanced("StringIn", "", values=["a"]),
            "StringIn key: got ''. Expected a non-empty string",
        ),
        (
            {
                "advancedFilters": [
                    advanced("IsNotNull", f"k{i}")["advancedFilters"][0] for i in range(26)
                ]
            },
            "at most 25 advanced filters",
        ),
        (advanced("StringIn", "k", values=[str(i) for i in range(26)]), "at most 25 values"),
        (advanced("StringIn", "k", values=["x" * 513]), "limited to 512 characters"),
    ],
)
def test_invalid_filters_are_usage_errors(config: dict[str, Any], message: str):
    with pytest.raises(UsageError, match=message):
        parse_filter(config)


def test_snake_case_settings_are_accepted():
    config = {
        "included_event_types": ["Order.Created"],
        "advanced_filters": [{"operator_type": "NumberIn", "key": "data.count", "values": [3]}],
    }
    assert parse_filter(config).matches(CLOUD_EVENT) is True


FILTER_DOCS = "https://pytest-eventgrid.readthedocs.io/en/latest/guide/basic/#filters"


def rule(operator: str, key: object = "data.x", **value: Any) -> dict[str, Any]:
    return {"operatorType": operator, "key": key, **value}


# (filter, what the message says was given, what it says is expected)
WRONG_SHAPES = [
    pytest.param("Order.Created", "filter: got 'Order.Created'", "a mapping", id="filter-a-string"),
    pytest.param(
        ["Order.Created"], "filter: got ['Order.Created']", "a mapping", id="filter-a-list"
    ),
    pytest.param(
        {"includedEventType": ["Order.Created"]},
        "filter setting 'includedEventType': got ['Order.Created']",
        "only the settings includedEventTypes,",
        id="unknown-key",
    ),
    pytest.param(
        {"includedEventTypes": "Order.Created"},
        "includedEventTypes: got 'Order.Created'",
        "a list of event type strings",
        id="types-a-string",
    ),
    pytest.param(
        {"includedEventTypes": ["Order.Created", 7]},
        "includedEventTypes: got ['Order.Created', 7]",
        "a list of event type strings",
        id="types-not-strings",
    ),
    pytest.param(
        {"subjectBeginsWith": 5}, "subjectBeginsWith: got 5", "a string", id="begins-with-a-number"
    ),
    pytest.param(
        {"subjectEndsWith": ["a"]}, "subjectEndsWith: got ['a']", "a string", id="ends-with-a-list"
    ),
    pytest.param(
        {"isSubjectCaseSensitive": "yes"},
        "isSubjectCaseSensitive: got 'yes'",
        "True or False",
        id="case-sensitive-a-string",
    ),
    pytest.param(
        {"enableAdvancedFilteringOnArrays": 1},
        "enableAdvancedFilteringOnArrays: got 1",
        "True or False",
        id="on-arrays-a-number",
    ),
    pytest.param(
        {"advancedFilters": rule("StringIn", values=["a"])},
        "advancedFilters: got {",
        "a list of advanced filters",
        id="advanced-a-mapping",
    ),
    pytest.param(
        {"advancedFilters": ["StringIn"]},
        "advanced filter: got 'StringIn'",
        "a mapping",
        id="advanced-item-a-string",
    ),
    pytest.param(
        {"filters": [rule(5, values=["a"])]},
        "operatorType: got 5",
        "Expected one of NumberIn",
        id="operator-a-number",
    ),
    pytest.param(
        {"filters": [rule("StringIn", key=123, values=["a"])]},
        "StringIn key: got 123",
        "a non-empty string",
        id="key-a-number",
    ),
    pytest.param(
        {"filters": [rule("StringIn", values="abc")]},
        "StringIn values: got 'abc'",
        "a list of strings",
        id="string-values-a-string",
    ),
    pytest.param(
        {"filters": [rule("StringContains", values=["a", 1])]},
        "StringContains values: got ['a', 1]",
        "a list of strings",
        id="string-values-not-strings",
    ),
    pytest.param(
        {"filters": [rule("NumberIn", values=["1"])]},
        "NumberIn values: got ['1']",
        "a list of numbers",
        id="number-values-strings",
    ),
    pytest.param(
        {"filters": [rule("NumberNotIn", values=[True])]},
        "NumberNotIn values: got [True]",
        "a list of numbers",
        id="number-values-booleans",
    ),
    pytest.param(
        {"filters": [rule("NumberLessThan", value="5")]},
        "NumberLessThan value: got '5'",
        "a number",
        id="number-value-a-string",
    ),
    pytest.param(
        {"filters": [rule("BoolEquals", value="true")]},
        "BoolEquals value: got 'true'",
        "True or False",
        id="bool-value-a-string",
    ),
    pytest.param(
        {"filters": [rule("NumberInRange", values=[1, 5])]},
        "NumberInRange values: got [1, 5]",
        "a list of [low, high] number pairs",
        id="range-not-pairs",
    ),
    pytest.param(
        {"filters": [rule("NumberNotInRange", values=[[1, "5"]])]},
        "NumberNotInRange values: got [[1, '5']]",
        "a list of [low, high] number pairs",
        id="range-bound-a-string",
    ),
]


@pytest.mark.parametrize(("config", "given", "expected"), WRONG_SHAPES)
def test_a_filter_of_the_wrong_shape_is_a_usage_error(
    config: Any, given: str, expected: str
) -> None:
    with pytest.raises(UsageError) as raised:
        parse_filter(config)

    message = str(raised.value)
    assert given in message
    assert expected in message
    assert message.endswith(f"See {FILTER_DOCS}")


def test_a_string_of_event_types_never_matches_character_by_character() -> None:
    with pytest.raises(UsageError, match="includedEventTypes"):
        parse_filter({"includedEventTypes": "Order.Created"})
    with pytest.raises(UsageError, match="includedEventTypes"):
        parse_filter({"includedEventTypes": "O"})


def test_a_filter_that_is_none_or_empty_takes_every_event() -> None:
    assert parse_filter(None).matches(CLOUD_EVENT) is True
    assert parse_filter({}).matches(CLOUD_EVENT) is True
    assert parse_filter({"subjectBeginsWith": None, "advancedFilters": None}).matches(CLOUD_EVENT)
