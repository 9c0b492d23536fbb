"""The emulator's admin API, under `/_admin/`: JSON over HTTP, for tests in any
language. Each endpoint is a method of the library's own objects; see the emulator
guide for the list."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._errors import UsageError
from .._wire import WireRequest, WireResponse
from .._wire._http import json_response

if TYPE_CHECKING:
    from .emulator import EventGridServer

ADMIN_PREFIX = "/_admin/"
ADMIN_DOCS = "guide/emulator/#the-admin-api"


class AdminError(Exception):
    """A request the admin API refuses: `status` and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _body(request: WireRequest) -> Any:
    if not request.body:
        return None
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as error:
        raise AdminError(400, f"The body is not JSON: {error}.") from None


class AdminApi:
    """Answers `/_admin/...` requests for one server."""

    def __init__(self, server: EventGridServer) -> None:
        self._server = server
        self._routes: dict[tuple[str, str], Callable[[WireRequest], object]] = {
            ("GET", "health"): self.health,
            ("POST", "reset"): self.reset,
            ("POST", "clock/advance"): self.advance_clock,
        }

    def handle(self, request: WireRequest) -> WireResponse:
        name = request.path[len(ADMIN_PREFIX) :].strip("/")
        route = self._routes.get((request.method, name))
        try:
            if self._server.admin_requires_key and not self._authorized(request):
                raise AdminError(401, "The admin API needs the server's key (aeg-sas-key).")
            if route is None:
                known = sorted({path for _, path in self._routes})
                raise AdminError(
                    404, f"No admin endpoint {request.method} {ADMIN_PREFIX}{name}; known: {known}."
                )
            return json_response(200, route(request))
        except AdminError as error:
            return json_response(error.status, {"error": str(error), "docs": ADMIN_DOCS})
        except UsageError as error:
            return json_response(400, {"error": str(error), "docs": ADMIN_DOCS})

    def _authorized(self, request: WireRequest) -> bool:
        given = request.header("aeg-sas-key") or ""
        return hmac.compare_digest(given.encode("utf-8"), self._server.key.encode("utf-8"))

    def health(self, request: WireRequest) -> object:
        """`GET /_admin/health`."""
        return {"status": "ok", "endpoint": self._server.endpoint}

    def reset(self, request: WireRequest) -> object:
        """`POST /_admin/reset`: empty everything and re-apply the config."""
        self._server.reset()
        return {"status": "reset"}

    def advance_clock(self, request: WireRequest) -> object:
        """`POST /_admin/clock/advance` `{"seconds": n}`."""
        body = _body(request)
        if not isinstance(body, dict) or "seconds" not in body:
            raise AdminError(400, 'Expected a JSON body {"seconds": <number>}.')
        now = self._server.eventgrid.clock.advance(body["seconds"])
        return {"now": now}
