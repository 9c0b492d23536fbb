"""What the door tests share: the real SDK clients, sync or async, behind one
awaitable interface, so that each scenario is written once and runs through both."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioEventGridConsumerClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient
from azure.eventgrid.models import ReceiveDetails, ReleaseDelay

from pytest_eventgrid import EventGrid

T = TypeVar("T")


async def resolve(result: T | Awaitable[T]) -> T:
    """Await what the async clients return; take what the sync clients return as is."""
    if inspect.isawaitable(result):
        return await result
    return result


def cloud_event(number: int, **fields: Any) -> CloudEvent:
    """A CloudEvent with id `e<number>`."""
    fields.setdefault("data", {"n": number})
    return CloudEvent(source="/tests", type="Test.Event", id=f"e{number}", **fields)


def event_ids(received: Sequence[ReceiveDetails]) -> list[str]:
    return [detail.event.id for detail in received]


def lock_tokens(received: Sequence[ReceiveDetails]) -> list[str]:
    return [detail.broker_properties.lock_token for detail in received]


def failures(result: Any) -> list[tuple[str, str, str]]:
    """`(lock_token, error.code, error.message)` for each failed token of a result."""
    return [
        (failed.lock_token, failed.error.code, failed.error.message)
        for failed in result.failed_lock_tokens
    ]


class Publisher:
    """An `EventGridPublisherClient`, sync or async."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def send(self, *events: CloudEvent) -> None:
        await resolve(self.client.send(list(events)))


class Consumer:
    """An `EventGridConsumerClient`, sync or async, with lock tokens as arguments."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def receive(self, **options: Any) -> list[ReceiveDetails]:
        received: list[ReceiveDetails] = await resolve(self.client.receive(**options))
        return received

    async def receive_one(self, **options: Any) -> ReceiveDetails:
        [detail] = await self.receive(**options)
        return detail

    async def acknowledge(self, *tokens: str) -> Any:
        return await resolve(self.client.acknowledge(lock_tokens=list(tokens)))

    async def release(self, *tokens: str, delay: int | ReleaseDelay | None = None) -> Any:
        return await resolve(self.client.release(lock_tokens=list(tokens), release_delay=delay))

    async def reject(self, *tokens: str) -> Any:
        return await resolve(self.client.reject(lock_tokens=list(tokens)))

    async def renew_locks(self, *tokens: str) -> Any:
        return await resolve(self.client.renew_locks(lock_tokens=list(tokens)))


class Door:
    """Builds SDK clients of one flavour for a fake, and closes them at the end.

    Clients come from the fake's own helpers (`eventgrid.publisher()` and friends);
    with a `credential`, they are built directly on the fake's transport instead.
    """

    def __init__(self, eventgrid: EventGrid, flavour: str, stack: contextlib.AsyncExitStack):
        self.eventgrid = eventgrid
        self.flavour = flavour
        self._stack = stack

    @property
    def is_async(self) -> bool:
        return self.flavour == "async"

    async def _open(self, client: Any) -> Any:
        if self.is_async:
            return await self._stack.enter_async_context(client)
        return self._stack.enter_context(client)

    async def publisher(
        self, topic: str | None = None, *, credential: AzureKeyCredential | None = None
    ) -> Publisher:
        eventgrid = self.eventgrid
        if credential is None:
            helper = eventgrid.aio_publisher if self.is_async else eventgrid.publisher
            client = helper(topic)
        else:
            cls = AioEventGridPublisherClient if self.is_async else EventGridPublisherClient
            client = cls(
                eventgrid.endpoint,
                credential,
                namespace_topic=topic or eventgrid.default_topic,
                transport=self._transport(),
            )
        return Publisher(await self._open(client))

    async def consumer(
        self,
        topic: str | None = None,
        subscription: str | None = None,
        *,
        credential: AzureKeyCredential | None = None,
    ) -> Consumer:
        eventgrid = self.eventgrid
        if credential is None:
            helper = eventgrid.aio_consumer if self.is_async else eventgrid.consumer
            client = helper(topic, subscription)
        else:
            cls = AioEventGridConsumerClient if self.is_async else EventGridConsumerClient
            client = cls(
                eventgrid.endpoint,
                credential,
                namespace_topic=topic or eventgrid.default_topic,
                subscription=subscription or eventgrid.default_subscription,
                transport=self._transport(),
            )
        return Consumer(await self._open(client))

    def _transport(self) -> Any:
        if self.is_async:
            return self.eventgrid.async_transport()
        return self.eventgrid.transport()

    async def sleep(self, seconds: float) -> None:
        """The transport's `sleep()`, as the SDK's retry policy calls it."""
        await resolve(self._transport().sleep(seconds))
