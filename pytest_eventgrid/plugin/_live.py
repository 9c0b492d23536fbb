"""Live mode: the same tests against a real Event Grid namespace."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from .._errors import usage_error

if TYPE_CHECKING:
    from azure.core.credentials import AzureKeyCredential
    from azure.core.pipeline.transport import AsyncHttpTransport, HttpTransport

    from .._api.eventgrid import EventGrid
    from ..recordings import Recorder

SETTINGS = ("endpoint", "key", "topic", "subscription")
SKIP_REASON = (
    "needs the in-memory fake (the `eventgrid` fixture: views, clock, faults), which "
    "--eventgrid-live replaces with a real namespace"
)


@dataclass(frozen=True)
class LiveNamespace:
    """A real namespace, from `EVENTGRID_ENDPOINT`, `EVENTGRID_KEY`, `EVENTGRID_TOPIC` and
    `EVENTGRID_SUBSCRIPTION` (or the `eventgrid_*` ini keys): a target for the client
    builders, as `EventGrid` is for the fake. With a `recorder`, every client goes
    through it: replayed from its cassette, or sent to the namespace and recorded."""

    endpoint: str
    key: str
    default_topic: str
    default_subscription: str
    recorder: Recorder | None = None

    @property
    def credential(self) -> AzureKeyCredential:
        from azure.core.credentials import AzureKeyCredential

        return AzureKeyCredential(self.key)

    def transport(self) -> HttpTransport | None:  # type: ignore[type-arg]
        """The recorder's sync door; None (the SDK's own transport) without one."""
        return self.recorder.transport() if self.recorder is not None else None

    def async_transport(self) -> AsyncHttpTransport | None:  # type: ignore[type-arg]
        """The recorder's async door; None (the SDK's own transport) without one."""
        return self.recorder.async_transport() if self.recorder is not None else None


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
        raise usage_error(
            f"--eventgrid-live needs {_variables(missing)} (environment variables, or the "
            f"eventgrid_* ini keys).",
            anchor="guide/playback/#live-mode",
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
            raise usage_error(
                f"The client fixtures record the cassette {recorder.path} (record mode "
                f"{recorder.mode!r}) against a real namespace, which needs "
                f"{_variables(missing)} (environment variables, or the eventgrid_* ini "
                f"keys). Set them, or replay with --eventgrid-record-mode=none.",
                anchor="guide/playback/#fixture-clients",
            )
    return LiveNamespace(
        values.get("endpoint", fake.endpoint),
        values.get("key", fake.credential.key),
        values.get("topic", fake.default_topic),
        values.get("subscription", fake.default_subscription),
        recorder,
    )
