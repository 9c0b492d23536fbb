"""`faults.status()`: the service's error shape, raised by the real SDK clients as the
SDK raises it, for every operation, through the sync and the async clients."""

from __future__ import annotations

import re

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)

from pytest_eventgrid import EventGrid, faults
from tests._clients import Consumer, Publisher

from ._support import (
    NAMESPACE_OPERATIONS,
    PUBLISH_NOT_FOUND,
    FaultDoor,
    attempt,
    order,
    sdk_message,
    send_basic,
)

pytestmark = pytest.mark.asyncio

HOST = "TEST-NAMESPACE.WESTUS-1.EVENTGRID.AZURE.NET"
# Status: the exception the SDK raises, and the service's code and message (guessed).
ERRORS = {
    400: (HttpResponseError, "BadRequest", "The request is invalid."),
    401: (
        ClientAuthenticationError,
        "Unauthorized",
        f"The request authorization key is not authorized for {HOST}.",
    ),
    403: (HttpResponseError, "Forbidden", "The request is not allowed: the quota is exceeded."),
    404: (ResourceNotFoundError, "NotFound", "The resource is not found."),
    409: (
        ResourceExistsError,
        "Conflict",
        "The request conflicts with the current state of the resource.",
    ),
    413: (
        HttpResponseError,
        "RequestEntityTooLarge",
        "The maximum size (1048576) has been exceeded.",
    ),
    429: (HttpResponseError, "TooManyRequests", "The request was throttled. Retry later."),
    500: (
        HttpResponseError,
        "InternalServerError",
        "The service encountered an internal error. Please retry.",
    ),
    502: (HttpResponseError, "BadGateway", "The service could not be reached. Please retry."),
    503: (
        HttpResponseError,
        "ServiceUnavailable",
        "The service is temporarily unavailable. Please retry.",
    ),
    504: (HttpResponseError, "GatewayTimeout", "The operation timed out. Please retry."),
}
# azure-core retries a POST on these three only (without Retry-After): 4 attempts.
RETRIED = {500, 503, 504}


@pytest.mark.parametrize("status", list(ERRORS))
@pytest.mark.parametrize("operation", [op for op in NAMESPACE_OPERATIONS if op != "publish"])
async def test_a_status_is_raised_as_the_sdk_raises_it(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer, operation: str, status: int
) -> None:
    error, code, message = ERRORS[status]
    fault = eventgrid.fail(operation, faults.status(status), times=None)

    with pytest.raises(HttpResponseError) as raised:
        await attempt(operation, publisher, consumer)

    assert type(raised.value) is error
    assert raised.value.status_code == status
    assert (raised.value.error.code, raised.value.error.message) == (code, message)
    assert raised.value.message == sdk_message(code, message)
    assert raised.value.response.headers["broker-errorcode"] == code
    assert fault.fired == (4 if status in RETRIED else 1)


@pytest.mark.parametrize("status", [status for status in ERRORS if status != 404])
async def test_a_publish_status_is_raised_as_the_sdk_raises_it(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer, status: int
) -> None:
    error, code, message = ERRORS[status]
    eventgrid.fail("publish", faults.status(status), times=None)

    with pytest.raises(HttpResponseError) as raised:
        await attempt("publish", publisher, consumer)

    assert type(raised.value) is error
    assert raised.value.status_code == status
    assert raised.value.message == sdk_message(code, message)
    assert eventgrid.topic(eventgrid.default_topic).published == []


async def test_the_sdk_replaces_the_message_of_a_publish_404(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    eventgrid.fail("publish", faults.status(404))

    with pytest.raises(ResourceNotFoundError) as raised:
        await attempt("publish", publisher, consumer)

    assert raised.value.message == PUBLISH_NOT_FOUND
    cause = raised.value.__cause__
    assert isinstance(cause, ResourceNotFoundError)
    assert (cause.status_code, cause.error.code) == (404, "NotFound")
    assert cause.message == sdk_message("NotFound", "The resource is not found.")


async def test_a_status_can_carry_its_own_message(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    eventgrid.fail("receive", faults.status(403, message="Quota exceeded for namespace"))

    with pytest.raises(HttpResponseError) as raised:
        await attempt("receive", publisher, consumer)

    assert raised.value.message == sdk_message("Forbidden", "Quota exceeded for namespace")


async def test_an_injected_status_is_in_the_call_history(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    eventgrid.fail("acknowledge", faults.status(409))

    with pytest.raises(ResourceExistsError):
        await attempt("acknowledge", publisher, consumer)

    [call] = eventgrid.calls
    assert (call.operation, call.topic, call.subscription) == (
        "acknowledge",
        "test-topic",
        "test-subscription",
    )
    assert (call.status, call.detail, call.time) == (409, "injected: 409", 0)
    assert "acknowledge         test-topic/test-subscription       409  injected: 409" in (
        eventgrid.format_timeline()
    )


async def test_a_status_replaces_the_answer_so_nothing_changes(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    await attempt("publish", publisher, consumer)
    [detail] = await consumer.receive()
    eventgrid.fail("acknowledge", faults.status(400))

    with pytest.raises(HttpResponseError):
        await consumer.acknowledge(detail.broker_properties.lock_token)

    subscription = eventgrid.subscription()
    assert [event.id for event in subscription.locked] == ["e1"]
    assert subscription.acknowledged == []


# -- Event Grid Basic ----------------------------------------------------------------------

# The Basic error message: the service's sentence, then the "Report" sentence with an id
# and the time of the error.
BASIC_REPORT = (
    r" Report '[0-9a-f-]{36}:0:\d+/\d+/\d{4} \d+:\d\d:\d\d [AP]M \(UTC\)' to our forums "
    r"for assistance or raise a support ticket\."
)


@pytest.mark.parametrize("status", [400, 401, 403, 409, 413, 429, 502])
async def test_a_basic_send_gets_the_basic_error_shape(
    eventgrid: EventGrid, door: FaultDoor, status: int
) -> None:
    error, code, message = ERRORS[status]
    if status == 401:
        message = message.replace(HOST, "ORDERS.WESTUS-1.EVENTGRID.AZURE.NET")
    eventgrid.basic_topic("orders")
    fault = eventgrid.fail("send", faults.status(status), topic="orders")
    client = await door.basic_publisher("orders")

    with pytest.raises(HttpResponseError) as raised:
        await send_basic(client, order())

    assert type(raised.value) is error
    assert raised.value.status_code == status
    assert raised.value.error.code == code
    assert re.fullmatch(re.escape(message) + BASIC_REPORT, raised.value.error.message)
    assert "broker-errorcode" not in raised.value.response.headers
    assert fault.fired == 1
    assert eventgrid.basic_topic("orders").published == []


async def test_the_sdk_retries_a_basic_send_through_a_503(
    eventgrid: EventGrid, door: FaultDoor
) -> None:
    topic = eventgrid.basic_topic("orders")
    fault = eventgrid.fail("send", faults.status(503))
    client = await door.basic_publisher("orders")

    await send_basic(client, order())

    assert fault.fired == 1
    assert [event.id for event in topic.published] == ["e1"]
    assert [(call.operation, call.status) for call in eventgrid.calls] == [
        ("send", 503),
        ("send", 200),
    ]
