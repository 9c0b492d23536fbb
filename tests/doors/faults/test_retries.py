"""The SDK's own retry policy against scripted faults: what it retries, how often, and
how long it waits, all on the fake clock (the `no_real_sleep` fixture refuses real waits).

azure-core's defaults: 3 retries; backoff 0.8 s x 2^n, so sleeps of 0, 1.6 and 3.2 s; a
`Retry-After` replaces the backoff. Every Event Grid operation is a POST, which azure-core
retries only on 500, 503 and 504, or on any status with a `Retry-After`.
"""

from __future__ import annotations

import time

import pytest
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ServiceRequestError,
    ServiceResponseError,
)

from pytest_eventgrid import EventGrid, faults
from tests._clients import Consumer, Publisher, cloud_event

from ._support import NAMESPACE_OPERATIONS, attempt, attempt_times

pytestmark = pytest.mark.asyncio


async def test_two_503s_then_a_success_take_three_attempts(
    eventgrid: EventGrid, publisher: Publisher
) -> None:
    fault = eventgrid.fail("publish", [faults.status(503), faults.status(503), faults.ok()])

    await publisher.send(cloud_event(1))

    assert fault.fired == 3
    assert eventgrid.clock.now() == pytest.approx(1.6)
    assert [(call.time, call.status) for call in eventgrid.calls] == [
        (0, 503),
        (0, 503),
        (pytest.approx(1.6), 200),
    ]
    assert [event.id for event in eventgrid.topic(eventgrid.default_topic).published] == ["e1"]


@pytest.mark.parametrize("status", [500, 503, 504])
@pytest.mark.parametrize("operation", NAMESPACE_OPERATIONS)
async def test_a_storm_outlasts_the_three_retries(
    eventgrid: EventGrid,
    publisher: Publisher,
    consumer: Consumer,
    operation: str,
    status: int,
) -> None:
    fault = eventgrid.fail(operation, faults.status(status), times=None)

    with pytest.raises(HttpResponseError) as raised:
        await attempt(operation, publisher, consumer)

    assert raised.value.status_code == status
    assert fault.fired == 4
    assert attempt_times(eventgrid, operation) == pytest.approx([0, 0, 1.6, 4.8])


async def test_a_storm_of_exactly_four_is_the_last_the_sdk_gives_up_on(
    eventgrid: EventGrid, publisher: Publisher
) -> None:
    eventgrid.fail("publish", faults.status(503), times=4)

    with pytest.raises(HttpResponseError):
        await publisher.send(cloud_event(1))
    await publisher.send(cloud_event(2))  # the storm is over

    assert [call.status for call in eventgrid.calls] == [503, 503, 503, 503, 200]


async def test_throttling_is_retried_after_each_retry_after_then_raised(
    eventgrid: EventGrid, publisher: Publisher
) -> None:
    fault = eventgrid.fail("publish", faults.throttle(retry_after=5), times=None)

    with pytest.raises(HttpResponseError) as raised:
        await publisher.send(cloud_event(1))

    assert (raised.value.status_code, raised.value.error.code) == (429, "TooManyRequests")
    assert raised.value.response.headers["Retry-After"] == "5"
    assert fault.fired == 4  # the first attempt and 3 retries
    assert attempt_times(eventgrid, "publish") == [0, 5, 10, 15]
    assert eventgrid.clock.now() == 15


async def test_a_throttled_receive_succeeds_once_the_throttling_stops(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    await publisher.send(cloud_event(1))
    eventgrid.fail("receive", [faults.throttle(retry_after=2), faults.throttle(retry_after=7)])

    [detail] = await consumer.receive()

    assert detail.event.id == "e1"
    assert attempt_times(eventgrid, "receive") == [0, 2, 9]


async def test_retry_after_replaces_the_backoff(eventgrid: EventGrid, publisher: Publisher) -> None:
    eventgrid.fail("publish", [faults.status(503, retry_after=30), faults.ok()])

    await publisher.send(cloud_event(1))

    assert attempt_times(eventgrid, "publish") == [0, 30]


async def test_retry_after_makes_the_sdk_retry_any_status(
    eventgrid: EventGrid, publisher: Publisher
) -> None:
    eventgrid.fail("publish", [faults.status(409, retry_after=1), faults.ok()])

    await publisher.send(cloud_event(1))

    assert [(call.time, call.status) for call in eventgrid.calls] == [(0, 409), (1, 200)]


@pytest.mark.parametrize(
    ("outcome", "error"),
    [
        (faults.status(429), HttpResponseError),  # throttled, but with no Retry-After
        (faults.status(502), HttpResponseError),
        (faults.status(409), ResourceExistsError),
        (faults.connection_refused(), ServiceRequestError),
        (faults.connection_reset(), ServiceRequestError),
        (faults.read_timeout(), ServiceResponseError),
    ],
    ids=["429", "502", "409", "connection_refused", "connection_reset", "read_timeout"],
)
async def test_the_sdk_does_not_retry_a_post_on_these(
    eventgrid: EventGrid,
    publisher: Publisher,
    outcome: faults.Outcome,
    error: type[Exception],
) -> None:
    fault = eventgrid.fail("publish", outcome, times=None)

    with pytest.raises(error):
        await publisher.send(cloud_event(1))

    assert fault.fired == 1
    assert eventgrid.clock.now() == 0


async def test_a_client_with_retries_turned_off_makes_one_attempt(
    eventgrid: EventGrid,
) -> None:
    fault = eventgrid.fail("publish", faults.status(503), times=None)

    with eventgrid.publisher(retry_total=0) as client, pytest.raises(HttpResponseError):
        client.send([cloud_event(1)])

    assert fault.fired == 1


async def test_the_tests_here_cannot_sleep_for_real() -> None:
    """The `no_real_sleep` guard, which every test of this package runs under."""
    one_second = 1
    with pytest.raises(AssertionError, match=r"^time\.sleep\(1\) would wait for real"):
        time.sleep(one_second)  # noqa: ASYNC251 - refused at once
