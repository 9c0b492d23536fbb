"""The wire's entry point: one request in, one response (or long-poll) out."""

from __future__ import annotations

from collections.abc import Callable

from .._broker import Broker, JournalEntry, Namespace
from ._auth import namespace_key_accepted
from ._errors import (
    NAMESPACE_ROUTES,
    ServiceError,
    namespace_error,
    not_found,
    not_served_message,
)
from ._http import WireRequest, WireResponse, WireResult
from ._namespaces import NamespaceApi, Route, match_route

NamespaceResolver = Callable[[str], Namespace | None]


class EventGridService:
    """The Event Grid REST protocol over a broker.

    `handle()` never raises for bad input: every request gets the response the
    service would give, or a `LongPoll` for a receive that may wait.
    """

    def __init__(self, broker: Broker, resolve: NamespaceResolver) -> None:
        self.broker = broker
        self._resolve = resolve

    def handle(self, request: WireRequest) -> WireResult:
        namespace = self._resolve(request.host)
        route = match_route(request)
        if namespace is None:
            return self._error(not_found(not_served_message(request, ())), request, route, None)
        try:
            if not namespace_key_accepted(request, namespace.key):
                raise ServiceError(
                    401,
                    "Unauthorized",
                    f"The request authorization key is not authorized for {request.host.upper()}.",
                )
            if route is None:
                raise not_found(not_served_message(request, NAMESPACE_ROUTES))
            return NamespaceApi(namespace).handle(request, route)
        except ServiceError as error:
            return self._error(error, request, route, namespace)

    def _error(
        self,
        error: ServiceError,
        request: WireRequest,
        route: Route | None,
        namespace: Namespace | None,
    ) -> WireResponse:
        self.broker.journal.record(
            JournalEntry(
                self.broker.clock.now(),
                route.operation if route else f"{request.method} {request.path}",
                namespace.name if namespace else request.host,
                route.topic if route else None,
                route.subscription if route else None,
                status=error.status,
                detail=f"{error.code}: {error.message.splitlines()[0]}",
            )
        )
        return namespace_error(
            error, instant=self.broker.clock.utcnow(), tracking_id=self.broker.ids.tracking_id()
        )
