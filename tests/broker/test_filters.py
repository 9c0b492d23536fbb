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
    takes_values = OPERATORS[operator].takes_values
    value = {"values": [[1, 2]] if "Range" in operator else ["x"]} if takes_values else {"value": 1}
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
        ({"includedEventTypes": []}, False),
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
        (advanced("NumberIsh", "data.x", value=1), "Unknown advanced filter operatorType"),
        (advanced("NumberIn", "data.x", value=1), "takes `values`, a list"),
        (advanced("NumberLessThan", "data.x", values=[1]), "takes a single `value`"),
        (advanced("StringIn", "", values=["a"]), "needs a `key`"),
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
