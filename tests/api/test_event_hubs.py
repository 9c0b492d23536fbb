"""Event Hubs destinations of namespace push subscriptions: each batch is recorded on
the hub's view with its message properties; no handshake; a "deliver" fault makes the
destination fail, along the namespace retry schedule; declared too; sync and async."""

from __future__ import annotations

import json

import pytest
from azure.core.messaging import CloudEvent

from pytest_eventgrid import EventGrid, UsageError, faults, mock_eventgrid

HUB = {"event_hub": "orders-hub"}


def order(number: int = 1) -> CloudEvent:  # type: ignore[type-arg]
    return CloudEvent(
        source="/shop", type="Order.Created", data={"n": number}, id=f"order-{number}"
    )


def publish(eventgrid: EventGrid, *events: CloudEvent, topic: str = "orders") -> None:  # type: ignore[type-arg]
    with eventgrid.publisher(topic) as publisher:
        publisher.send(list(events))


async def publish_async(eventgrid: EventGrid, *events: CloudEvent) -> None:  # type: ignore[type-arg]
    async with eventgrid.aio_publisher("orders") as publisher:
        await publisher.send(list(events))


def system_properties(subscription: str, delivery_count: int, event_id: str) -> dict[str, str]:
    return {
        "aeg-subscription-name": subscription,
        "aeg-delivery-count": str(delivery_count),
        "aeg-output-event-id": event_id,
        "aeg-compatibility-mode-enabled": "false",
        "aeg-metadata-version": "1.0",
    }


# -- recording -------------------------------------------------------------------------------


def test_each_batch_is_recorded_with_its_message_properties(eventgrid: EventGrid) -> None:
    hub = eventgrid.event_hub("orders-hub")
    view = eventgrid.topic("orders").subscribe("to-hub", hub)
    assert view.validation == "succeeded"  # no handshake: not a webhook
    publish(eventgrid, order(1), order(2))
    attempts = eventgrid.deliver()
    assert [(a.status, a.outcome, a.delivery_count) for a in attempts] == [
        (201, "Succeeded", 0)
    ] * 2
    first, _ = hub.batches
    assert (first.topic, first.subscription, first.time) == ("orders", "to-hub", 0)
    [message] = first.messages
    assert message.properties == system_properties("TO-HUB", 0, "order-1")
    assert message.partition_key is None
    assert isinstance(message.event, CloudEvent)
    assert (message.event.id, message.event.data) == ("order-1", {"n": 1})
    assert [event.data for event in hub.events] == [{"n": 1}, {"n": 2}]
    assert [event["id"] for event in view.delivered] == ["order-1", "order-2"]
    assert [e.operation for e in eventgrid.timeline][-2:] == ["deliver", "deliver"]


def test_a_batching_subscription_sends_its_events_as_messages_of_one_batch(
    eventgrid: EventGrid,
) -> None:
    hub = eventgrid.event_hub("orders-hub")
    eventgrid.topic("orders").subscribe("to-hub", hub, max_events_per_batch=10)
    publish(eventgrid, order(1), order(2), order(3))
    [attempt] = eventgrid.deliver()
    [batch] = hub.batches
    assert len(attempt.events) == 3
    assert [message.event.id for message in batch.messages] == ["order-1", "order-2", "order-3"]
    assert [message.properties["aeg-output-event-id"] for message in batch.messages] == [
        "order-1",
        "order-2",
        "order-3",
    ]


def test_subscriptions_that_name_the_same_hub_share_it(eventgrid: EventGrid) -> None:
    eventgrid.topic("orders").subscribe("a", eventgrid.event_hub("orders-hub"))
    eventgrid.topic("refunds").subscribe("b", HUB)  # the declaration's shape works too
    publish(eventgrid, order(1))
    publish(eventgrid, order(2), topic="refunds")
    eventgrid.deliver()
    hub = eventgrid.event_hub("orders-hub")
    assert [(b.topic, b.subscription) for b in hub.batches] == [("orders", "a"), ("refunds", "b")]
    assert eventgrid.event_hub("another-hub").batches == []


def test_the_filter_applies(eventgrid: EventGrid) -> None:
    hub = eventgrid.event_hub("orders-hub")
    eventgrid.topic("orders").subscribe(
        "to-hub", hub, filter={"includedEventTypes": ["Order.Shipped"]}
    )
    publish(eventgrid, order(1))
    assert eventgrid.deliver() == []
    assert hub.batches == []


@pytest.mark.asyncio
async def test_deliver_async_records_too(eventgrid: EventGrid) -> None:
    hub = eventgrid.event_hub("orders-hub")
    eventgrid.topic("orders").subscribe("to-hub", hub)
    await publish_async(eventgrid, order(1))
    [attempt] = await eventgrid.deliver_async(drain=True)
    assert attempt.outcome == "Succeeded"
    assert [event.id for event in hub.events] == ["order-1"]


# -- failing through the fault script --------------------------------------------------------


def test_a_deliver_fault_makes_the_hub_fail_along_the_retry_schedule(eventgrid: EventGrid) -> None:
    hub = eventgrid.event_hub("orders-hub")
    view = eventgrid.topic("orders").subscribe("to-hub", hub)
    fault = eventgrid.fail(
        "deliver", [faults.status(500), faults.connection_refused()], subscription="to-hub"
    )
    publish(eventgrid, order(1))
    attempts = eventgrid.deliver(drain=True)
    assert [(a.time, a.status, a.outcome) for a in attempts] == [
        (0, 500, "GenericError"),
        (10, None, "TimedOut"),
        (30, 201, "Succeeded"),
    ]
    assert "connection refused" in (attempts[1].error or "")
    [batch] = hub.batches
    assert batch.time == 30
    assert batch.messages[0].properties["aeg-delivery-count"] == "2"
    assert view.dead_lettered == []
    assert fault.fired == 2
    assert [request.operation for request in fault.requests] == ["deliver", "deliver"]


def test_a_hub_that_keeps_failing_dead_letters(eventgrid: EventGrid) -> None:
    hub = eventgrid.event_hub("orders-hub")
    view = eventgrid.topic("orders").subscribe("to-hub", hub, max_delivery_count=3)
    eventgrid.fail("deliver", faults.status(503), times=None)
    publish(eventgrid, order(1))
    attempts = eventgrid.deliver(drain=True)
    assert [a.time for a in attempts] == [0, 30, 60]  # a 503 waits 30 s at least
    [dead] = view.dead_lettered
    assert dead.reason == "MaxDeliveryAttemptsExceeded"
    assert dead.dead_letter_properties["deliveryresult"] == "Busy"
    assert hub.batches == []


def test_a_status_never_retried_dead_letters_at_once(eventgrid: EventGrid) -> None:
    view = eventgrid.topic("orders").subscribe("to-hub", HUB)
    eventgrid.fail("deliver", faults.status(403))
    publish(eventgrid, order(1))
    [attempt] = eventgrid.deliver(drain=True)
    assert attempt.outcome == "Forbidden"
    [dead] = view.dead_lettered
    assert dead.dead_letter_properties["deadletterreason"] == "Undeliverable due to client error"


def test_a_deliver_fault_reads_the_messages_with_when(eventgrid: EventGrid) -> None:
    hub = eventgrid.event_hub("orders-hub")
    eventgrid.topic("orders").subscribe("to-hub", hub)
    eventgrid.fail(
        "deliver",
        faults.status(500),
        when=lambda request: request.json()[0]["body"]["data"] == {"n": 2},  # type: ignore[index]
    )
    publish(eventgrid, order(1), order(2))
    attempts = eventgrid.deliver()
    assert [(a.events[0]["id"], a.status) for a in attempts] == [("order-1", 201), ("order-2", 500)]
    assert [event.id for event in hub.events] == ["order-1"]


def test_a_deliver_fault_catches_webhook_deliveries_too(eventgrid: EventGrid) -> None:
    eventgrid.topic("orders").subscribe("hook", lambda request: 200, validate=False)
    eventgrid.fail("deliver", faults.read_timeout(), topic="orders")
    publish(eventgrid, order(1))
    attempts = eventgrid.deliver(drain=True)
    assert [(a.status, a.outcome) for a in attempts] == [(None, "TimedOut"), (200, "Succeeded")]


def test_a_fault_for_any_operation_does_not_catch_deliveries(eventgrid: EventGrid) -> None:
    hub = eventgrid.event_hub("orders-hub")
    eventgrid.topic("orders").subscribe("to-hub", hub)
    publish(eventgrid, order(1))
    eventgrid.fail(None, faults.status(503), optional=True)
    [attempt] = eventgrid.deliver()
    assert attempt.outcome == "Succeeded"
    assert eventgrid.faults[0].fired == 0


@pytest.mark.asyncio
async def test_a_deliver_fault_applies_to_deliver_async(eventgrid: EventGrid) -> None:
    hub = eventgrid.event_hub("orders-hub")
    eventgrid.topic("orders").subscribe("to-hub", hub)
    eventgrid.fail("deliver", faults.connection_reset(), subscription="to-hub")
    await publish_async(eventgrid, order(1))
    attempts = await eventgrid.deliver_async(drain=True)
    assert [a.outcome for a in attempts] == ["TimedOut", "Succeeded"]
    assert len(hub.batches) == 1


def test_a_deliver_fault_takes_only_what_a_destination_can_answer(eventgrid: EventGrid) -> None:
    with pytest.raises(UsageError, match=r"fail\('deliver'\) of .*an answer of the destination"):
        eventgrid.fail("deliver", faults.short_receive(1))
    with pytest.raises(UsageError, match="did you mean 'deliver'"):
        eventgrid.fail("delivr", faults.status(503))


# -- declared --------------------------------------------------------------------------------


@pytest.mark.eventgrid(
    topics={
        "orders": {"to-hub": {"endpoint": {"event_hub": "orders-hub"}, "max_delivery_count": 2}}
    }
)
def test_a_declared_event_hub_subscription(eventgrid: EventGrid) -> None:
    view = eventgrid.topic("orders").push_subscription("to-hub")
    assert view.validation == "succeeded"
    publish(eventgrid, order(1))
    eventgrid.deliver()
    assert [event.id for event in eventgrid.event_hub("orders-hub").events] == ["order-1"]


def test_the_declaration_is_json_and_the_same_everywhere() -> None:
    topics = json.loads(json.dumps({"orders": {"to-hub": {"endpoint": HUB}}}))
    with mock_eventgrid(topics=topics) as eventgrid:
        publish(eventgrid, order(1))
        eventgrid.deliver()
        assert len(eventgrid.event_hub("orders-hub").batches) == 1
    direct = EventGrid(topics=topics)
    assert direct.topic("orders").push_subscription("to-hub").validation == "succeeded"


def test_a_bad_destination_names_the_place() -> None:
    with pytest.raises(UsageError, match=r"topics=\{'orders': \{'to-hub': \.\.\.\}\}.*event_hub"):
        EventGrid(topics={"orders": {"to-hub": {"endpoint": {"eventhub": "x"}}}})
    with pytest.raises(UsageError, match="event_hub"):
        EventGrid(topics={"orders": {"to-hub": {"endpoint": {"event_hub": ""}}}})


def test_the_hub_view_checks_its_name(eventgrid: EventGrid) -> None:
    with pytest.raises(UsageError, match=r"event_hub\(name\)"):
        eventgrid.event_hub("")
    assert repr(eventgrid.event_hub("orders-hub")) == "<EventHubView orders-hub>"
