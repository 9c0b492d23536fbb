"""The emulator end to end: the real sync and async clients over loopback HTTP."""

from __future__ import annotations

import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioConsumer
from azure.eventgrid.aio import EventGridPublisherClient as AioPublisher

from pytest_eventgrid import EventGridServer


def test_the_sync_clients_publish_receive_and_acknowledge(server: EventGridServer) -> None:
    with (
        EventGridPublisherClient(
            server.endpoint, server.credential, namespace_topic="orders"
        ) as publisher,
        EventGridConsumerClient(
            server.endpoint, server.credential, namespace_topic="orders", subscription="billing"
        ) as consumer,
    ):
        publisher.send(CloudEvent(source="shop", type="Order.Created", data={"b": 1, "a": 2}))
        received = consumer.receive(max_events=5, max_wait_time=10)
        assert [detail.event.data for detail in received] == [{"a": 2, "b": 1}]
        result = consumer.acknowledge(lock_tokens=[received[0].broker_properties.lock_token])
    assert len(result.succeeded_lock_tokens) == 1
    assert [event.state for event in server.eventgrid.subscription().acknowledged] == [
        "acknowledged"
    ]


@pytest.mark.asyncio
async def test_the_async_clients_publish_and_receive(server: EventGridServer) -> None:
    async with (
        AioPublisher(server.endpoint, server.credential, namespace_topic="orders") as publisher,
        AioConsumer(
            server.endpoint, server.credential, namespace_topic="orders", subscription="billing"
        ) as consumer,
    ):
        await publisher.send(CloudEvent(source="shop", type="Order.Created", data={}))
        received = await consumer.receive(max_events=5, max_wait_time=10)
    assert [detail.event.type for detail in received] == ["Order.Created"]
    server.eventgrid.assert_published(type="Order.Created")
