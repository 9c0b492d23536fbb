"""Redelivery order and the long-poll deadline, through the real SDK clients (sync and
async), as recorded service traffic shows them (semantics §11)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from pytest_eventgrid import EventGrid
from tests._clients import Consumer, Door, Publisher, cloud_event, event_ids

from .._no_real_sleep import no_real_sleep  # noqa: F401 - an autouse fixture

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(params=["sync", "async"])
async def door(request: pytest.FixtureRequest) -> AsyncIterator[Door]:
    """The SDK clients of one flavour, on a fake of their own (60 s locks)."""
    async with contextlib.AsyncExitStack() as stack:
        yield Door(EventGrid(), request.param, stack)


@pytest_asyncio.fixture
async def publisher(door: Door) -> Publisher:
    return await door.publisher()


@pytest_asyncio.fixture
async def consumer(door: Door) -> Consumer:
    return await door.consumer()


def counted(received: list) -> list[tuple[str, int]]:  # type: ignore[type-arg]
    return [(d.event.id, d.broker_properties.delivery_count) for d in received]


async def test_an_expired_lock_is_redelivered_before_a_later_publish(
    door: Door, publisher: Publisher, consumer: Consumer
) -> None:
    await publisher.send(cloud_event(1))
    await consumer.receive_one()
    door.eventgrid.clock.advance(60)  # the lock ends unsettled
    await publisher.send(cloud_event(2))

    first = await consumer.receive(max_events=1)
    second = await consumer.receive(max_events=1)

    assert counted(first + second) == [("e1", 2), ("e2", 1)]


async def test_released_events_come_back_in_publish_order(
    door: Door, publisher: Publisher, consumer: Consumer
) -> None:
    await publisher.send(cloud_event(1), cloud_event(2), cloud_event(3))
    one, _, three = await consumer.receive(max_events=3)
    await consumer.release(three.broker_properties.lock_token)
    await consumer.release(one.broker_properties.lock_token, delay=10)
    door.eventgrid.clock.advance(10)

    assert event_ids(await consumer.receive(max_events=10)) == ["e1", "e3"]


async def test_a_lock_that_ends_at_the_deadline_leaves_that_receive_empty(
    door: Door, publisher: Publisher
) -> None:
    holder, waiter = await door.consumer(), await door.consumer()
    await publisher.send(cloud_event(1))
    await holder.receive_one()  # locked for 60 s

    waited = await waiter.receive(max_wait_time=60)
    clock = door.eventgrid.clock.now()
    again = await waiter.receive(max_wait_time=60)

    assert (waited, clock) == ([], 60)
    assert counted(again) == [("e1", 2)]
    assert door.eventgrid.clock.now() == 60


async def test_a_lock_that_ends_before_the_deadline_is_returned_to_the_waiting_receive(
    door: Door, publisher: Publisher
) -> None:
    holder, waiter = await door.consumer(), await door.consumer()
    await publisher.send(cloud_event(1))
    await holder.receive_one()

    again = await waiter.receive(max_wait_time=61)

    assert counted(again) == [("e1", 2)]
    assert door.eventgrid.clock.now() == 60
