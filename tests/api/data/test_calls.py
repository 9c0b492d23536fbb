"""`calls`: the requests the fake served, with their decoded events, as a mock would list them."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioConsumer
from azure.eventgrid.aio import EventGridPublisherClient as AioPublisher

from pytest_eventgrid import Call, CallList, EventGrid, JournalEntry, JournalItem
from pytest_eventgrid._api.calls import Scope
from pytest_eventgrid._broker import Journal

EVENTS = [
    CloudEvent(id="order-1", source="/shop", type="Order.Created", data={"total": 1}),
    CloudEvent(id="order-2", source="/shop", type="Order.Created", data={"total": 2}),
]
REJECTED = CloudEvent(id="bad", source="", type="Order.Created")  # the service wants a source


def check_calls(eventgrid: EventGrid) -> None:
    """What the scenario below leaves in the call history, whichever client ran it."""
    calls = eventgrid.calls
    assert [(c.operation, c.status) for c in calls] == [
        ("publish", 200),
        ("publish", 400),
        ("receive", 200),
        ("acknowledge", 200),
        ("release", 200),
    ]
    publish, rejected, receive, acknowledge, release = calls
    assert [e.data for e in publish.events] == [{"total": 1}, {"total": 2}]
    assert (rejected.ok, rejected.events) == (False, ())
    assert rejected.detail == "BadRequest: `source` must be non-empty string"
    assert [e.id for e in receive.events] == ["order-1", "order-2"]
    assert acknowledge.lock_tokens == receive.lock_tokens[:1]
    assert [e.id for e in acknowledge.events] == ["order-1"]
    assert (release.events, release.detail) == ((), "")  # its token was already settled
    assert release.entry is not None
    assert release.entry.items[0].outcome == "TokenLost"

    assert calls.call_count == 5
    assert calls.last == release
    calls.filter("publish", status=400).assert_called_once()
    calls.filter("renew_locks").assert_not_called()
    assert eventgrid.topic("test-topic").calls == calls
    assert eventgrid.subscription().calls == calls[2:]
    assert eventgrid.topic("other").calls == []


def test_calls_of_the_sync_clients(
    eventgrid: EventGrid,
    eventgrid_publisher_sync: EventGridPublisherClient,
    eventgrid_consumer_sync: EventGridConsumerClient,
) -> None:
    eventgrid_publisher_sync.send(EVENTS)
    with pytest.raises(HttpResponseError):
        eventgrid_publisher_sync.send([REJECTED])
    first, _ = eventgrid_consumer_sync.receive(max_events=2)
    tokens = [first.broker_properties.lock_token]
    eventgrid_consumer_sync.acknowledge(lock_tokens=tokens)
    eventgrid_consumer_sync.release(lock_tokens=tokens)

    check_calls(eventgrid)


@pytest.mark.asyncio
async def test_calls_of_the_async_clients(
    eventgrid: EventGrid, eventgrid_publisher: AioPublisher, eventgrid_consumer: AioConsumer
) -> None:
    await eventgrid_publisher.send(EVENTS)
    with pytest.raises(HttpResponseError):
        await eventgrid_publisher.send([REJECTED])
    first, _ = await eventgrid_consumer.receive(max_events=2)
    tokens = [first.broker_properties.lock_token]
    await eventgrid_consumer.acknowledge(lock_tokens=tokens)
    await eventgrid_consumer.release(lock_tokens=tokens)

    check_calls(eventgrid)


def test_a_new_fake_has_no_calls(eventgrid: EventGrid) -> None:
    eventgrid.topic("orders").subscription("billing")  # looking is not a call
    eventgrid.clock.advance(3600)

    assert (eventgrid.calls.called, eventgrid.calls.call_count) == (False, 0)
    eventgrid.calls.assert_not_called()
    with pytest.raises(AssertionError, match="Expected at least one call on the fake Event Grid"):
        eventgrid.calls.assert_called()


def test_last_of_an_empty_list_says_no_call_was_made(eventgrid: EventGrid) -> None:
    with pytest.raises(AssertionError) as raised:
        eventgrid.calls.filter("receive", status=200).last  # noqa: B018

    assert str(raised.value) == (
        "No call to give as `last`: expected at least one 'receive' call with status 200 on "
        "the fake Event Grid, got none.\nSee https://pytest-eventgrid.readthedocs.io/en/latest/guide/assertions/"
        "#call-history"
    )


def test_call_lists_slice_into_call_lists() -> None:
    calls = CallList(
        [Call("publish", 0.0, "ns", "t", None, 200), Call("receive", 1.0, "ns", "t", "s", 200)],
        where="on topic 't'",
    )

    assert isinstance(calls[1:], CallList)
    assert repr(calls[1:]) == "<CallList: 1 call on topic 't'>"
    assert repr(calls.filter("publish", status=200)) == (
        "<CallList: 1 'publish' call with status 200 on topic 't'>"
    )
    assert repr(calls.filter(status=500)) == "<CallList: 0 calls with status 500 on topic 't'>"


def test_only_requests_are_calls() -> None:
    journal = Journal()
    grid_event = {"id": "g-1", "subject": "s", "eventType": "T", "data": {}, "dataVersion": "1"}
    grid_event |= {"eventTime": "2025-01-01T00:00:00Z", "topic": "/t"}
    for entry in [
        JournalEntry(0.0, "create_topic", "ns", "t"),
        JournalEntry(0.0, "send", "ns", "t", events=(grid_event, {"custom": True})),
        JournalEntry(60.0, "lock_expired", "ns", "t", "s", items=(JournalItem("g-1"),)),
        JournalEntry(61.0, "GET /nowhere", "ns", status=404, detail="NotFound: no route"),
    ]:
        journal.record(entry)

    send, refused = Scope(journal).calls()

    assert [type(event).__name__ for event in send.events] == ["EventGridEvent", "dict"]
    assert send.describe() == "t=0.000s send t -> 200 events=['g-1', None]"
    assert refused.describe() == "t=61.000s GET /nowhere -> 404 NotFound: no route"
