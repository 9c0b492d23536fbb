"""The real SDK clients, sync and async, end to end through the fake's transports.

Every test runs twice, through the sync and the async clients (the `door` fixture).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, ResourceNotFoundError
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioEventGridConsumerClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient
from azure.eventgrid.models import ReleaseDelay

from pytest_eventgrid import EventGrid
from tests._clients import Consumer, Door, Publisher, cloud_event, event_ids, failures, lock_tokens

pytestmark = pytest.mark.asyncio

HANG_GUARD = 5  # real seconds; never reached in a passing run

BAD_TOKEN = ("BadToken", "Cannot decode lockToken")
TOKEN_LOST = ("TokenLost", "Token has expired.")


async def test_publish_receive_acknowledge(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    await round_trip(eventgrid, publisher, consumer)


async def test_the_plugins_async_client_fixtures(
    eventgrid: EventGrid,
    eventgrid_publisher: AioEventGridPublisherClient,
    eventgrid_consumer: AioEventGridConsumerClient,
) -> None:
    await round_trip(eventgrid, Publisher(eventgrid_publisher), Consumer(eventgrid_consumer))


async def test_the_plugins_sync_client_fixtures(
    eventgrid: EventGrid,
    eventgrid_publisher_sync: EventGridPublisherClient,
    eventgrid_consumer_sync: EventGridConsumerClient,
) -> None:
    await round_trip(
        eventgrid, Publisher(eventgrid_publisher_sync), Consumer(eventgrid_consumer_sync)
    )


async def round_trip(eventgrid: EventGrid, publisher: Publisher, consumer: Consumer) -> None:
    await publisher.send(cloud_event(1), cloud_event(2), cloud_event(3))

    received = await consumer.receive(max_events=10)
    result = await consumer.acknowledge(*lock_tokens(received))

    assert event_ids(received) == ["e1", "e2", "e3"]
    assert [detail.broker_properties.delivery_count for detail in received] == [1, 1, 1]
    assert len(set(lock_tokens(received))) == 3
    assert result.succeeded_lock_tokens == lock_tokens(received)
    assert result.failed_lock_tokens == []
    subscription = eventgrid.subscription()
    assert [event.id for event in subscription.acknowledged] == ["e1", "e2", "e3"]
    assert subscription.available == subscription.locked == []


async def test_receive_takes_at_most_max_events(publisher: Publisher, consumer: Consumer) -> None:
    await publisher.send(*(cloud_event(number) for number in range(5)))

    assert event_ids(await consumer.receive()) == ["e0"]
    assert event_ids(await consumer.receive(max_events=3)) == ["e1", "e2", "e3"]
    assert event_ids(await consumer.receive(max_events=100)) == ["e4"]


@pytest.mark.parametrize(
    "data",
    [{"order": 7, "items": ["a", "b"], "paid": True}, "plain text", b"\x00\x01binary\xff"],
    ids=["dict", "str", "bytes"],
)
async def test_a_received_event_keeps_its_fields(
    publisher: Publisher, consumer: Consumer, data: object
) -> None:
    east = timezone(timedelta(hours=2))
    sent = cloud_event(
        1,
        data=data,
        subject="orders/7",
        time=datetime(2030, 1, 1, 14, 30, 5, 123456, tzinfo=east),
        dataschema="https://schemas.example/order",
        extensions={"tenant": "contoso", "priority": "7"},
    )
    await publisher.send(sent)

    received = (await consumer.receive_one()).event

    assert (received.id, received.source, received.type) == ("e1", "/tests", "Test.Event")
    assert received.data == data
    assert received.subject == "orders/7"
    assert received.dataschema == "https://schemas.example/order"
    assert received.extensions == {"tenant": "contoso", "priority": "7"}
    assert received.time == datetime(2030, 1, 1, 12, 30, 5, 123456, tzinfo=timezone.utc)
    assert received.time.utcoffset() == timedelta(0)


@pytest.mark.parametrize("delay", list(ReleaseDelay), ids=[delay.name for delay in ReleaseDelay])
async def test_a_release_redelivers_when_its_delay_ends(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer, delay: ReleaseDelay
) -> None:
    await publisher.send(cloud_event(1))
    first = await consumer.receive_one()
    eventgrid.clock.advance(5)

    result = await consumer.release(first.broker_properties.lock_token, delay=delay)
    received = await consumer.receive(max_wait_time=120)
    while not received:  # a delay longer than one wait takes several receives
        received = await consumer.receive(max_wait_time=120)

    assert result.succeeded_lock_tokens == [first.broker_properties.lock_token]
    assert eventgrid.clock.now() == 5 + int(delay.value)
    [second] = received
    assert second.event.id == "e1"
    assert second.broker_properties.delivery_count == 2
    assert second.broker_properties.lock_token != first.broker_properties.lock_token
    [released] = eventgrid.subscription().released
    assert (released.release_delay, released.recorded_at) == (int(delay.value), 5)


async def test_a_waiting_receive_returns_when_a_lock_expires(
    eventgrid: EventGrid, publisher: Publisher, door: Door
) -> None:
    holder, waiter = await door.consumer(), await door.consumer()
    await publisher.send(cloud_event(1))
    first = await holder.receive_one()

    second = await waiter.receive_one(max_wait_time=120)

    assert eventgrid.clock.now() == 60
    assert second.broker_properties.delivery_count == 2
    [expired] = eventgrid.subscription().expired_locks
    assert (expired.lock_token, expired.recorded_at) == (first.broker_properties.lock_token, 60)
    assert failures(await holder.acknowledge(first.broker_properties.lock_token)) == [
        (first.broker_properties.lock_token, *TOKEN_LOST)
    ]


async def test_reject_dead_letters_the_event(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    await publisher.send(cloud_event(1))
    token = (await consumer.receive_one()).broker_properties.lock_token

    result = await consumer.reject(token)

    assert (result.succeeded_lock_tokens, result.failed_lock_tokens) == ([token], [])
    assert await consumer.receive() == []
    [dead] = eventgrid.subscription().dead_lettered
    assert (dead.id, dead.dead_letter_reason) == ("e1", "Event was rejected by the consumer.")


async def test_renew_locks_keeps_the_token_past_the_first_lock(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    await publisher.send(cloud_event(1))
    token = (await consumer.receive_one()).broker_properties.lock_token
    eventgrid.clock.advance(50)

    renewed = await consumer.renew_locks(token)
    eventgrid.clock.advance(50)
    acknowledged = await consumer.acknowledge(token)

    assert renewed.succeeded_lock_tokens == [token]
    assert acknowledged.succeeded_lock_tokens == [token]
    assert eventgrid.subscription().expired_locks == []


@pytest.mark.parametrize("operation", ["acknowledge", "release", "reject", "renew_locks"])
async def test_failed_lock_tokens_carry_the_service_error(
    publisher: Publisher, consumer: Consumer, operation: str
) -> None:
    await publisher.send(cloud_event(1), cloud_event(2))
    spent, live = lock_tokens(await consumer.receive(max_events=2))
    await consumer.acknowledge(spent)

    result = await getattr(consumer, operation)("not-a-token", spent, live, live)

    assert result.succeeded_lock_tokens == [live]
    assert failures(result) == [
        ("not-a-token", *BAD_TOKEN),
        (spent, *TOKEN_LOST),
        (live, *TOKEN_LOST),
    ]


async def test_delivery_counts_rise_with_each_redelivery(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    eventgrid.subscription().configure(max_delivery_count=3)
    await publisher.send(cloud_event(1))

    counts = []
    for _ in range(3):  # a wait longer than the lock: one that ends with it answers empty
        received = await consumer.receive_one(max_wait_time=120)
        counts.append(received.broker_properties.delivery_count)
    # the third lock runs out: the event is dead-lettered, nothing is left to receive
    assert await consumer.receive(max_wait_time=120) == []

    assert counts == [1, 2, 3]
    [dead] = eventgrid.subscription().dead_lettered
    assert dead.dead_letter_reason == "Maximum delivery attempts was exceeded."
    assert dead.recorded_at == 180


# -- long polls on the virtual clock ---------------------------------------------------


@pytest.mark.parametrize(("max_wait_time", "waited"), [(None, 60), (10, 10), (120, 120)])
async def test_an_empty_receive_returns_after_max_wait_time_virtual_seconds(
    eventgrid: EventGrid, consumer: Consumer, max_wait_time: int | None, waited: int
) -> None:
    eventgrid.clock.advance(7)

    received = await asyncio.wait_for(
        consumer.receive(max_wait_time=max_wait_time), timeout=HANG_GUARD
    )

    assert received == []
    assert eventgrid.clock.now() == 7 + waited
    assert eventgrid.timeline[-1].detail == f"no events within maxWaitTime={waited}s"


@pytest.mark.eventgrid(autojump=False)
async def test_without_autojump_only_the_test_moves_time(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    await publisher.send(cloud_event(1))
    token = (await consumer.receive_one()).broker_properties.lock_token
    await consumer.release(token, delay=ReleaseDelay.TEN_SECONDS)

    assert await consumer.receive(max_wait_time=120) == []
    assert eventgrid.clock.now() == 0
    eventgrid.clock.advance(9.5)
    assert await consumer.receive() == []
    eventgrid.clock.advance(0.5)
    assert event_ids(await consumer.receive()) == ["e1"]
    assert eventgrid.clock.now() == 10


async def test_the_transport_sleeps_on_the_fake_clock(eventgrid: EventGrid, door: Door) -> None:
    await door.sleep(1.6)
    await door.sleep(3.2)

    assert eventgrid.clock.now() == pytest.approx(4.8)


# -- the fake's settings, as the SDK sees them -----------------------------------------


@pytest.mark.eventgrid(key="secret")
async def test_a_key_is_required_when_set(door: Door) -> None:
    wrong = AzureKeyCredential("not-the-key")
    message = (
        "The request authorization key is not authorized for "
        "TEST-NAMESPACE.WESTUS-1.EVENTGRID.AZURE.NET."
    )
    publisher = await door.publisher(credential=wrong)
    consumer = await door.consumer(credential=wrong)

    with pytest.raises(ClientAuthenticationError) as publish_error:
        await publisher.send(cloud_event(1))
    with pytest.raises(ClientAuthenticationError) as receive_error:
        await consumer.receive()

    for error in (publish_error.value, receive_error.value):
        assert (error.status_code, error.error.code, error.error.message) == (
            401,
            "Unauthorized",
            message,
        )
    right = await door.publisher(credential=AzureKeyCredential("secret"))
    await right.send(cloud_event(1))
    assert event_ids(await (await door.consumer()).receive()) == ["e1"]


@pytest.mark.eventgrid(auto_create=False)
async def test_unknown_names_are_not_found_without_auto_create(door: Door) -> None:
    publisher = await door.publisher("payments")
    consumer = await door.consumer(subscription="audit")
    known_topic_unknown_subscription = "(NotFound) Event subscription 'audit' is not found"

    with pytest.raises(ResourceNotFoundError) as publish_error:
        await publisher.send(cloud_event(1))
    with pytest.raises(ResourceNotFoundError) as receive_error:
        await consumer.receive()
    with pytest.raises(ResourceNotFoundError) as acknowledge_error:
        await consumer.acknowledge("token")

    assert str(publish_error.value.__cause__).startswith("(NotFound) Topic 'payments' is not found")
    assert str(receive_error.value).startswith(known_topic_unknown_subscription)
    assert str(acknowledge_error.value).startswith(known_topic_unknown_subscription)
    assert [topic.name for topic in door.eventgrid.namespace().topics] == ["test-topic"]
