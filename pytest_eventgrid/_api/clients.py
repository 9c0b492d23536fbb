"""The SDK client builders, shared by the fake (`EventGrid`) and live mode.

One builder per client kind; the client class (sync or `aio`) is an argument, and it
picks the door: a sync client gets `target.transport()`, an async one
`target.async_transport()`, unless the caller passed `transport=` or the target has
no door (None: the SDK's own transport).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from azure.core.credentials import AzureKeyCredential
from azure.core.pipeline.transport import AsyncHttpTransport, HttpTransport
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioEventGridConsumerClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient

Publisher = TypeVar("Publisher", EventGridPublisherClient, AioEventGridPublisherClient)
Consumer = TypeVar("Consumer", EventGridConsumerClient, AioEventGridConsumerClient)
ASYNC_CLIENTS = (AioEventGridPublisherClient, AioEventGridConsumerClient)


class Target(Protocol):
    """Where clients go: an endpoint and key, the default names, and the doors."""

    @property
    def endpoint(self) -> str: ...

    @property
    def credential(self) -> AzureKeyCredential: ...

    @property
    def default_topic(self) -> str: ...

    @property
    def default_subscription(self) -> str: ...

    def transport(self) -> HttpTransport[Any, Any] | None: ...

    def async_transport(self) -> AsyncHttpTransport[Any, Any] | None: ...


def publisher(
    kind: type[Publisher], target: Target, topic: str | None = None, **kwargs: Any
) -> Publisher:
    """A `kind` publisher for a namespace topic of `target` (default: its default topic)."""
    return kind(
        target.endpoint,
        target.credential,
        namespace_topic=topic or target.default_topic,
        **_with_door(kind, target, kwargs),
    )


def consumer(
    kind: type[Consumer],
    target: Target,
    topic: str | None = None,
    subscription: str | None = None,
    **kwargs: Any,
) -> Consumer:
    """A `kind` consumer for a subscription of `target` (default: its default one)."""
    return kind(
        target.endpoint,
        target.credential,
        namespace_topic=topic or target.default_topic,
        subscription=subscription or target.default_subscription,
        **_with_door(kind, target, kwargs),
    )


def basic_publisher(
    kind: type[Publisher], target: Target, endpoint: str, **kwargs: Any
) -> Publisher:
    """A `kind` publisher for the Basic topic, domain or partner namespace at `endpoint`.

    The SDK's sync Basic client ignores `transport=`: it is given none, and reaches
    the fake through interception.
    """
    if issubclass(kind, AioEventGridPublisherClient):
        kwargs = _with_door(kind, target, kwargs)
    return kind(endpoint, target.credential, **kwargs)


def _with_door(kind: type, target: Target, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The client arguments, with the target's door unless the caller gave a transport."""
    if "transport" in kwargs:
        return kwargs
    door: Callable[[], object] = (
        target.async_transport if issubclass(kind, ASYNC_CLIENTS) else target.transport
    )
    transport = door()
    return kwargs if transport is None else {**kwargs, "transport": transport}
