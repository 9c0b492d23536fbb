"""Each liberty of chaos mode on its own, through the real SDK clients.

Every test runs twice, through the sync and the async clients (the `door` fixture).
A liberty is switched on with a chance of 1, so it is taken every time; switching
chaos off again (`eventgrid.chaos()`) then shows what the broker left behind.
"""

from __future__ import annotations

import pytest

from pytest_eventgrid import EventGrid

from ._support import (
    TOKEN_LOST,
    Consumer,
    Publisher,
    cloud_event,
    consume,
    event_ids,
    failures,
    lock_tokens,
)

pytestmark = pytest.mark.asyncio

TEN = [f"e{number}" for number in range(10)]


async def publish_ten(publisher: Publisher) -> None:
    await publisher.send(*(cloud_event(number) for number in range(10)))


async def test_duplicates_deliver_an_acknowledged_event_again_under_a_new_lock(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    eventgrid.chaos(duplicates=1.0)
    await publisher.send(cloud_event(1))
    [first] = await consumer.receive()

    acknowledged = await consumer.acknowledge(*lock_tokens([first]))

    assert acknowledged.succeeded_lock_tokens == lock_tokens([first])
    subscription = eventgrid.subscription()
    assert [(event.id, event.delivery_count) for event in subscription.available] == [("e1", 0)]

    eventgrid.chaos()
    [again] = await consumer.receive()
    await consumer.acknowledge(*lock_tokens([again]))

    assert (again.event.id, again.event.data) == ("e1", {"n": 1})
    assert again.broker_properties.delivery_count == 1  # a new delivery, not a redelivery
    assert lock_tokens([again]) != lock_tokens([first])
    assert [event.id for event in subscription.acknowledged] == ["e1", "e1"]
    subscription.assert_settled_all()


@pytest.mark.eventgrid(seed=1)
async def test_reorder_hands_events_out_of_publish_order_but_loses_none(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    eventgrid.chaos(reorder=True)
    await publish_ten(publisher)

    deliveries = await consume(eventgrid, consumer, max_events=3)

    received = event_ids(deliveries)
    assert received != TEN
    assert sorted(received) == sorted(TEN)  # each exactly once
    assert [detail.broker_properties.delivery_count for detail in deliveries] == [1] * 10
    eventgrid.subscription().assert_settled_all()


async def test_early_lock_expiry_ends_a_lock_before_the_lock_duration(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    eventgrid.chaos(early_lock_expiry=1.0)
    await publisher.send(cloud_event(1), cloud_event(2))
    received = await consumer.receive(max_events=10)
    subscription = eventgrid.subscription()
    lock_duration = subscription.settings.lock_duration

    # Received at 0 s: each lock ends at once, or after at most half the duration.
    expired_at_once = {event.id for event in subscription.available}
    assert all(event.locked_until <= lock_duration / 2 for event in subscription.locked)
    assert len(expired_at_once) + len(subscription.locked) == 2
    eventgrid.clock.advance(lock_duration / 2)  # the consumer works for half the duration
    result = await consumer.acknowledge(*lock_tokens(received))

    assert result.succeeded_lock_tokens == []
    assert sorted(failures(result)) == sorted(
        (token, *TOKEN_LOST) for token in lock_tokens(received)
    )
    assert sorted(event.id for event in subscription.expired_locks) == ["e1", "e2"]

    eventgrid.chaos()
    again = await consumer.receive(max_events=10)
    await consumer.acknowledge(*lock_tokens(again))

    assert sorted((d.event.id, d.broker_properties.delivery_count) for d in again) == [
        ("e1", 2),
        ("e2", 2),
    ]
    subscription.assert_settled_all()


async def test_short_batches_return_fewer_events_than_available(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    eventgrid.chaos(short_batches=1.0)
    await publish_ten(publisher)

    first = await consumer.receive(max_events=10)

    assert 1 <= len(first) < 10
    subscription = eventgrid.subscription()
    assert event_ids(first) + [event.id for event in subscription.available] == TEN

    await consumer.acknowledge(*lock_tokens(first))
    rest = await consume(eventgrid, consumer)

    assert event_ids(first + rest) == TEN  # in order, each once: only the batches were short
    assert len(rest) == 10 - len(first)


@pytest.mark.parametrize("settle", ["acknowledge", "release", "reject"])
async def test_token_lost_fails_a_settlement_of_a_live_lock_and_the_event_comes_back(
    settle: str, eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    eventgrid.chaos(token_lost=1.0)
    await publisher.send(cloud_event(1))
    [first] = await consumer.receive()
    [token] = lock_tokens([first])

    result = await getattr(consumer, settle)(token)

    assert result.succeeded_lock_tokens == []
    assert failures(result) == [(token, *TOKEN_LOST)]
    subscription = eventgrid.subscription()
    assert [(e.id, e.state, e.delivery_count) for e in subscription.available] == [
        ("e1", "available", 1)
    ]
    assert [event.lock_token for event in subscription.expired_locks] == [token]
    assert subscription.acknowledged == subscription.released == subscription.rejected == []
    assert eventgrid.clock.now() == 0  # the lock was lost at once, not timed out

    eventgrid.chaos()
    [again] = await consumer.receive()

    assert (again.event.id, again.broker_properties.delivery_count) == ("e1", 2)
    assert lock_tokens([again]) != [token]


@pytest.mark.eventgrid(chaos=True, seed=3)
async def test_every_event_ends_settled_when_the_consumer_keeps_going(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    events = [cloud_event(number) for number in range(20)]
    await publisher.send(*events)

    # Each batch takes 30 s of work, so locks that expire early are lost too.
    deliveries = await consume(eventgrid, consumer, processing=30)

    subscription = eventgrid.subscription()
    published = sorted(event.id for event in events)
    assert sorted(set(event_ids(deliveries))) == published
    assert sorted({event.id for event in subscription.acknowledged}) == published
    assert subscription.dead_lettered == []
    subscription.assert_settled_all()
    # The default mix took every liberty: more deliveries than events, some lost.
    assert len(deliveries) > len(events)
    assert subscription.expired_locks != []
