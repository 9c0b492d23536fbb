"""Faults of the lock tokens of a settlement (`lose_tokens()`, `bad_token()`), and
short receives, through the sync and the async consumer."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from pytest_eventgrid import EventGrid, faults
from tests._clients import (
    Consumer,
    Publisher,
    cloud_event,
    event_ids,
    failures,
    lock_tokens,
)

pytestmark = pytest.mark.asyncio

TOKEN_LOST = ("TokenLost", "Token has expired.")
BAD_TOKEN = ("BadToken", "Cannot decode lockToken")
SETTLEMENTS = ("acknowledge", "release", "reject", "renew_locks")


async def receive_all(publisher: Publisher, consumer: Consumer, count: int) -> list[str]:
    """Publish `count` events e0, e1, ... and receive them all; their lock tokens."""
    await publisher.send(*(cloud_event(number) for number in range(count)))
    return lock_tokens(await consumer.receive(max_events=count))


@pytest.mark.parametrize("operation", SETTLEMENTS)
async def test_a_lost_token_frees_its_event_for_the_next_delivery(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer, operation: str
) -> None:
    [token] = await receive_all(publisher, consumer, 1)
    eventgrid.fail(operation, faults.lose_tokens())

    result = await getattr(consumer, operation)(token)
    [again] = await consumer.receive()

    assert result.succeeded_lock_tokens == []
    assert failures(result) == [(token, *TOKEN_LOST)]
    assert (again.event.id, again.broker_properties.delivery_count) == ("e0", 2)
    assert again.broker_properties.lock_token != token
    assert eventgrid.clock.now() == 0  # available at once, as after an expired lock
    [expired] = eventgrid.subscription().expired_locks
    assert (expired.id, expired.lock_token) == ("e0", token)


async def test_a_lost_token_is_in_the_timeline_with_the_others(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    tokens = await receive_all(publisher, consumer, 2)
    eventgrid.fail("acknowledge", faults.lose_tokens([tokens[1]]))

    await consumer.acknowledge(*tokens)

    lost, acknowledge = eventgrid.timeline[-2:]
    assert (lost.operation, [item.outcome for item in lost.items]) == (
        "lock_lost",
        ["lock lost, available again"],
    )
    assert acknowledge.operation == "acknowledge"
    assert [(item.lock_token, item.outcome) for item in acknowledge.items] == [
        (tokens[0], "ok"),
        (tokens[1], "TokenLost"),
    ]
    assert eventgrid.calls.last.lock_tokens == tuple(tokens)


async def test_chosen_tokens_fail_and_the_others_are_settled(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    tokens = await receive_all(publisher, consumer, 3)
    eventgrid.fail("acknowledge", faults.lose_tokens([tokens[1]]))

    result = await consumer.acknowledge(*tokens)

    assert result.succeeded_lock_tokens == [tokens[0], tokens[2]]
    assert failures(result) == [(tokens[1], *TOKEN_LOST)]
    subscription = eventgrid.subscription()
    assert [event.id for event in subscription.acknowledged] == ["e0", "e2"]
    assert [event.id for event in subscription.available] == ["e1"]


async def test_a_fault_for_chosen_tokens_waits_for_a_request_that_carries_one(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    tokens = await receive_all(publisher, consumer, 2)
    fault = eventgrid.fail("acknowledge", faults.lose_tokens([tokens[1]]))

    first = await consumer.acknowledge(tokens[0])
    second = await consumer.acknowledge(tokens[1])

    assert (first.succeeded_lock_tokens, failures(first)) == ([tokens[0]], [])
    assert failures(second) == [(tokens[1], *TOKEN_LOST)]
    assert [request.lock_tokens for request in fault.requests] == [[tokens[1]]]


async def test_a_bad_token_changes_nothing(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    tokens = await receive_all(publisher, consumer, 2)
    eventgrid.fail("acknowledge", faults.bad_token([tokens[0]]))

    result = await consumer.acknowledge(*tokens)
    retried = await consumer.acknowledge(tokens[0])

    assert result.succeeded_lock_tokens == [tokens[1]]
    assert failures(result) == [(tokens[0], *BAD_TOKEN)]
    assert retried.succeeded_lock_tokens == [tokens[0]]  # its lock was never touched
    subscription = eventgrid.subscription()
    assert [event.id for event in subscription.acknowledged] == ["e1", "e0"]
    assert subscription.expired_locks == []


async def test_a_bad_token_reaches_the_fake_corrupted(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    [token] = await receive_all(publisher, consumer, 1)
    eventgrid.fail("release", faults.bad_token())

    await consumer.release(token)

    assert eventgrid.calls.last.lock_tokens == (f"bad:{token}",)
    assert [item.outcome for item in eventgrid.timeline[-1].items] == ["BadToken"]


async def test_lose_tokens_can_answer_bad_token_for_all(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    tokens = await receive_all(publisher, consumer, 2)
    eventgrid.fail("reject", faults.lose_tokens(code="BadToken"))

    result = await consumer.reject(*tokens)

    assert result.succeeded_lock_tokens == []
    assert failures(result) == [(token, *BAD_TOKEN) for token in tokens]
    assert [event.id for event in eventgrid.subscription().locked] == ["e0", "e1"]


def lost_with_fraction(seed: int, fraction: float, count: int = 20) -> list[int]:
    """Which of `count` tokens a `lose_tokens(fraction=)` fault lost, under `seed`."""
    fake = EventGrid(seed=seed)
    fake.subscription()
    with fake.publisher() as publisher, fake.consumer() as consumer:
        publisher.send([cloud_event(number) for number in range(count)])
        tokens = lock_tokens(consumer.receive(max_events=count))
        fake.fail("acknowledge", faults.lose_tokens(fraction=fraction))
        result = consumer.acknowledge(lock_tokens=tokens)
    lost = {failed.lock_token for failed in result.failed_lock_tokens}
    assert lost | set(result.succeeded_lock_tokens) == set(tokens)
    return [index for index, token in enumerate(tokens) if token in lost]


async def test_a_fraction_of_the_tokens_is_lost_the_same_way_under_the_same_seed() -> None:
    lost = lost_with_fraction(seed=3, fraction=0.5)

    assert 0 < len(lost) < 20
    assert lost_with_fraction(seed=3, fraction=0.5) == lost
    assert lost_with_fraction(seed=4, fraction=0.5) != lost


@pytest.mark.parametrize(("fraction", "lost"), [(0.0, []), (1.0, list(range(20)))])
async def test_fraction_zero_loses_none_and_one_loses_all(fraction: float, lost: list[int]) -> None:
    assert lost_with_fraction(seed=3, fraction=fraction) == lost


async def test_a_status_on_a_settlement_keeps_the_lock_until_it_expires(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    [token] = await receive_all(publisher, consumer, 1)
    eventgrid.fail("acknowledge", faults.status(503), times=4)

    with pytest.raises(HttpResponseError, match="ServiceUnavailable"):
        await consumer.acknowledge(token)
    [again] = await consumer.receive()

    assert [event.id for event in eventgrid.subscription().expired_locks] == ["e0"]
    assert again.broker_properties.delivery_count == 2
    assert eventgrid.clock.now() == 60  # the lock duration: the receive waited for it


# -- short receives -------------------------------------------------------------------------


async def test_a_short_receive_returns_fewer_events_than_available(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    await publisher.send(*(cloud_event(number) for number in range(5)))
    fault = eventgrid.fail("receive", faults.short_receive(2))

    short = await consumer.receive(max_events=10)
    rest = await consumer.receive(max_events=10)

    assert (event_ids(short), event_ids(rest)) == (["e0", "e1"], ["e2", "e3", "e4"])
    assert fault.fired == 1
    assert [event.id for event in eventgrid.subscription().locked] == ["e0", "e1", "e2", "e3", "e4"]


async def test_a_short_receive_never_asks_for_more_than_the_client(
    eventgrid: EventGrid, publisher: Publisher, consumer: Consumer
) -> None:
    await publisher.send(*(cloud_event(number) for number in range(5)))
    eventgrid.fail("receive", faults.short_receive(3), times=2)

    first = await consumer.receive()  # max_events defaults to 1
    second = await consumer.receive(max_events=2)

    assert (event_ids(first), event_ids(second)) == (["e0"], ["e1", "e2"])
