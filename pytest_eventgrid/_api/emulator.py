"""The emulator: the same fake Event Grid, served over HTTP to any process.

`serve(...)` builds an `EventGrid` from the settings (the marker's keys, from a config
file and keywords), lets its clock run in real time (or holds it still), and puts it
behind a real HTTP server on a thread of its own. The door (`_doors._asgi`) knows no
Event Grid: the wire says where each path leads and answers; the admin API
(`admin`) is the library's, over the same `EventGrid`.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from azure.core.credentials import AzureKeyCredential

from .. import _errors
from .._broker import Clock
from .._doors._asgi import AsgiDoor
from .._doors._server import ServerThread
from .._doors._webhooks import RealtimePush
from .._errors import one_of, usage_error
from .._wire import Handler, WireRequest
from .._wire._emulated import BASIC_PREFIX, NAMESPACES_PREFIX, emulated_request
from .._wire._hosts import endpoint_host
from .eventgrid import EventGrid
from .topology import DEFAULT_KEY
from .views import NamespaceView

EMULATOR_DOCS = "guide/emulator/"
CLOCKS = ("real", "virtual")
# Marker keys that make no sense for a server: what they set is the test process's.
NOT_FOR_SERVER = {
    "autojump": "the server's clock is set by clock= ('real' or 'virtual') and time_scale=",
    "intercept": "the server has no clients of its own to intercept",
    "cassette": "record a server's traffic from its clients' side instead",
    "record_mode": "record a server's traffic from its clients' side instead",
    "cassette_options": "record a server's traffic from its clients' side instead",
    "start": "the server's clock starts at the wall-clock instant it starts",
}


def is_loopback(host: str) -> bool:
    """Whether `host` is a loopback address or name."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# The marker's keys that configure a server's fake: the config file's schema.
SERVER_KEYS = (
    "auto_create",
    "basic_topics",
    "chaos",
    "dead_letter",
    "event_retention_in_days",
    "faults",
    "key",
    "lock_duration",
    "max_delivery_count",
    "namespace",
    "region",
    "seed",
    "subscription",
    "system_topics",
    "time_to_live",
    "topic",
    "topics",
)


def checked_server_settings(settings: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The settings of a server's `EventGrid`, refusing the keys that are not for it
    (with the reason) and unknown keys (with the known ones)."""
    for key in settings:
        if key in NOT_FOR_SERVER:
            raise usage_error(
                f"{where}: {key}", settings[key], f"no {key} ({NOT_FOR_SERVER[key]})", EMULATOR_DOCS
            )
        if key not in SERVER_KEYS:
            raise usage_error(
                f"{where}: unknown key",
                key,
                f"a key of @pytest.mark.eventgrid that configures a server: "
                f"{one_of(SERVER_KEYS, key)}",
                EMULATOR_DOCS,
            )
    return dict(settings)


class EventGridServer:
    """A fake Event Grid served over HTTP: start it with `with`, `async with` or
    `start()`, and point any client at `endpoint` with `credential`.

    `eventgrid` is the `EventGrid` behind it: its views, assertions, `fail()`,
    `chaos()`, clock and timeline cover what reached the server. `reset()` (and the
    admin API's `POST /_admin/reset`) replaces it with a fresh one built from the same
    settings, so read `server.eventgrid` again after a reset.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        https: bool = False,
        clock: str = "real",
        time_scale: float = 1.0,
        certificates_dir: str | Path | None = None,
        **settings: Any,
    ) -> None:
        self.host = _errors.name("host", host, EMULATOR_DOCS)
        self._port = _errors.integer("port", port, EMULATOR_DOCS, low=0, high=65535)
        self.https = _errors.flag("https", https, EMULATOR_DOCS)
        if clock not in CLOCKS:
            raise usage_error("clock", clock, one_of(CLOCKS, clock), EMULATOR_DOCS)
        self.clock_mode = clock
        self.time_scale = _errors.positive_number("time_scale", time_scale, EMULATOR_DOCS)
        self._certificates_dir = None if certificates_dir is None else Path(certificates_dir)
        self._settings = checked_server_settings(settings, "serve()")
        self._lock = threading.Lock()
        self._eventgrid = self._new_eventgrid()  # checks the settings before any start
        self._door = AsgiDoor(self._served, self._locate, admin=self._admin_handler())
        self._thread: ServerThread | None = None
        self._push = RealtimePush()  # webhook deliveries, on the server's loop

    # -- what it serves -------------------------------------------------------------------

    def _new_eventgrid(self) -> EventGrid:
        eventgrid = EventGrid(**self._settings)
        if self.clock_mode == "real":
            eventgrid.clock.flow(self.time_scale)
        else:
            eventgrid.clock.autojump = False
        return eventgrid

    @property
    def eventgrid(self) -> EventGrid:
        """The fake behind the server (a new one after each `reset()`)."""
        return self._eventgrid

    @property
    def settings(self) -> dict[str, Any]:
        """The settings (marker keys) each `reset()` builds the fake from."""
        return dict(self._settings)

    def _served(self) -> tuple[Handler, Clock]:
        eventgrid = self._eventgrid
        return eventgrid._entry, eventgrid.clock

    def _locate(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> WireRequest:
        eventgrid = self._eventgrid
        return emulated_request(
            method, path, query, headers, body, home=eventgrid.host, region=eventgrid.region
        )

    def _push_webhooks(self) -> None:
        """(On the server's loop) deliver the current fake's webhooks in real time."""
        self._push.run(self._eventgrid._deliveries)

    def _admin_handler(self) -> Handler:
        from .admin import AdminApi

        return AdminApi(self)

    def reset(self, settings: Mapping[str, Any] | None = None) -> EventGrid:
        """Answer waiting receives empty, and start again from a fresh fake built from
        the settings (replaced first by `settings`, when given)."""
        with self._lock:
            if settings is not None:
                checked = checked_server_settings(settings, "topology")
                previous, self._settings = self._settings, checked
                try:
                    fresh = self._new_eventgrid()
                except BaseException:
                    self._settings = previous
                    raise
            else:
                fresh = self._new_eventgrid()
            self._eventgrid = fresh
        if self._thread is not None:
            self._thread.call_soon(self._door.end_waits)
            self._thread.call_soon(self._push_webhooks)
        return fresh

    # -- where it answers -----------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the server listens on (known once it started)."""
        return self._thread.port if self._thread is not None else self._port

    @property
    def url(self) -> str:
        """The server's root URL, `http(s)://host:port`."""
        scheme = "https" if self.https else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def endpoint(self) -> str:
        """The endpoint of the default namespace: the server's root URL."""
        return self.url

    def namespace_endpoint(self, name: str) -> str:
        """The endpoint of the namespace `name` (`<url>/namespaces/<name>`)."""
        return f"{self.url}{NAMESPACES_PREFIX}{_errors.name('name', name, EMULATOR_DOCS)}"

    def namespace(self, name: str) -> NamespaceView:
        """The view of the namespace `name` that answers at `namespace_endpoint(name)`."""
        eventgrid = self._eventgrid
        checked = _errors.name("namespace(name)", name, EMULATOR_DOCS)
        return eventgrid.namespace(endpoint_host(checked, eventgrid.region))

    def basic_endpoint(self, name: str) -> str:
        """The publish endpoint of the Basic topic or domain `name`
        (`<url>/basic/<name>/api/events`)."""
        return f"{self.url}{BASIC_PREFIX}{_errors.name('name', name, EMULATOR_DOCS)}/api/events"

    @property
    def key(self) -> str:
        """An access key the server accepts (the configured one, if any)."""
        return self._settings.get("key") or DEFAULT_KEY

    @property
    def credential(self) -> AzureKeyCredential:
        """A key credential the server accepts."""
        return AzureKeyCredential(self.key)

    @property
    def ca_file(self) -> Path | None:
        """With `https=True`, the CA certificate file clients must trust."""
        if self._thread is None or self._thread.certificates is None:
            return None
        return self._thread.certificates.ca_file

    @property
    def waiting(self) -> int:
        """How many requests the server holds unanswered right now: receives waiting
        for events, mostly."""
        return self._door.waiting

    @property
    def admin_requires_key(self) -> bool:
        """Whether the admin API asks for the key: when bound beyond loopback."""
        return not is_loopback(self.host)

    # -- running ----------------------------------------------------------------------------

    def start(self) -> EventGridServer:
        """Start serving, on a thread of its own; `stop()` ends it."""
        if self._thread is None:
            thread = ServerThread(
                self._door,
                host=self.host,
                port=self._port,
                https=self.https,
                certificates_dir=self._certificates_dir,
            )
            thread.start()
            self._thread = thread
            thread.call_soon(self._push_webhooks)
        return self

    def stop(self) -> None:
        """Answer waiting receives empty, close the connections and stop (within a
        second)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.call_soon(self._push.stop)
            thread.stop()
            self._port = thread.port if self._port == 0 else self._port

    @property
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._thread is not None

    def __enter__(self) -> EventGridServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> EventGridServer:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self.url if self.running else "stopped"
        return f"<EventGridServer {state} clock={self.clock_mode}>"


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    config: str | Path | None = None,
    https: bool = False,
    seed: int | str | None = None,
    clock: str = "real",
    time_scale: float = 1.0,
    **settings: Any,
) -> EventGridServer:
    """The fake Event Grid as a local HTTP server, for any process and any language.

    Use `with serve(port=0) as server:` (or `async with`); it runs on a background
    thread. `config` is a JSON or TOML file of the marker's keys; `settings` are the
    same keys as keywords, and win over the file's. `clock="real"` lets time pass (at
    `time_scale` virtual seconds per real second); `clock="virtual"` holds it still
    until `server.eventgrid.clock.advance()` or `POST /_admin/clock/advance`.
    """
    merged: dict[str, Any] = {}
    if config is not None:
        from .config import load_config

        merged.update(load_config(config))
    merged.update(settings)
    if seed is not None:
        merged["seed"] = seed
    return EventGridServer(
        host=host, port=port, https=https, clock=clock, time_scale=time_scale, **merged
    )
