"""Live mode: the same tests against a real Event Grid namespace."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioEventGridConsumerClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient

from ._errors import UsageError, docs

if TYPE_CHECKING:
    from ._doors._recorder import Recorder
    from ._eventgrid import EventGrid

SETTINGS = ("endpoint", "key", "topic", "subscription")
SKIP_REASON = (
    "needs the in-memory fake (the `eventgrid` fixture: views, clock, faults), which "
    "--eventgrid-live replaces with a real namespace"
)


@dataclass(frozen=True)
class LiveNamespace:
    """A real namespace, from `EVENTGRID_ENDPOINT`, `EVENTGRID_KEY`, `EVENTGRID_TOPIC` and
    `EVENTGRID_SUBSCRIPTION` (or the `eventgrid_*` ini keys), that hands out real
    clients the way `EventGrid` does for the fake. With a `recorder`, every client
    goes through it: replayed from its cassette, or sent to the namespace and recorded."""

    endpoint: str
    key: str
    topic: str
    subscription: str
    recorder: Recorder | None = None

    @property
    def credential(self) -> AzureKeyCredential:
        return AzureKeyCredential(self.key)

    def _through(self, door: Callable[[Recorder], Any], kwargs: dict[str, Any]) -> dict[str, Any]:
        if self.recorder is None or "transport" in kwargs:
            return kwargs
        return {**kwargs, "transport": door(self.recorder)}

    def publisher(self, **kwargs: Any) -> EventGridPublisherClient:
        return EventGridPublisherClient(
            self.endpoint,
            self.credential,
            namespace_topic=self.topic,
            **self._through(lambda recorder: recorder.transport(), kwargs),
        )

    def consumer(self, **kwargs: Any) -> EventGridConsumerClient:
        return EventGridConsumerClient(
            self.endpoint,
            self.credential,
            namespace_topic=self.topic,
            subscription=self.subscription,
            **self._through(lambda recorder: recorder.transport(), kwargs),
        )

    def aio_publisher(self, **kwargs: Any) -> AioEventGridPublisherClient:
        return AioEventGridPublisherClient(
            self.endpoint,
            self.credential,
            namespace_topic=self.topic,
            **self._through(lambda recorder: recorder.async_transport(), kwargs),
        )

    def aio_consumer(self, **kwargs: Any) -> AioEventGridConsumerClient:
        return AioEventGridConsumerClient(
            self.endpoint,
            self.credential,
            namespace_topic=self.topic,
            subscription=self.subscription,
            **self._through(lambda recorder: recorder.async_transport(), kwargs),
        )


def live_settings(config: pytest.Config) -> dict[str, str]:
    """The live settings that are set: `EVENTGRID_<NAME>`, else the `eventgrid_<name>` ini key."""
    values = {
        name: os.environ.get(f"EVENTGRID_{name.upper()}") or str(config.getini(f"eventgrid_{name}"))
        for name in SETTINGS
    }
    return {name: value for name, value in values.items() if value}


def _variables(names: list[str]) -> str:
    return ", ".join(f"EVENTGRID_{name.upper()}" for name in names)


def live_namespace(config: pytest.Config) -> LiveNamespace | None:
    """The live namespace under `--eventgrid-live`, else None (the fake)."""
    if not config.getoption("eventgrid_live", False):
        return None
    values = live_settings(config)
    missing = [name for name in SETTINGS if name not in values]
    if missing:
        raise UsageError(
            f"--eventgrid-live needs {_variables(missing)} (environment variables, or the "
            f"eventgrid_* ini keys). See {docs('guide/playback/#live-mode')}"
        )
    return LiveNamespace(values["endpoint"], values["key"], values["topic"], values["subscription"])


def cassette_namespace(config: pytest.Config, fake: EventGrid, recorder: Recorder) -> LiveNamespace:
    """Where the client fixtures of a test marked `cassette=` go: through its recorder.

    Recording, to the live namespace: `EVENTGRID_ENDPOINT` and `EVENTGRID_KEY` must be
    set. Topic and subscription names (which the recorded paths hold) are the live
    settings where they are set, else the marker's `topic` and `subscription`, when
    recording and replaying alike, so both produce the same paths.
    """
    values = live_settings(config)
    if recorder.records:
        missing = [name for name in ("endpoint", "key") if name not in values]
        if missing:
            raise UsageError(
                f"The client fixtures record the cassette {recorder.path} (record mode "
                f"{recorder.mode!r}) against a real namespace, which needs "
                f"{_variables(missing)} (environment variables, or the eventgrid_* ini "
                f"keys). Set them, or replay with --eventgrid-record-mode=none. "
                f"See {docs('guide/playback/#fixture-clients')}"
            )
    return LiveNamespace(
        values.get("endpoint", fake.endpoint),
        values.get("key", fake.credential.key),
        values.get("topic", fake.default_topic),
        values.get("subscription", fake.default_subscription),
        recorder,
    )
