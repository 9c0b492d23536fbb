"""The code under test: a small shop that builds its own Event Grid clients.

Nothing here knows about the fake: the clients get literal endpoints, a literal key
and no `transport=`, as application code would. `Shop` and `AsyncShop` have the same
methods, sync and async, so tests run one scenario against both.

The tests copy this file into pytester projects too, so it imports nothing from them.
"""

from __future__ import annotations

from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient, aio

ENDPOINT = "https://my-namespace.westus-1.eventgrid.azure.net"
OTHER_ENDPOINT = "https://other-namespace.eastus-1.eventgrid.azure.net"
BASIC_ENDPOINT = "https://t.westus-1.eventgrid.azure.net/api/events"
TOPIC = "orders"
SUBSCRIPTION = "billing"


def order_created(order_id: str) -> CloudEvent:
    return CloudEvent(source="shop", type="Order.Created", data={"id": order_id}, id=order_id)


class Shop:
    """Publishes orders with a client it keeps, takes them with a client per call."""

    def __init__(self, endpoint: str = ENDPOINT) -> None:
        self.endpoint = endpoint
        self._publisher = EventGridPublisherClient(
            endpoint, AzureKeyCredential("access_key"), namespace_topic=TOPIC
        )

    def publish(self, *order_ids: str) -> None:
        self._publisher.send([order_created(order_id) for order_id in order_ids])

    def take_orders(self) -> list[str]:
        """Receive and acknowledge the waiting orders; their ids."""
        with EventGridConsumerClient(
            self.endpoint,
            AzureKeyCredential("access_key"),
            namespace_topic=TOPIC,
            subscription=SUBSCRIPTION,
        ) as consumer:
            details = consumer.receive(max_events=10, max_wait_time=10)
            if details:
                consumer.acknowledge(lock_tokens=[d.broker_properties.lock_token for d in details])
        return [detail.event.id for detail in details]

    def publish_basic(self, order_id: str) -> None:
        """Publish to an Event Grid Basic topic."""
        with EventGridPublisherClient(BASIC_ENDPOINT, AzureKeyCredential("k")) as publisher:
            publisher.send(order_created(order_id))

    def close(self) -> None:
        self._publisher.close()


class AsyncShop:
    """`Shop` with the `azure.eventgrid.aio` clients."""

    def __init__(self, endpoint: str = ENDPOINT) -> None:
        self.endpoint = endpoint
        self._publisher = aio.EventGridPublisherClient(
            endpoint, AzureKeyCredential("access_key"), namespace_topic=TOPIC
        )

    async def publish(self, *order_ids: str) -> None:
        await self._publisher.send([order_created(order_id) for order_id in order_ids])

    async def take_orders(self) -> list[str]:
        """Receive and acknowledge the waiting orders; their ids."""
        async with aio.EventGridConsumerClient(
            self.endpoint,
            AzureKeyCredential("access_key"),
            namespace_topic=TOPIC,
            subscription=SUBSCRIPTION,
        ) as consumer:
            details = await consumer.receive(max_events=10, max_wait_time=10)
            if details:
                tokens = [d.broker_properties.lock_token for d in details]
                await consumer.acknowledge(lock_tokens=tokens)
        return [detail.event.id for detail in details]

    async def publish_basic(self, order_id: str) -> None:
        """Publish to an Event Grid Basic topic."""
        async with aio.EventGridPublisherClient(
            BASIC_ENDPOINT, AzureKeyCredential("k")
        ) as publisher:
            await publisher.send(order_created(order_id))

    async def close(self) -> None:
        await self._publisher.close()


# Built when this module is imported, long before any fake starts.
SHOP = Shop()
AIO_SHOP = AsyncShop()
