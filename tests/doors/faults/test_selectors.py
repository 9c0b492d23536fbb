"""Which requests a fault catches (operation, topic, subscription, `when=`), how many
(`times=`, sequences, seeded `probability=`), and what it keeps of them."""

from __future__ import annotations

import contextlib
import json

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.core.messaging import CloudEvent

from pytest_eventgrid import EventGrid, faults
from tests._clients import Consumer, Publisher, cloud_event

from ._support import FaultDoor

pytestmark = pytest.mark.asyncio


async def test_a_fault_catches_only_its_operation(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    fault = eventgrid.fail("receive", faults.status(409))

    await publisher.send(cloud_event(1))
    with pytest.raises(ResourceExistsError):
        await consumer.receive()
    [detail] = await consumer.receive()
    await consumer.acknowledge(detail.broker_properties.lock_token)

    assert [request.operation for request in fault.requests] == ["receive"]
    assert [(call.operation, call.status) for call in eventgrid.calls] == [
        ("publish", 200),
        ("receive", 409),
        ("receive", 200),
        ("acknowledge", 200),
    ]


@pytest.mark.eventgrid(topics={"orders": ["billing"], "returns": ["billing"]})
async def test_a_fault_catches_only_its_topic(eventgrid: EventGrid, door: FaultDoor) -> None:
    fault = eventgrid.fail("publish", faults.status(409), topic="orders")
    returns = await door.publisher("returns")
    orders = await door.publisher("orders")

    await returns.send(cloud_event(1))
    with pytest.raises(ResourceExistsError):
        await orders.send(cloud_event(2))

    assert [request.topic for request in fault.requests] == ["orders"]
    assert [event.id for event in eventgrid.topic("returns").published] == ["e1"]
    assert eventgrid.topic("orders").published == []


@pytest.mark.eventgrid(topic="orders", topics={"orders": ["billing", "shipping"]})
async def test_a_fault_catches_only_its_subscription(eventgrid: EventGrid, door: FaultDoor) -> None:
    fault = eventgrid.fail("receive", faults.status(409), subscription="shipping")
    publisher = await door.publisher()
    billing = await door.consumer("orders", "billing")
    shipping = await door.consumer("orders", "shipping")
    await publisher.send(cloud_event(1))

    [detail] = await billing.receive()
    with pytest.raises(ResourceExistsError):
        await shipping.receive()

    assert detail.event.id == "e1"
    assert [(r.topic, r.subscription) for r in fault.requests] == [("orders", "shipping")]


async def test_when_picks_requests_by_what_they_carry(
    eventgrid: EventGrid, publisher: Publisher
) -> None:
    def cancels(request: object) -> bool:
        events = request.json()  # type: ignore[attr-defined]
        return any(event["type"] == "Order.Cancelled" for event in events)

    fault = eventgrid.fail("publish", faults.status(400), when=cancels, times=None)

    await publisher.send(order_event(1, "Order.Created"))
    with pytest.raises(HttpResponseError):
        await publisher.send(order_event(2, "Order.Cancelled"))
    await publisher.send(order_event(3, "Order.Created"))

    assert fault.fired == 1
    assert [event.id for event in eventgrid.topic(eventgrid.default_topic).published] == [
        "e1",
        "e3",
    ]


def order_event(number: int, event_type: str) -> CloudEvent:
    return CloudEvent(source="/shop", type=event_type, id=f"e{number}", data={})


async def test_a_fault_keeps_the_requests_it_caught(
    eventgrid: EventGrid, publisher: Publisher, door: FaultDoor
) -> None:
    fault = eventgrid.fail("publish", faults.status(400))

    with pytest.raises(HttpResponseError):
        await publisher.send(cloud_event(1))

    [request] = fault.requests
    assert (request.operation, request.topic, request.subscription) == (
        "publish",
        "test-topic",
        None,
    )
    assert request.method == "POST"
    assert request.url == (
        "https://test-namespace.westus-1.eventgrid.azure.net/topics/test-topic:publish"
        "?api-version=2024-06-01"
    )
    assert request.header("content-type") == "application/cloudevents-batch+json; charset=utf-8"
    assert request.header("CONTENT-TYPE") == request.header("Content-Type")
    assert request.header("x-not-sent") is None
    assert [event["id"] for event in request.json()] == ["e1"]  # type: ignore[union-attr]
    assert json.loads(request.body) == request.json()
    assert request.lock_tokens == []


async def test_a_fault_for_any_operation_catches_the_next_request(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    fault = eventgrid.fail(None, faults.status(409))

    with pytest.raises(ResourceExistsError):
        await consumer.receive()
    await publisher.send(cloud_event(1))

    assert [request.operation for request in fault.requests] == ["receive"]


async def test_the_first_matching_fault_wins(eventgrid: EventGrid, publisher: Publisher) -> None:
    first = eventgrid.fail("publish", faults.status(409))
    second = eventgrid.fail("publish", faults.status(400))

    statuses = []
    for number in (1, 2, 3):
        try:
            await publisher.send(cloud_event(number))
            statuses.append(200)
        except HttpResponseError as error:
            statuses.append(error.status_code)

    assert statuses == [409, 400, 200]
    assert (first.fired, second.fired) == (1, 1)
    assert eventgrid.faults == [first, second]


async def test_a_sequence_answers_each_request_in_turn(
    eventgrid: EventGrid, publisher: Publisher
) -> None:
    fault = eventgrid.fail("publish", [faults.status(409), faults.ok(), faults.status(400)])

    statuses = [await status_of(publisher, number) for number in range(1, 5)]

    assert statuses == [409, 200, 400, 200]  # then the fault is spent
    assert (fault.fired, fault.times) == (3, 3)


@pytest.mark.parametrize("times", [1, 2, 5])
async def test_times_is_how_many_requests_a_fault_catches(
    eventgrid: EventGrid, publisher: Publisher, times: int
) -> None:
    fault = eventgrid.fail("publish", faults.status(409), times=times)

    statuses = [await status_of(publisher, number) for number in range(6)]

    assert statuses == [409] * times + [200] * (6 - times)
    assert fault.fired == times


async def test_a_sequence_shorter_than_times_repeats_its_last_step(
    eventgrid: EventGrid, publisher: Publisher
) -> None:
    eventgrid.fail("publish", [faults.ok(), faults.status(409)], times=4)

    statuses = [await status_of(publisher, number) for number in range(5)]

    assert statuses == [200, 409, 409, 409, 200]


async def test_times_none_catches_every_matching_request(
    eventgrid: EventGrid, publisher: Publisher
) -> None:
    fault = eventgrid.fail("publish", faults.status(409), times=None)

    statuses = [await status_of(publisher, number) for number in range(20)]

    assert statuses == [409] * 20
    assert fault.fired == 20


async def status_of(publisher: Publisher, number: int) -> int:
    """The status a publish of event `e<number>` got (409 and 400 are not retried)."""
    try:
        await publisher.send(cloud_event(number))
    except HttpResponseError as error:
        return error.status_code or 0
    return 200


# -- probability ----------------------------------------------------------------------------


def caught(seed: int, probability: float = 0.5, requests: int = 32) -> list[bool]:
    """Which of `requests` publishes a fault of `probability` caught, under `seed`."""
    fake = EventGrid(seed=seed)
    fault = fake.fail("publish", faults.status(409), probability=probability)
    pattern = []
    with fake.publisher() as client:
        for number in range(requests):
            before = fault.fired
            with contextlib.suppress(ResourceExistsError):
                client.send([cloud_event(number)])
            pattern.append(fault.fired > before)
    return pattern


async def test_probability_is_the_same_under_the_same_seed() -> None:
    first = caught(seed=7)

    assert caught(seed=7) == first
    assert True in first
    assert False in first


async def test_probability_differs_under_another_seed() -> None:
    assert caught(seed=7) != caught(seed=8)


async def test_probability_one_catches_every_request() -> None:
    assert caught(seed=7, probability=1.0) == [True] * 32


async def test_probability_catches_every_request_by_default(
    eventgrid: EventGrid, publisher: Publisher
) -> None:
    fault = eventgrid.fail("publish", faults.status(409), probability=1.0)

    for number in range(3):
        await status_of(publisher, number)

    assert (fault.fired, fault.times) == (3, None)


async def test_probability_with_times_stops_after_times(
    eventgrid: EventGrid, publisher: Publisher
) -> None:
    fault = eventgrid.fail("publish", faults.status(409), probability=1.0, times=2)

    statuses = [await status_of(publisher, number) for number in range(3)]

    assert statuses == [409, 409, 200]
    assert fault.fired == 2


# -- describe -------------------------------------------------------------------------------


def shop_only(request: object) -> bool:
    return True


@pytest.mark.parametrize(
    ("script", "described"),
    [
        (lambda eg: eg.fail("publish", faults.status(503)), "fail('publish', 503)"),
        (
            lambda eg: eg.fail("receive", faults.throttle(retry_after=5), times=2),
            "fail('receive', 429, Retry-After 5, times=2)",
        ),
        (
            lambda eg: eg.fail("publish", [faults.status(503), faults.ok()], topic="orders"),
            "fail('publish', 503, ok, topic='orders')",
        ),
        (
            lambda eg: eg.fail("acknowledge", faults.lose_tokens(fraction=0.5), probability=0.2),
            "fail('acknowledge', TokenLost for 0.5 of the tokens, probability=0.2)",
        ),
        (
            lambda eg: eg.fail("receive", faults.latency(30), subscription="s", when=shop_only),
            "fail('receive', latency 30s, subscription='s', when=shop_only)",
        ),
        (
            lambda eg: eg.fail(None, faults.read_timeout(), times=None),
            "fail(None, read timeout, times=None)",
        ),
        (
            lambda eg: eg.fail("release", faults.bad_token(["t1", "t2"])),
            "fail('release', BadToken for 2 chosen tokens)",
        ),
        (
            lambda eg: eg.fail("receive", faults.short_receive(2)),
            "fail('receive', at most 2 events)",
        ),
    ],
)
async def test_a_fault_describes_itself_as_scripted(script: object, described: str) -> None:
    fault = script(EventGrid())  # type: ignore[operator]

    assert fault.describe() == described
