"""The matchers on their own: what they accept, and how a mismatch is described."""

from __future__ import annotations

import re

import pytest

from pytest_eventgrid import UsageError
from pytest_eventgrid._api.compare import Difference, compare
from pytest_eventgrid.match import ANY, contains, regex


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (ANY, None),
        (contains(total=10), {"total": 10, "currency": "EUR"}),
        (contains({"a": {"b": 1}}), {"a": {"b": 1, "c": 2}}),
        (contains("ord"), "order"),
        (contains(["b", contains(id=1)]), ["a", "b", {"id": 1, "x": 2}]),
        (regex(r"^order-\d+$"), "order-12"),
        (regex("ORDER", re.IGNORECASE), "an order"),
        ({"a": [1, ANY]}, {"a": [1, "anything"]}),
    ],
)
def test_matchers_accept(expected: object, actual: object) -> None:
    assert compare(expected, actual, "value") == []
    assert expected == actual


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (contains(total=10), {"total": 11}),
        (contains(total=10), [("total", 10)]),
        (contains("ord"), 12),
        (contains(["z"]), ["a"]),
        (contains(["z"]), "z"),
        (regex("x"), None),
    ],
)
def test_matchers_refuse(expected: object, actual: object) -> None:
    assert compare(expected, actual, "value") != []
    assert expected != actual


def test_contains_takes_one_kind_of_argument() -> None:
    with pytest.raises(UsageError, match="a mapping, or keyword arguments, not both"):
        contains("text", total=1)
    with pytest.raises(UsageError, match="got 12"):
        contains(12)


def test_differences_name_their_path() -> None:
    expected = {"total": 10, "customer": {"name": "Ann"}, "items": [1, 2], "tags": []}
    actual = {"total": 12, "customer": {"name": "Ann", "vip": True}, "items": [1], "tags": ["x"]}

    found = compare(expected, actual, "data")

    assert [(d.path, d.kind) for d in found] == [
        ("data['total']", "value"),
        ("data['customer']['vip']", "unexpected"),
        ("data['items'][1]", "missing"),
        ("data['tags'][0]", "unexpected"),
    ]


def test_differences_render_as_report_lines() -> None:
    value, missing, unexpected = compare({"a": 1, "b": 2}, {"a": 3, "c": 4}, "data")
    [item] = compare(contains(["gold"]), ["vip"], "data['tags']")
    [typed] = compare(int, "12", "id")

    assert value.render() == ["  data['a']:", "    expected: 1", "    got:      3"]
    assert missing.render() == ["  data['b']: missing, expected 2"]
    assert unexpected.render() == ["  data['c']: not expected, got 4"]
    assert item.render() == ["  data['tags'] item: missing, expected 'gold'"]
    assert typed.render() == ["  id:", "    expected: an instance of int", "    got:      '12'"]


def test_long_values_are_cut() -> None:
    [difference] = compare("a", "b" * 500, "subject")

    assert difference.render()[2] == f"    got:      '{'b' * 196}..."
    assert isinstance(difference, Difference)
