"""The emulator's admin API, under `/_admin/`: JSON over HTTP, for tests in any
language. Each endpoint is a method of the library's own objects (`EventGridServer`,
`EventGrid`, its views); the emulator guide documents them all."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._broker._chaos import SETTINGS as CHAOS_SETTINGS
from .._errors import UsageError, docs
from .._wire import WireRequest, WireResponse
from .._wire._http import json_response
from . import admin_state, scripting
from .emulator import NOT_FOR_SERVER, SERVER_KEYS
from .eventgrid import EventGrid

if TYPE_CHECKING:
    from .emulator import EventGridServer

ADMIN_PREFIX = "/_admin/"
ADMIN_DOCS = "guide/emulator/#the-admin-api"
# What `PUT /_admin/topology` takes: the marker's keys that make sense for a server.
TOPOLOGY_KEYS = SERVER_KEYS
# Options of `serve()` fixed when the server starts.
SERVER_OPTIONS = ("host", "port", "https", "clock", "time_scale", "certificates_dir", "config")

Endpoint = Callable[[WireRequest], object]
_log = logging.getLogger(__name__)


class AdminError(Exception):
    """A request the admin API refuses: `status` and a message (and headers)."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


def refusal(status: int, message: str, headers: Mapping[str, str] | None = None) -> WireResponse:
    """A refused admin request: `{"status", "message", "docs"}`."""
    payload = {"status": status, "message": message, "docs": docs(ADMIN_DOCS)}
    return json_response(status, payload, headers=headers)


def _body(request: WireRequest, expected: str) -> Any:
    """The request's JSON body; `expected` describes it for the refusals."""
    if not request.body:
        raise AdminError(400, f"{request.method} {request.path} needs a JSON body: {expected}.")
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as error:
        raise AdminError(400, f"The body is not JSON ({error}); expected {expected}.") from None


class AdminApi:
    """Answers `/_admin/...` requests for one server."""

    def __init__(self, server: EventGridServer) -> None:
        self._server = server
        self._routes: dict[str, dict[str, Endpoint]] = {
            "health": {"GET": self.health},
            "state": {"GET": self.state},
            "timeline": {"GET": self.timeline},
            "reset": {"POST": self.reset},
            "topology": {"GET": self.topology, "PUT": self.replace_topology},
            "clock/advance": {"POST": self.advance_clock},
            "faults": {"GET": self.faults, "POST": self.add_faults},
            "chaos": {"POST": self.set_chaos},
        }

    @property
    def endpoints(self) -> list[str]:
        """Every endpoint, as `METHOD /_admin/path`."""
        return [
            f"{method} {ADMIN_PREFIX}{path}"
            for path, methods in self._routes.items()
            for method in methods
        ]

    def handle(self, request: WireRequest) -> WireResponse:
        """The answer to one admin request (never raises)."""
        try:
            self._check_key(request)
            return json_response(200, self._endpoint(request)(request))
        except AdminError as error:
            return refusal(error.status, str(error), error.headers)
        except UsageError as error:
            return refusal(400, str(error))
        except Exception as error:  # the server answers, whatever went wrong
            _log.exception("admin request %s %s failed", request.method, request.path)
            return refusal(500, f"{type(error).__name__}: {error}")

    def _endpoint(self, request: WireRequest) -> Endpoint:
        path = request.path[len(ADMIN_PREFIX) :].strip("/")
        methods = self._routes.get(path)
        if methods is None:
            raise AdminError(
                404,
                f"No admin endpoint {ADMIN_PREFIX}{path}. "
                f"Known endpoints: {', '.join(self.endpoints)}.",
            )
        endpoint = methods.get(request.method)
        if endpoint is None:
            allowed = ", ".join(methods)
            raise AdminError(
                405,
                f"{ADMIN_PREFIX}{path} answers {allowed}, not {request.method}.",
                {"Allow": allowed},
            )
        return endpoint

    def _check_key(self, request: WireRequest) -> None:
        """Beyond loopback, every admin request must carry the server's key."""
        if not self._server.admin_requires_key:
            return
        scheme, _, value = (request.header("authorization") or "").partition(" ")
        if scheme.lower() == "sharedaccesskey":
            given, where = value.strip(), "Authorization: SharedAccessKey"
        else:
            given, where = request.header("aeg-sas-key") or "", "aeg-sas-key"
        if not given:
            raise AdminError(
                401,
                f"The admin API of a server bound to {self._server.host} needs the server's "
                "key: send it in the aeg-sas-key header, or as "
                "Authorization: SharedAccessKey <key>.",
            )
        if not hmac.compare_digest(given.encode("utf-8"), self._server.key.encode("utf-8")):
            raise AdminError(401, f"The key in {where} is not the server's key.")

    # -- the endpoints -------------------------------------------------------------------

    def health(self, request: WireRequest) -> object:
        """`GET /_admin/health`: the server answers, where, and how many requests it
        holds unanswered (waiting receives)."""
        server = self._server
        return {
            "status": "ok",
            "endpoint": server.endpoint,
            "clock": server.clock_mode,
            "waiting": server.waiting,
        }

    def state(self, request: WireRequest) -> object:
        """`GET /_admin/state`: every namespace, topic, subscription and Basic topic,
        with their events by state."""
        return admin_state.state(self._server)

    def timeline(self, request: WireRequest) -> object:
        """`GET /_admin/timeline`: every operation served, in order."""
        return {"timeline": [admin_state.journal_entry(e) for e in self._server.eventgrid.timeline]}

    def reset(self, request: WireRequest) -> object:
        """`POST /_admin/reset`: empty everything and re-apply the config."""
        self._server.reset()
        return {"status": "reset", "topology": admin_state.plain(self._server.settings)}

    def topology(self, request: WireRequest) -> object:
        """`GET /_admin/topology`: the settings each reset builds the fake from."""
        return {"topology": admin_state.plain(self._server.settings)}

    def replace_topology(self, request: WireRequest) -> object:
        """`PUT /_admin/topology`: new settings (the marker's keys), then a reset."""
        expected = 'an object of the marker\'s keys, such as {"topic": "orders"}'
        settings = _body(request, expected)
        if not isinstance(settings, dict):
            raise AdminError(
                400, f"The topology is {type(settings).__name__}; expected {expected}."
            )
        fixed = sorted(key for key in settings if key in SERVER_OPTIONS)
        if fixed:
            raise AdminError(
                400,
                f"{', '.join(fixed)}: set when the server starts (serve() or the command "
                "line), not by the topology.",
            )
        unknown = sorted(
            key for key in settings if key not in TOPOLOGY_KEYS and key not in NOT_FOR_SERVER
        )
        if unknown:
            raise AdminError(
                400,
                f"Unknown topology key(s): {', '.join(unknown)}. "
                f"Known keys: {', '.join(TOPOLOGY_KEYS)}.",
            )
        self._server.reset(settings)
        return {"status": "reset", "topology": admin_state.plain(self._server.settings)}

    def advance_clock(self, request: WireRequest) -> object:
        """`POST /_admin/clock/advance` `{"seconds": n}`: move the clock forward."""
        expected = '{"seconds": <number>}'
        body = _body(request, expected)
        if not isinstance(body, dict) or set(body) != {"seconds"}:
            raise AdminError(400, f"The body is {json.dumps(body)}; expected {expected}.")
        self._server.eventgrid.clock.advance(body["seconds"])
        return admin_state.clock(self._server)

    def faults(self, request: WireRequest) -> object:
        """`GET /_admin/faults`: every scripted fault, with how often it fired."""
        return {"faults": [admin_state.fault(item) for item in self._server.eventgrid.faults]}

    def add_faults(self, request: WireRequest) -> object:
        """`POST /_admin/faults`: script faults, given as the marker's `faults=` entries."""
        specs = _body(
            request, 'a list of fault entries, such as [{"operation": "publish", "status": 503}]'
        )
        # All or nothing: a throwaway fake checks every entry as the marker's are checked.
        EventGrid(faults=specs)
        eventgrid = self._server.eventgrid
        added = [
            eventgrid.fail(operation, outcome, **options)
            for operation, outcome, options in scripting.checked_faults(specs)
        ]
        return {
            "added": [admin_state.fault(item) for item in added],
            "faults": [admin_state.fault(item) for item in eventgrid.faults],
        }

    def set_chaos(self, request: WireRequest) -> object:
        """`POST /_admin/chaos`: true (the default mix), false (calm), or `chaos()`
        keywords."""
        body = _body(request, "true, false, or an object of chaos() settings")
        settings = scripting.checked_chaos(body) or {}
        chosen = self._server.eventgrid.chaos(**settings)
        return {"chaos": {name: getattr(chosen, name) for name in CHAOS_SETTINGS}}
