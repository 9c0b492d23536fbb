"""The wire's entry point: one request in, one response (or long-poll) out."""

from __future__ import annotations

from .._broker import BasicTopic, Broker, JournalEntry, Namespace
from ._auth import namespace_key_accepted
from ._basic import BasicApi, BasicError, basic_error_response
from ._basic import not_found as basic_not_found
from ._errors import (
    NAMESPACE_ROUTES,
    ServiceError,
    http_date,
    namespace_error,
    not_found,
    not_served_message,
)
from ._http import LongPoll, WireRequest, WireResponse, WireResult
from ._namespaces import NamespaceApi, Route, match_route


def _is_basic_publish(request: WireRequest) -> bool:
    return request.method == "POST" and request.path.rstrip("/") == "/api/events"


class EventGridService:
    """The Event Grid REST protocol over a broker.

    `handle()` never raises for bad input: every request gets the response the
    service would give, or a `LongPoll` for a receive that may wait.
    """

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self._date = (-1, "")  # the Date header of the last virtual second answered
        self._apis: dict[str, NamespaceApi] = {}  # by host, for namespaces the broker holds

    def handle(self, request: WireRequest) -> WireResult:
        route = match_route(request)
        # A Basic host answers every request as a Basic host, namespace paths too. The
        # broker resolves hosts without creating anything: what a request creates, the
        # broker adopts only once the request is served.
        held = self.broker.held(request.host)
        if isinstance(held, BasicTopic):
            return self._basic(request, held)
        if held is None:
            topic = self.broker.basic_topic_for(request.host, create=_is_basic_publish(request))
            if topic is not None:
                return self._basic(request, topic)
            held = self.broker.namespace_for(request.host, create=False)
            if held is None:
                return self._error(not_found(not_served_message(request, ())), request, route, None)
        namespace = held
        try:
            if namespace.key is not None and not namespace_key_accepted(request, namespace.key):
                raise ServiceError(
                    401,
                    "Unauthorized",
                    f"The request authorization key is not authorized for {request.host.upper()}.",
                )
            if route is None:
                raise not_found(not_served_message(request, NAMESPACE_ROUTES))
            api = self._apis.get(namespace.name)
            if api is None or api.namespace is not namespace:
                api = self._api(namespace)
            result = api.handle(request, route)
        except ServiceError as error:
            return self._error(error, request, route, namespace)
        if isinstance(result, WireResponse):
            return self._stamp(result)
        return self._dated(result)

    def _api(self, namespace: Namespace) -> NamespaceApi:
        """A new API for `namespace`, kept for the next requests while the broker holds
        the namespace."""
        api = NamespaceApi(namespace)
        if self.broker.held(namespace.name) is namespace:
            self._apis[namespace.name] = api
        return api

    def _dated(self, result: LongPoll) -> LongPoll:
        """Stamp the `Date` header, on the virtual clock, when the answer is sent."""
        poll, timeout = result.poll, result.timeout

        def dated_poll() -> WireResponse | None:
            response = poll()
            return None if response is None else self._stamp(response)

        result.poll = dated_poll
        result.timeout = lambda: self._stamp(timeout())
        return result

    def _stamp(self, response: WireResponse) -> WireResponse:
        second = int(self.broker.clock.now())
        if self._date[0] != second:
            self._date = (second, http_date(self.broker.clock.utcnow()))
        response.headers.setdefault("Date", self._date[1])
        return response

    def _basic(self, request: WireRequest, topic: BasicTopic) -> WireResponse:
        try:
            if not _is_basic_publish(request):
                raise basic_not_found(request)
            return BasicApi(self.broker, topic).handle(request)
        except BasicError as error:
            self.broker.journal.record(
                JournalEntry(
                    self.broker.clock.now(),
                    "send" if _is_basic_publish(request) else f"{request.method} {request.path}",
                    topic.host,
                    topic.name,
                    status=error.status,
                    detail=f"{error.code}: {error.message}",
                )
            )
            return basic_error_response(
                error,
                instant=self.broker.clock.utcnow(),
                tracking_id=self.broker.ids.guid(),
                supported_versions=error.status != 404,
            )

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
