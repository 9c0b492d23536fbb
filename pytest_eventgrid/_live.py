"""Live mode: the same tests against a real Event Grid namespace."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioEventGridConsumerClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient

from ._errors import UsageError, docs

SETTINGS = ("endpoint", "key", "topic", "subscription")
SKIP_REASON = (
    "needs the in-memory fake (the `eventgrid` fixture: views, clock, faults), which "
    "--eventgrid-live replaces with a real namespace"
)


@dataclass(frozen=True)
class LiveNamespace:
    """A real namespace, from `EVENTGRID_ENDPOINT`, `EVENTGRID_KEY`, `EVENTGRID_TOPIC` and
    `EVENTGRID_SUBSCRIPTION` (or the `eventgrid_*` ini keys), that hands out real
    clients the way `EventGrid` does for the fake."""

    endpoint: str
    key: str
    topic: str
    subscription: str

    @property
    def credential(self) -> AzureKeyCredential:
        return AzureKeyCredential(self.key)

    def publisher(self, **kwargs: Any) -> EventGridPublisherClient:
        return EventGridPublisherClient(
            self.endpoint, self.credential, namespace_topic=self.topic, **kwargs
        )

    def consumer(self, **kwargs: Any) -> EventGridConsumerClient:
        return EventGridConsumerClient(
            self.endpoint,
            self.credential,
            namespace_topic=self.topic,
            subscription=self.subscription,
            **kwargs,
        )

    def aio_publisher(self, **kwargs: Any) -> AioEventGridPublisherClient:
        return AioEventGridPublisherClient(
            self.endpoint, self.credential, namespace_topic=self.topic, **kwargs
        )

    def aio_consumer(self, **kwargs: Any) -> AioEventGridConsumerClient:
        return AioEventGridConsumerClient(
            self.endpoint,
            self.credential,
            namespace_topic=self.topic,
            subscription=self.subscription,
            **kwargs,
        )


def live_namespace(config: pytest.Config) -> LiveNamespace | None:
    """The live namespace under `--eventgrid-live`, else None (the fake)."""
    if not config.getoption("eventgrid_live", False):
        return None
    values = {
        name: os.environ.get(f"EVENTGRID_{name.upper()}") or str(config.getini(f"eventgrid_{name}"))
        for name in SETTINGS
    }
    missing = [f"EVENTGRID_{name.upper()}" for name, value in values.items() if not value]
    if missing:
        raise UsageError(
            f"--eventgrid-live needs {', '.join(missing)} (environment variables, or the "
            f"eventgrid_* ini keys). See {docs('guide/playback/#live-mode')}"
        )
    return LiveNamespace(**values)
