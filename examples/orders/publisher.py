"""Publishing `Order.Created` events to the orders topic."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from azure.core.messaging import CloudEvent
from azure.eventgrid.aio import EventGridPublisherClient

from .models import Order, order_created_event
from .settings import Settings


class OrderPublisher:
    """Publishes one `Order.Created` CloudEvent per order (asyncio).

    Use it as an async context manager, which closes the underlying client:

        async with OrderPublisher(Settings.from_env()) as publisher:
            await publisher.publish(order)
    """

    def __init__(self, settings: Settings) -> None:
        self._client = EventGridPublisherClient(
            settings.endpoint, settings.credential, namespace_topic=settings.topic
        )

    async def publish(self, *orders: Order) -> list[CloudEvent[Any]]:
        """Publish the orders in one request; return the events sent."""
        events = [order_created_event(order) for order in orders]
        await self._client.send(events)
        return events

    async def close(self) -> None:
        """Close the underlying client."""
        await self._client.close()

    async def __aenter__(self) -> OrderPublisher:
        await self._client.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._client.__aexit__(exc_type, exc_value, traceback)
