"""Routing into a namespace topic: a Basic topic's, domain's or system topic's event
subscription whose destination is a namespace topic puts each matching event there, as
a CloudEvent; pull consumers receive it. Declared and from Python, sync and async."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

from pytest_eventgrid import EventGrid, UsageError, mock_eventgrid
from pytest_eventgrid.factories import CloudEventFactory, EventGridEventFactory

ACCOUNT = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/shop"
    "/providers/Microsoft.Storage/storageAccounts/shopfiles"
)
SHOP_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pytest-eventgrid"
    "/providers/Microsoft.EventGrid/topics/shop"
)


def order(n: int = 1, kind: str = "Order.Created") -> EventGridEvent:
    return EventGridEvent(
        subject=f"orders/{n}", event_type=kind, data={"n": n}, data_version="2.0", id=f"o-{n}"
    )


def received(
    eventgrid: EventGrid, topic: str = "orders", subscription: str = "worker"
) -> list[Any]:
    with eventgrid.consumer(topic, subscription) as consumer:
        details = consumer.receive(max_events=100, max_wait_time=10)
        if details:
            consumer.acknowledge(lock_tokens=[d.broker_properties.lock_token for d in details])
    return [detail.event for detail in details]


async def received_async(
    eventgrid: EventGrid, topic: str = "orders", subscription: str = "worker"
) -> list[Any]:
    async with eventgrid.aio_consumer(topic, subscription) as consumer:
        details = await consumer.receive(max_events=100, max_wait_time=10)
        if details:
            tokens = [d.broker_properties.lock_token for d in details]
            await consumer.acknowledge(lock_tokens=tokens)
    return [detail.event for detail in details]


# -- a Basic topic -------------------------------------------------------------------------


def test_a_basic_topic_routes_into_a_namespace_topic_as_cloudevents() -> None:
    with mock_eventgrid() as eventgrid:
        eventgrid.topic("orders").subscription("worker")
        routed = eventgrid.basic_topic("shop").subscribe("to-orders", eventgrid.topic("orders"))
        published = order(7)
        with eventgrid.basic_publisher("shop") as publisher:
            publisher.send(published)

        assert received(eventgrid) == []  # nothing until the delivery runs
        [attempt] = eventgrid.deliver()
        [event] = received(eventgrid)

    assert (attempt.subscription, attempt.status, attempt.outcome) == (
        "to-orders",
        200,
        "Succeeded",
    )
    assert routed.validation == "succeeded"  # no handshake: not a webhook
    # EventGridEvent -> CloudEvent, field by field.
    assert isinstance(event, CloudEvent)
    assert event.specversion == "1.0"
    assert event.id == "o-7"
    assert event.type == "Order.Created"  # from eventType
    assert event.source == SHOP_ID  # from topic, which the service stamps
    assert event.subject == "orders/7"
    assert event.data == {"n": 7}
    assert event.time.isoformat() == published.event_time  # from eventTime
    assert not event.extensions  # dataVersion and metadataVersion are not carried


def test_cloudevents_published_to_a_basic_topic_arrive_as_they_were_sent() -> None:
    sent = CloudEvent(
        source="/shop",
        type="Order.Created",
        data={"n": 1},
        subject="orders/1",
        extensions={"traceparent": "00-1"},
    )
    with mock_eventgrid(basic_topics={"shop": "cloudevents"}) as eventgrid:
        eventgrid.topic("orders").subscription("worker")
        eventgrid.basic_topic("shop").subscribe("to-orders", eventgrid.topic("orders"))
        with eventgrid.basic_publisher("shop") as publisher:
            publisher.send(sent)
        eventgrid.deliver()
        [event] = received(eventgrid)

    assert (event.id, event.source, event.type, event.subject, event.data) == (
        sent.id,
        "/shop",
        "Order.Created",
        "orders/1",
        {"n": 1},
    )
    assert event.extensions == {"traceparent": "00-1"}


def test_the_routing_subscriptions_filter_decides_what_goes_in() -> None:
    with mock_eventgrid() as eventgrid:
        eventgrid.topic("orders").subscription("worker")
        eventgrid.basic_topic("shop").subscribe(
            "created-only",
            eventgrid.topic("orders"),
            filter={
                "includedEventTypes": ["Order.Created"],
                "advancedFilters": [
                    {"operatorType": "NumberGreaterThan", "key": "data.n", "value": 1}
                ],
            },
        )
        with eventgrid.basic_publisher("shop") as publisher:
            publisher.send([order(1), order(2), order(3, "Order.Cancelled")])
        eventgrid.deliver()
        events = received(eventgrid)

    assert [(event.type, event.data) for event in events] == [("Order.Created", {"n": 2})]


def test_a_routed_event_reaches_every_queue_subscription_of_the_topic() -> None:
    with mock_eventgrid(topics={"orders": ["worker", "audit"]}) as eventgrid:
        eventgrid.basic_topic("shop").subscribe("to-orders", eventgrid.topic("orders"))
        with eventgrid.basic_publisher("shop") as publisher:
            publisher.send(order())
        eventgrid.deliver()

        assert [e.id for e in received(eventgrid, subscription="audit")] == ["o-1"]
        assert [e.id for e in received(eventgrid, subscription="worker")] == ["o-1"]
        eventgrid.topic("orders").assert_published(type="Order.Created", id="o-1")


@pytest.mark.asyncio
async def test_routing_with_the_async_clients() -> None:
    async with mock_eventgrid() as eventgrid:
        eventgrid.topic("orders").subscription("worker")
        eventgrid.basic_topic("shop").subscribe("to-orders", eventgrid.topic("orders"))
        async with eventgrid.aio_basic_publisher("shop") as publisher:
            await publisher.send([order(1), order(2)])
        attempts = await eventgrid.deliver_async()
        events = await received_async(eventgrid)

    assert [attempt.status for attempt in attempts] == [200, 200]
    assert [event.id for event in events] == ["o-1", "o-2"]


def test_only_cloudevents_can_be_delivered_into_a_namespace_topic() -> None:
    with mock_eventgrid() as eventgrid:
        shop = eventgrid.basic_topic("shop")
        with pytest.raises(UsageError, match="delivers CloudEvents") as raised:
            shop.subscribe("to-orders", eventgrid.topic("orders"), schema="eventgrid")
        assert "#routing-into-namespace-topics" in str(raised.value)
        custom = eventgrid.basic_topic("legacy", schema="custom")
        with pytest.raises(UsageError, match="custom-schema topic"):
            custom.subscribe("to-orders", eventgrid.topic("orders"))
        # schema="cloudevents" is what it is anyway
        assert shop.subscribe("ok", eventgrid.topic("orders"), schema="cloudevents").name == "ok"


# -- a domain ------------------------------------------------------------------------------


def test_a_domain_topic_routes_its_events_only() -> None:
    with mock_eventgrid() as eventgrid:
        eventgrid.topic("orders").subscription("worker")
        tenants = eventgrid.domain("tenants")
        tenants.topic("contoso").subscribe("to-orders", eventgrid.topic("orders"))
        with eventgrid.basic_publisher("tenants") as publisher:
            publisher.send(
                [
                    EventGridEvent(
                        subject="a", event_type="T.A", data={}, data_version="1", topic="contoso"
                    ),
                    EventGridEvent(
                        subject="b", event_type="T.B", data={}, data_version="1", topic="fabrikam"
                    ),
                ]
            )
        eventgrid.deliver()
        [event] = received(eventgrid)

    assert event.type == "T.A"
    assert event.source.endswith("/providers/Microsoft.EventGrid/domains/tenants/topics/contoso")


# -- system topics -------------------------------------------------------------------------


def test_blob_created_reaches_a_pull_worker() -> None:
    factory = EventGridEventFactory(seed=1)
    with mock_eventgrid() as eventgrid:
        storage = eventgrid.system_topic("storage", source=ACCOUNT)
        storage.subscribe("to-uploads", eventgrid.topic("uploads"))
        eventgrid.topic("uploads").subscription("worker")
        blob = factory.blob_created(subject="/blobServices/default/containers/in/blobs/a.png")

        storage.publish(blob)
        eventgrid.deliver()
        [event] = received(eventgrid, "uploads")

    assert storage.topic_type == "Microsoft.Storage.StorageAccounts"  # read from the source
    assert (event.type, event.id) == ("Microsoft.Storage.BlobCreated", blob.id)
    assert event.source == ACCOUNT  # the system topic's source: the resource raised it
    assert event.subject == "/blobServices/default/containers/in/blobs/a.png"
    assert event.data == blob.data


@pytest.mark.asyncio
async def test_a_cloudevent_from_the_factory_on_a_system_topic_async() -> None:
    factory = CloudEventFactory(seed=2)
    async with mock_eventgrid() as eventgrid:
        storage = eventgrid.system_topic(
            "storage", source=ACCOUNT, topic_type="Microsoft.Storage.StorageAccounts"
        )
        storage.subscribe(
            "blobs-only",
            eventgrid.topic("uploads"),
            filter={"includedEventTypes": ["Microsoft.Storage.BlobCreated"]},
        )
        eventgrid.topic("uploads").subscription("worker")
        created, deleted = factory.blob_created(), factory.blob_deleted()
        storage.publish([created, deleted])
        await eventgrid.deliver_async()
        events = await received_async(eventgrid, "uploads")

    assert [(e.type, e.id, e.subject, e.data) for e in events] == [
        ("Microsoft.Storage.BlobCreated", created.id, created.subject, created.data)
    ]
    assert [type(e).__name__ for e in storage.published] == ["EventGridEvent"] * 2
    storage.assert_published(type="Microsoft.Storage.BlobDeleted")


def test_a_system_topic_raises_only_its_providers_events() -> None:
    with mock_eventgrid() as eventgrid:
        storage = eventgrid.system_topic("storage", source=ACCOUNT)
        with pytest.raises(UsageError, match="cannot raise an event of type"):
            storage.publish(EventGridEventFactory().keyvault_secret_near_expiry())
        with pytest.raises(UsageError, match="resource id"):
            eventgrid.system_topic("other", source="shopfiles")
        with pytest.raises(UsageError, match="exists already"):
            eventgrid.system_topic("storage", source=ACCOUNT + "2")
        with pytest.raises(UsageError, match="create it with"):
            eventgrid.system_topic("unknown")
        assert eventgrid.system_topic("storage") is not None
        assert [view.name for view in eventgrid.system_topics] == ["storage"]


def test_a_system_topic_webhook_gets_event_grid_events_after_its_handshake() -> None:
    requests: list[Any] = []

    def hook(request: Any) -> Any:
        requests.append(request)
        body = request.read()
        if b"validationCode" in body:
            import json

            return {"validationResponse": json.loads(body)[0]["data"]["validationCode"]}
        return 200

    with mock_eventgrid() as eventgrid:
        storage = eventgrid.system_topic("storage", source=ACCOUNT)
        storage.subscribe("hook", hook)
        storage.publish(EventGridEventFactory().blob_created())
        eventgrid.deliver()

    validation, delivery = requests
    assert ACCOUNT.encode() in validation.read()  # the validation event's topic
    assert delivery.headers["content-type"].startswith("application/json")


# -- declared ------------------------------------------------------------------------------


DECLARED: dict[str, Any] = {
    "topics": {"uploads": ["worker"], "orders": ["worker"]},
    "basic_topics": {
        "shop": {"subscriptions": {"to-orders": {"endpoint": {"namespace_topic": "orders"}}}}
    },
    "system_topics": {
        "storage": {
            "source": ACCOUNT,
            "subscriptions": {
                "to-uploads": {
                    "endpoint": {"namespace_topic": "uploads"},
                    "filter": {"subjectEndsWith": ".png"},
                }
            },
        }
    },
}


def test_declared_routes_and_system_topics() -> None:
    factory = EventGridEventFactory(seed=3)
    with mock_eventgrid(**DECLARED) as eventgrid:
        storage = eventgrid.system_topic("storage")
        storage.publish(
            [
                factory.blob_created(subject="/blobServices/default/containers/c/blobs/a.png"),
                factory.blob_created(subject="/blobServices/default/containers/c/blobs/b.txt"),
            ]
        )
        with eventgrid.basic_publisher("shop") as publisher:
            publisher.send(order())
        eventgrid.deliver()

        assert [e.subject for e in received(eventgrid, "uploads")] == [
            "/blobServices/default/containers/c/blobs/a.png"
        ]
        assert [e.id for e in received(eventgrid, "orders")] == ["o-1"]
        assert storage.subscription("to-uploads").validation == "succeeded"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"basic_topics": {"shop": {"subscriptions": {"x": {"endpoint": {"queue": "o"}}}}}},
            '{"namespace_topic": "<topic name>"}',
        ),
        ({"system_topics": {"storage": {"topic_type": "Microsoft.Storage.X"}}}, "system_topics="),
        ({"system_topics": {"storage": {"source": "nope"}}}, "resource id"),
        ({"system_topics": ["storage"]}, "a mapping of system topic name"),
    ],
)
def test_declarations_are_checked(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError) as raised:
        EventGrid(**settings)
    assert message in str(raised.value)


def test_the_marker_declares_system_topics(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.eventgrid(
            topics={{"uploads": ["worker"]}},
            system_topics={{"storage": {{"source": {ACCOUNT!r}, "subscriptions": {{
                "to-uploads": {{"endpoint": {{"namespace_topic": "uploads"}}}}}}}}}},
        )
        def test_it(eventgrid, eventgrid_event_factory):
            eventgrid.system_topic("storage").publish(eventgrid_event_factory.blob_created())
            eventgrid.deliver()
            assert len(eventgrid.subscription("worker", topic="uploads").available) == 1
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


# -- a failing route -----------------------------------------------------------------------


def test_a_route_to_a_missing_topic_is_retried_then_dead_lettered() -> None:
    declared = {
        "auto_create": False,
        "basic_topics": {
            "shop": {
                "subscriptions": {
                    "to-gone": {
                        "endpoint": {"namespace_topic": "gone"},
                        "max_delivery_attempts": 3,
                    }
                }
            }
        },
    }
    with mock_eventgrid(**declared) as eventgrid:
        with eventgrid.basic_publisher("shop") as publisher:
            publisher.send(order())
        attempts = eventgrid.deliver(drain=True)
        route = eventgrid.basic_topic("shop").subscription("to-gone")

    assert [(a.status, a.outcome) for a in attempts] == [(404, "NotFound")] * 3
    assert attempts[1].time - attempts[0].time >= 300  # at least 5 min after a 404
    [letter] = route.dead_lettered
    assert (letter.reason, letter.delivery_attempts) == ("MaxDeliveryAttemptsExceeded", 3)
    assert "gone" not in [topic.name for topic in eventgrid.namespace().topics]


# -- what a route does not take ------------------------------------------------------------


def test_a_route_takes_no_delivery_properties() -> None:
    with mock_eventgrid() as eventgrid:
        shop = eventgrid.basic_topic("shop")
        with pytest.raises(UsageError, match="takes no delivery properties") as raised:
            shop.subscribe("to-orders", eventgrid.topic("orders"), delivery_properties={"A": "b"})

    assert "got delivery_properties={'A': 'b'}" in str(raised.value)
    assert str(raised.value).endswith("guide/namespace-push/#routing-into-namespace-topics")
    assert shop.subscriptions == []


def test_a_declared_route_takes_no_delivery_properties() -> None:
    declared = {
        "basic_topics": {
            "shop": {
                "subscriptions": {
                    "to-orders": {
                        "endpoint": {"namespace_topic": "orders"},
                        "delivery_properties": {"A": "b"},
                    }
                }
            }
        }
    }
    with (
        pytest.raises(UsageError, match="takes no delivery properties"),
        mock_eventgrid(**declared),
    ):
        pass
