"""Faults scripted in a way the fake cannot honour are a `UsageError` at once, with a
message that says what is allowed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from pytest_eventgrid import EventGrid, UsageError, faults

DOCS = "https://pytest-eventgrid.readthedocs.io/en/latest"
STATUSES = "400, 401, 403, 404, 409, 413, 429, 500, 502, 503, 504"
OPERATIONS = "publish, receive, acknowledge, release, reject, renew_locks, send"

MISUSES: dict[str, tuple[Callable[[EventGrid], Any], str]] = {
    "status 418": (
        lambda _: faults.status(418),
        f"faults.status() takes one of {STATUSES}; got 418. See {DOCS}/guide/failures/#outcomes",
    ),
    "status 200": (
        lambda _: faults.status(200),
        f"faults.status() takes one of {STATUSES}; got 200. See {DOCS}/guide/failures/#outcomes",
    ),
    "negative retry_after": (
        lambda _: faults.throttle(retry_after=-1),
        "faults.status() takes retry_after >= 0 (seconds); got -1.",
    ),
    "negative latency": (
        lambda _: faults.latency(-0.5),
        "faults.latency() takes seconds >= 0; got -0.5.",
    ),
    "short_receive of 0": (
        lambda _: faults.short_receive(0),
        "short_receive() takes max_events >= 1; got 0.",
    ),
    "fraction above 1": (
        lambda _: faults.lose_tokens(fraction=1.5),
        "lose_tokens() takes a fraction from 0 to 1; got 1.5.",
    ),
    "unknown token code": (
        lambda _: faults.lose_tokens(code="Expired"),
        "lose_tokens() takes code 'TokenLost' or 'BadToken'; got 'Expired'.",
    ),
    "unknown operation": (
        lambda eg: eg.fail("peek", faults.status(503)),
        f"fail() takes an operation of {OPERATIONS}, or None for any; got 'peek'. "
        f"See {DOCS}/guide/failures/#selecting-requests",
    ),
    "the SDK's method name": (
        lambda eg: eg.fail("renew_lock", faults.status(503)),
        f"fail() takes an operation of {OPERATIONS}, or None for any; got 'renew_lock'. "
        f"See {DOCS}/guide/failures/#selecting-requests",
    ),
    "lose_tokens on publish": (
        lambda eg: eg.fail("publish", faults.lose_tokens()),
        "lose_tokens() only applies to acknowledge, release, reject and renew_locks; "
        "got 'publish'.",
    ),
    "lose_tokens on any operation": (
        lambda eg: eg.fail(None, faults.bad_token()),
        "lose_tokens() only applies to acknowledge, release, reject and renew_locks; got None.",
    ),
    "short_receive on acknowledge": (
        lambda eg: eg.fail("acknowledge", faults.short_receive(1)),
        "short_receive() only applies to receive; got 'acknowledge'.",
    ),
    "a short_receive step in a sequence for publish": (
        lambda eg: eg.fail("publish", [faults.ok(), faults.short_receive(1)]),
        "short_receive() only applies to receive; got 'publish'.",
    ),
    "probability 0": (
        lambda eg: eg.fail("publish", faults.status(503), probability=0),
        "fail() takes a probability in (0, 1]; got 0.",
    ),
    "probability above 1": (
        lambda eg: eg.fail("publish", faults.status(503), probability=1.5),
        "fail() takes a probability in (0, 1]; got 1.5.",
    ),
    "times 0": (
        lambda eg: eg.fail("publish", faults.status(503), times=0),
        f"fail() takes times >= 1, or None for every matching request; got 0. "
        f"See {DOCS}/guide/failures/#how-many-requests",
    ),
    "an empty sequence": (
        lambda eg: eg.fail("publish", []),
        "fail() needs at least one outcome.",
    ),
    "a bare status code in a sequence": (
        lambda eg: eg.fail("publish", [503, 503]),
        "fail() takes outcomes made by pytest_eventgrid.faults, such as faults.status(503); "
        f"got 503. See {DOCS}/guide/failures/#outcomes",
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
