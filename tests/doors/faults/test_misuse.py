"""Faults scripted in a way the fake cannot honour are a `UsageError` at once, with a
message that says what was given, what is allowed, and where the docs are."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from pytest_eventgrid import EventGrid, UsageError, faults

DOCS = "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/failures"
STATUSES = "400, 401, 403, 404, 409, 413, 429, 500, 502, 503, 504"
OPERATIONS = "publish, receive, acknowledge, release, reject, renew_locks, send, deliver"
SETTLEMENT = "Expected a settlement: acknowledge, release, reject or renew_locks."

MISUSES: dict[str, tuple[Callable[[EventGrid], Any], str]] = {
    "status 418": (
        lambda _: faults.status(418),
        f"faults.status(code): got 418. Expected one of {STATUSES} (an int). {DOCS}/#statuses",
    ),
    "status 200": (
        lambda _: faults.status(200),
        f"faults.status(code): got 200. Expected one of {STATUSES} (an int). {DOCS}/#statuses",
    ),
    "negative retry_after": (
        lambda _: faults.throttle(retry_after=-1),
        "faults.status(retry_after=): got -1. Expected a number of seconds, finite and >= 0. "
        f"{DOCS}/#statuses",
    ),
    "negative latency": (
        lambda _: faults.latency(-0.5),
        "faults.latency(seconds): got -0.5. Expected a number of seconds, finite and >= 0. "
        f"{DOCS}/#outcomes",
    ),
    "short_receive of 0": (
        lambda _: faults.short_receive(0),
        f"faults.short_receive(max_events): got 0. Expected an integer >= 1. {DOCS}/#outcomes",
    ),
    "fraction above 1": (
        lambda _: faults.lose_tokens(fraction=1.5),
        f"faults.lose_tokens(fraction=): got 1.5. Expected a number from 0 to 1. {DOCS}/#outcomes",
    ),
    "unknown token code": (
        lambda _: faults.lose_tokens(code="Expired"),
        "faults.lose_tokens(code=): got 'Expired'. Expected one of 'TokenLost', 'BadToken'. "
        f"{DOCS}/#outcomes",
    ),
    "unknown operation": (
        lambda eg: eg.fail("peek", faults.status(503)),
        f"fail(operation): got 'peek'. Expected one of {OPERATIONS}, or None for any. "
        f"{DOCS}/#selecting-requests",
    ),
    "the SDK's method name": (
        lambda eg: eg.fail("renew_lock", faults.status(503)),
        f"fail(operation): got 'renew_lock'. Expected one of {OPERATIONS} (did you mean "
        f"'renew_locks'?), or None for any. {DOCS}/#selecting-requests",
    ),
    "lose_tokens on publish": (
        lambda eg: eg.fail("publish", faults.lose_tokens()),
        f"fail(operation) of lose_tokens(): got 'publish'. {SETTLEMENT} {DOCS}/#mistakes",
    ),
    "lose_tokens on any operation": (
        lambda eg: eg.fail(None, faults.bad_token()),
        f"fail(operation) of lose_tokens(): got None. {SETTLEMENT} {DOCS}/#mistakes",
    ),
    "short_receive on acknowledge": (
        lambda eg: eg.fail("acknowledge", faults.short_receive(1)),
        f"fail(operation) of short_receive(): got 'acknowledge'. Expected 'receive'. "
        f"{DOCS}/#mistakes",
    ),
    "a short_receive step in a sequence for publish": (
        lambda eg: eg.fail("publish", [faults.ok(), faults.short_receive(1)]),
        f"fail(operation) of short_receive(): got 'publish'. Expected 'receive'. {DOCS}/#mistakes",
    ),
    "probability 0": (
        lambda eg: eg.fail("publish", faults.status(503), probability=0),
        "fail(probability=): got 0. Expected a number above 0 and at most 1. "
        f"{DOCS}/#how-many-requests",
    ),
    "probability above 1": (
        lambda eg: eg.fail("publish", faults.status(503), probability=1.5),
        "fail(probability=): got 1.5. Expected a number above 0 and at most 1. "
        f"{DOCS}/#how-many-requests",
    ),
    "times 0": (
        lambda eg: eg.fail("publish", faults.status(503), times=0),
        f"fail(times=): got 0. Expected an integer >= 1. {DOCS}/#how-many-requests",
    ),
    "an empty sequence": (
        lambda eg: eg.fail("publish", []),
        f"fail(outcome): got []. Expected an outcome, or a non-empty list of them. "
        f"{DOCS}/#outcomes",
    ),
    "a bare status code in a sequence": (
        lambda eg: eg.fail("publish", [503, 503]),
        "fail(outcome): got 503. Expected an outcome made by pytest_eventgrid.faults, such as "
        f"faults.status(503). {DOCS}/#outcomes",
    ),
}


@pytest.mark.parametrize(("misuse", "message"), MISUSES.values(), ids=MISUSES.keys())
def test_a_misused_fault_is_a_usage_error(misuse: Callable[[EventGrid], Any], message: str) -> None:
    eventgrid = EventGrid()

    with pytest.raises(UsageError, match=f"^{re.escape(message)}$"):
        misuse(eventgrid)

    assert eventgrid.faults == []  # nothing half-scripted is left to fail the teardown


def test_a_bare_status_is_not_an_outcome():
    with pytest.raises(UsageError, match=r"write faults\.status\(503\)"):
        EventGrid().fail("publish", 503)  # type: ignore[arg-type]


def test_chosen_tokens_and_a_fraction_are_one_choice_too_many():
    with pytest.raises(UsageError, match=r"Expected the chosen tokens or a fraction, not both"):
        faults.lose_tokens(["token"], fraction=0.5)
