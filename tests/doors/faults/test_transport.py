"""Transport failures (connection refused or reset, read timeout), and faults reaching
clients the code builds itself: azure-core clients with no `transport=`, and raw httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from azure.core.exceptions import (
    ServiceRequestError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)

from pytest_eventgrid import EventGrid, faults
from tests._clients import Consumer, Publisher, cloud_event, resolve

from ._support import NAMESPACE_OPERATIONS, FaultDoor, attempt, attempt_times

pytestmark = pytest.mark.asyncio

PUBLISH_URL = (
    "https://test-namespace.westus-1.eventgrid.azure.net/topics/test-topic:publish"
    "?api-version=2024-06-01"
)
# The outcome, the azure-core exception, and its words.
FAILURES = {
    "connection_refused": (faults.connection_refused(), ServiceRequestError, "connection refused"),
    "connection_reset": (faults.connection_reset(), ServiceRequestError, "connection reset"),
    "read_timeout": (faults.read_timeout(), ServiceResponseTimeoutError, "read timeout"),
}


@pytest.mark.parametrize("kind", list(FAILURES))
@pytest.mark.parametrize("operation", NAMESPACE_OPERATIONS)
async def test_a_transport_failure_is_raised_as_azure_core_raises_it(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer, operation: str, kind: str
) -> None:
    outcome, error, words = FAILURES[kind]
    fault = eventgrid.fail(operation, outcome)

    with pytest.raises(error) as raised:
        await attempt(operation, publisher, consumer)

    assert type(raised.value) is error
    [call] = eventgrid.calls
    assert str(raised.value).startswith(f"{words} (injected by pytest-eventgrid) for https://")
    assert (call.operation, call.status, call.detail) == (operation, 0, f"injected: {words}")
    assert fault.fired == 1


async def test_a_read_timeout_is_a_service_response_error(
    eventgrid: EventGrid, publisher: Publisher
) -> None:
    eventgrid.fail("publish", faults.read_timeout())

    with pytest.raises(ServiceResponseError) as raised:
        await publisher.send(cloud_event(1))

    assert str(raised.value) == f"read timeout (injected by pytest-eventgrid) for {PUBLISH_URL}"


async def test_a_transport_failure_leaves_the_service_untouched(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    await publisher.send(cloud_event(1))
    eventgrid.fail("receive", faults.read_timeout())

    with pytest.raises(ServiceResponseError):
        await consumer.receive()
    [detail] = await consumer.receive()

    assert detail.broker_properties.delivery_count == 1  # the failed receive locked nothing


# -- clients built without transport= ------------------------------------------------------


async def test_a_client_built_without_a_transport_meets_the_faults(
    eventgrid: EventGrid, door: FaultDoor
) -> None:
    publisher = await door.intercepted_publisher()
    consumer = await door.intercepted_consumer()
    eventgrid.fail("publish", [faults.status(503), faults.status(503), faults.ok()])
    eventgrid.fail("receive", faults.connection_reset())

    await publisher.send(cloud_event(1))
    with pytest.raises(ServiceRequestError, match="connection reset"):
        await consumer.receive()
    [detail] = await consumer.receive()

    assert detail.event.id == "e1"
    assert attempt_times(eventgrid, "publish") == pytest.approx([0, 0, 1.6])


async def test_retry_after_waits_on_the_fake_clock_through_interception(
    eventgrid: EventGrid, door: FaultDoor
) -> None:
    publisher = await door.intercepted_publisher()
    eventgrid.fail("publish", [faults.throttle(retry_after=5), faults.ok()])

    await publisher.send(cloud_event(1))

    assert attempt_times(eventgrid, "publish") == [0, 5]


# -- raw httpx ------------------------------------------------------------------------------


@pytest_asyncio.fixture(params=["sync", "async"])
async def http(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A raw httpx client, sync or async: drive it with `resolve`."""
    if request.param == "sync":
        with httpx.Client() as client:
            yield client
    else:
        async with httpx.AsyncClient() as async_client:
            yield async_client


def publish_request(client: Any) -> Any:
    return client.post(
        PUBLISH_URL,
        json=[{"specversion": "1.0", "id": "e1", "source": "raw", "type": "Raw.Event"}],
        headers={"Content-Type": "application/cloudevents-batch+json"},
    )


@pytest.mark.parametrize(
    ("outcome", "error", "words"),
    [
        (faults.connection_refused(), httpx.ConnectError, "connection refused"),
        (faults.connection_reset(), httpx.RemoteProtocolError, "connection reset"),
        (faults.read_timeout(), httpx.ReadTimeout, "read timeout"),
    ],
    ids=["connection_refused", "connection_reset", "read_timeout"],
)
async def test_raw_httpx_gets_httpx_errors(
    eventgrid: EventGrid, http: Any, outcome: faults.Outcome, error: type[Exception], words: str
) -> None:
    eventgrid.fail("publish", outcome)

    with pytest.raises(error) as raised:
        await resolve(publish_request(http))

    assert type(raised.value) is error
    assert str(raised.value) == f"{words} (injected by pytest-eventgrid) for {PUBLISH_URL}"
    assert eventgrid.topic(eventgrid.default_topic).published == []


async def test_raw_httpx_gets_the_service_error_shape(eventgrid: EventGrid, http: Any) -> None:
    eventgrid.fail("publish", faults.throttle(retry_after=3))

    response = await resolve(publish_request(http))
    again = await resolve(publish_request(http))  # raw httpx does not retry: the caller does

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.headers["broker-errorcode"] == "TooManyRequests"
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (
        "TooManyRequests",
        "The request was throttled. Retry later.",
    )
    assert set(error) == {"code", "message", "timestamp_utc", "tracking_id"}
    assert again.status_code == 200
    assert [call.status for call in eventgrid.calls] == [429, 200]


async def test_raw_httpx_waits_out_latency_on_the_fake_clock(
    eventgrid: EventGrid, http: Any
) -> None:
    eventgrid.fail("publish", faults.latency(12))

    response = await resolve(publish_request(http))

    assert response.status_code == 200
    assert eventgrid.clock.now() == 12
    assert [call.time for call in eventgrid.calls] == [12]


async def test_a_status_fault_on_an_unserved_path_still_answers(
    eventgrid: EventGrid, http: Any
) -> None:
    fault = eventgrid.fail(None, faults.status(500), when=lambda request: ":peek" in request.url)

    response = await resolve(http.post(PUBLISH_URL.replace(":publish", ":peek")))

    assert response.status_code == 500
    assert fault.requests[0].operation is None
    assert eventgrid.calls[0].operation == "POST /topics/test-topic:peek"
