"""`:receive`: query parameters, answers, and the long-poll on the virtual clock."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from ._support import Wire, error_view, service_error

PARSE_ERROR = service_error(400, "BadRequest", "Error parsing query parameters")


def argument_invalid(name: str) -> dict[str, object]:
    return service_error(400, "ArgumentInvalid", f"Invalid {name} parameter")


def case(query: dict[str, str], expected: dict[str, object]) -> object:
    return pytest.param(query, expected, id=urlencode(query))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # REC: python test_receive_cloud_event_timeout_{min,max}_value.json
        case({"maxWaitTime": "9"}, argument_invalid("maxWaitTime")),
        case({"maxWaitTime": "121"}, argument_invalid("maxWaitTime")),
        # REC: python test_receive_cloud_event_{timeout,max_events}_negative.json
        case({"maxWaitTime": "-20"}, PARSE_ERROR),
        case({"maxEvents": "-20"}, PARSE_ERROR),
        # Guesses (semantics §8.2): the same answers for maxEvents outside 1-100.
        case({"maxEvents": "0"}, argument_invalid("maxEvents")),
        case({"maxEvents": "101"}, argument_invalid("maxEvents")),
        case({"maxEvents": "-1"}, PARSE_ERROR),
        case({"maxEvents": "abc"}, PARSE_ERROR),
        case({"maxEvents": ""}, PARSE_ERROR),
        case({"maxEvents": "1.5"}, PARSE_ERROR),
        case({"maxWaitTime": "ten"}, PARSE_ERROR),
    ],
)
def test_receive_parameters_out_of_range_are_refused(
    wire: Wire, query: dict[str, str], expected: dict[str, object]
) -> None:
    wire.seed()
    before = wire.state()

    response = wire.operation("receive", query=query)

    assert error_view(response) == expected
    assert wire.state() == before


@pytest.mark.parametrize(
    "query",
    [
        {"maxEvents": "1"},
        {"maxEvents": "100"},
        {"maxWaitTime": "10"},
        {"maxWaitTime": "120"},
        {"maxEvents": "+2", "maxWaitTime": "60"},
    ],
    ids=urlencode,
)
def test_receive_parameters_at_their_bounds_are_accepted(wire: Wire, query: dict[str, str]) -> None:
    wire.seed()

    assert len(wire.receive(**query)) == 1


def test_a_receive_answers_with_tokens_and_delivery_counts(wire: Wire) -> None:
    wire.publish([{"id": "e1", "source": "/s", "type": "T", "specversion": "1.0"}])

    response = wire.operation("receive")

    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    (item,) = response.json()["value"]
    assert set(item) == {"brokerProperties", "event"}
    assert item["brokerProperties"]["deliveryCount"] == 1
    assert len(item["brokerProperties"]["lockToken"]) == 80


def test_an_empty_receive_answers_after_max_wait_time_on_the_virtual_clock(wire: Wire) -> None:
    start = wire.eventgrid.clock.now()

    response = wire.operation("receive", query={"maxWaitTime": "10"})

    assert (response.status, response.body, response.headers["Content-Length"]) == (
        200,
        b'{"value":[]}',
        "12",
    )
    assert wire.eventgrid.clock.now() == start + 10


def test_a_receive_without_max_wait_time_waits_60_seconds(wire: Wire) -> None:
    wire.operation("receive")

    assert wire.eventgrid.clock.now() == 60
