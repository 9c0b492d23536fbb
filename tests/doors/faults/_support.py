"""What the fault tests share: one way to make each operation, through the sync or
the async clients, and the SDK's error texts."""

from __future__ import annotations

from typing import Any

from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient, EventGridEvent, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioEventGridConsumerClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient

from pytest_eventgrid import EventGrid
from tests._clients import Consumer, Door, Publisher, cloud_event, resolve

# The namespace operations, as `fail()` names them.
NAMESPACE_OPERATIONS = ("publish", "receive", "acknowledge", "release", "reject", "renew_locks")
# A fault that replaces the answer never looks at the lock tokens.
SOME_TOKEN = "any-token"
# What the SDK says instead of the service's message when a namespace publish gets a 404.
PUBLISH_NOT_FOUND = (
    "Resource not found. For Event Grid Namespaces, please specify the namespace_topic name "
    "on the client. For Event Grid Basic, do not specify the namespace_topic name."
)


def sdk_message(code: str, message: str) -> str:
    """`HttpResponseError.message` for a service error of `code` and `message`."""
    return f"({code}) {message}\nCode: {code}\nMessage: {message}"


async def attempt(operation: str, publisher: Publisher, consumer: Consumer) -> Any:
    """Make one request of `operation` with the given clients, as a test would."""
    if operation == "publish":
        return await publisher.send(cloud_event(1))
    if operation == "receive":
        return await consumer.receive()
    settle = getattr(consumer, operation)
    return await settle(SOME_TOKEN)


def order(number: int = 1) -> EventGridEvent:
    """An Event Grid-schema event for Basic topics."""
    return EventGridEvent(
        id=f"e{number}",
        subject=f"orders/{number}",
        event_type="Order.Created",
        data={"number": number},
        data_version="1",
    )


class FaultDoor(Door):
    """A `Door` that also builds Basic publishers, and clients with no `transport=`
    (which reach the fake through interception)."""

    async def basic_publisher(self, topic: str) -> Any:
        helper = (
            self.eventgrid.aio_basic_publisher if self.is_async else self.eventgrid.basic_publisher
        )
        return await self._open(helper(topic))

    async def intercepted_publisher(self) -> Publisher:
        cls = AioEventGridPublisherClient if self.is_async else EventGridPublisherClient
        client = cls(
            self.eventgrid.endpoint,
            self.eventgrid.credential,
            namespace_topic=self.eventgrid.default_topic,
        )
        return Publisher(await self._open(client))

    async def intercepted_consumer(self) -> Consumer:
        cls = AioEventGridConsumerClient if self.is_async else EventGridConsumerClient
        client = cls(
            self.eventgrid.endpoint,
            self.eventgrid.credential,
            namespace_topic=self.eventgrid.default_topic,
            subscription=self.eventgrid.default_subscription,
        )
        return Consumer(await self._open(client))


async def send_basic(client: Any, *events: EventGridEvent | CloudEvent) -> None:
    await resolve(client.send(list(events)))


def attempt_times(eventgrid: EventGrid, operation: str) -> list[float]:
    """The virtual times at which the fake saw each request of `operation`."""
    return [call.time for call in eventgrid.calls.filter(operation)]
