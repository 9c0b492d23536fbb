"""The namespace data plane: publish, receive and the four lock operations."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .._broker import JournalEntry, Namespace, SubscriptionQueue, TokenResult
from ._cloudevents import (
    Event,
    is_binary_mode,
    parse_binary,
    parse_json,
    parse_structured,
    sorted_keys,
)
from ._errors import argument_invalid, bad_request, not_found
from ._http import LongPoll, WireRequest, WireResponse, WireResult, json_response
from ._operations import ACTIONS

API_VERSIONS = ("2023-06-01-preview", "2023-10-01-preview", "2023-11-01", "2024-06-01")
# Versions with releaseDelayInSeconds and :renewLock.
API_VERSIONS_WITH_RENEW = frozenset({"2023-10-01-preview", "2024-06-01"})
# 2023-06-01-preview reported failed tokens as {lockToken, errorCode, errorDescription}.
API_VERSIONS_FLAT_FAILURES = frozenset({"2023-06-01-preview"})
RELEASE_DELAYS = frozenset({0, 10, 60, 600, 3600})
DEFAULT_MAX_EVENTS = 1
DEFAULT_MAX_WAIT_TIME = 60
MAX_EVENTS_RANGE = (1, 100)
MAX_WAIT_TIME_RANGE = (10, 120)

_ROUTE = re.compile(
    r"(?:/api/events)?/topics/(?P<topic>[^/:]+)"
    r"(?::(?P<publish>publish)"
    r"|/eventsubscriptions/(?P<subscription>[^/:]+):(?P<operation>[A-Za-z]+))"
)


@dataclass(frozen=True)
class Route:
    """A parsed namespace path."""

    operation: str
    topic: str
    subscription: str | None = None


def match_route(request: WireRequest) -> Route | None:
    """The namespace operation that `request` addresses, if any."""
    return _route(request.method, request.path)


@lru_cache(maxsize=256)
def _route(method: str, path: str) -> Route | None:
    if method != "POST":
        return None
    match = _ROUTE.fullmatch(path)
    if match is None:
        return None
    if match["publish"]:
        return Route("publish", match["topic"])
    operation = ACTIONS.get(match["operation"])
    if operation is None:
        return None
    return Route(operation, match["topic"], match["subscription"])


def check_api_version(request: WireRequest, route: Route) -> str:
    versions = request.query.get("api-version")
    version = versions[-1] if versions else None  # as `request.query_value()`
    if version is None:
        raise bad_request("The api-version query parameter is required")
    if version not in API_VERSIONS:
        raise bad_request(
            f"The api-version '{version}' is not supported. "
            f"Supported api-versions: {', '.join(API_VERSIONS)}"
        )
    if route.operation == "renew_locks" and version not in API_VERSIONS_WITH_RENEW:
        raise not_found(f"The renewLock operation is not available in api-version {version}")
    return version


def _query_int(request: WireRequest, name: str, default: int, bounds: tuple[int, int]) -> int:
    text = request.query_value(name)
    if text is None:
        return default
    if not re.fullmatch(r"\+?[0-9]{1,10}", text):
        raise bad_request("Error parsing query parameters")
    value = int(text)
    low, high = bounds
    if not low <= value <= high:
        raise argument_invalid(f"Invalid {name} parameter")
    return value


def _release_delay(request: WireRequest, version: str) -> int:
    text = request.query_value("releaseDelayInSeconds")
    if text is None:
        return 0
    if version not in API_VERSIONS_WITH_RENEW:
        raise bad_request(f"releaseDelayInSeconds is not supported in api-version {version}")
    if not re.fullmatch(r"\+?[0-9]{1,10}", text):
        raise bad_request("Error parsing query parameters")
    delay = int(text)
    if delay not in RELEASE_DELAYS:
        raise argument_invalid("Invalid releaseDelayInSeconds parameter")
    return delay


def _lock_tokens(request: WireRequest) -> list[str]:
    document = parse_json(request.body)
    tokens = document.get("lockTokens") if isinstance(document, dict) else None
    if (
        not isinstance(tokens, list)
        or not tokens
        or not all(isinstance(token, str) for token in tokens)
    ):
        raise bad_request("`lockTokens` must be a non-empty array of strings")
    return tokens


def parse_publish(request: WireRequest) -> list[Event]:
    """The events of a publish request, in whichever content mode it uses, with the
    keys of their `data` objects sorted, as the service re-serialises them (REC)."""
    events = _published_events(request)
    for event in events:
        data = event.get("data")
        if isinstance(data, dict | list):
            event["data"] = sorted_keys(data)
    return events


def _published_events(request: WireRequest) -> list[Event]:
    headers = request.lower_headers
    media = _media_type(headers.get("content-type") or "")
    if media == "application/cloudevents-batch+json":
        return parse_structured(request.body, batch=True)
    if media == "application/cloudevents+json":
        return parse_structured(request.body, batch=False)
    if is_binary_mode(headers) or not media:
        return [parse_binary(headers, request.body)]
    raise bad_request(
        f"Content-Type '{media}' is not supported: send application/cloudevents+json, "
        "application/cloudevents-batch+json, or binary mode with ce-* headers"
    )


@lru_cache(maxsize=64)
def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def settlement_response(results: list[TokenResult], version: str) -> WireResponse:
    flat = version in API_VERSIONS_FLAT_FAILURES
    failed: list[dict[str, object]] = []
    for result in results:
        if result.error is None:
            continue
        code, message = result.error
        if flat:
            failed.append(
                {"lockToken": result.lock_token, "errorCode": code, "errorDescription": message}
            )
        else:
            failed.append(
                {"lockToken": result.lock_token, "error": {"code": code, "message": message}}
            )
    succeeded = [result.lock_token for result in results if result.error is None]
    return json_response(
        200,
        {"succeededLockTokens": succeeded, "failedLockTokens": failed},
        content_type="application/json",
    )


Settle = Callable[[SubscriptionQueue, list[str], float], list[TokenResult]]


class NamespaceApi:
    """Answers the namespace data-plane requests of one namespace."""

    def __init__(self, namespace: Namespace) -> None:
        self.namespace = namespace
        self.broker = namespace.broker

    def handle(self, request: WireRequest, route: Route) -> WireResult:
        version = check_api_version(request, route)
        if route.operation == "publish":
            return self._publish(request, route)
        if route.operation == "receive":
            return self._receive(request, route)
        return self._settle(request, route, version)

    def _publish(self, request: WireRequest, route: Route) -> WireResponse:
        if not self.namespace.auto_create:
            self._check_known(route)
        events = parse_publish(request)
        broker = self.broker
        with broker.lock:
            self.namespace = namespace = broker.adopt_namespace(self.namespace)  # _adopt()
            namespace.publish(route.topic, events)
        return WireResponse.built(
            200, {"Content-Type": "application/json", "Content-Length": "2"}, b"{}"
        )

    def _receive(self, request: WireRequest, route: Route) -> WireResult:
        max_events = _query_int(request, "maxEvents", DEFAULT_MAX_EVENTS, MAX_EVENTS_RANGE)
        max_wait = _query_int(request, "maxWaitTime", DEFAULT_MAX_WAIT_TIME, MAX_WAIT_TIME_RANGE)
        subscription = route.subscription or ""
        self._check_known(route)
        with self.broker.lock:
            queue = self._adopt().subscription(route.topic, subscription)
            deadline = self.broker.clock.now() + max_wait

        def poll() -> WireResponse | None:
            with self.broker.lock:
                if self.broker.clock.now() >= deadline:
                    return None  # the wait is over: what ends now waits for the next receive
                deliveries = self.namespace.receive(route.topic, subscription, max_events)
            if not deliveries:
                return None
            return json_response(
                200,
                {
                    "value": [
                        {
                            "brokerProperties": {
                                "lockToken": delivery.lock_token,
                                "deliveryCount": delivery.delivery_count,
                            },
                            "event": delivery.event,
                        }
                        for delivery in deliveries
                    ]
                },
            )

        def next_change() -> float | None:
            with self.broker.lock:
                return queue.next_change()

        first = poll()
        if first is not None:
            return first
        return LongPoll(
            deadline=deadline,
            poll=poll,
            timeout=lambda: self._empty_receive(route, max_wait),
            next_change=next_change,
            add_listener=queue.add_listener,
            remove_listener=queue.remove_listener,
        )

    def _empty_receive(self, route: Route, max_wait: int) -> WireResponse:
        self.broker.journal.record(
            JournalEntry(
                self.broker.clock.now(),
                "receive",
                self.namespace.name,
                route.topic,
                route.subscription,
                detail=f"no events within maxWaitTime={max_wait}s",
            )
        )
        return json_response(200, {"value": []})

    def _settle(self, request: WireRequest, route: Route, version: str) -> WireResponse:
        delay = _release_delay(request, version) if route.operation == "release" else 0
        self._check_known(route)
        tokens = _lock_tokens(request)
        action: Settle
        if route.operation == "acknowledge":
            action = SubscriptionQueue.acknowledge
        elif route.operation == "reject":
            action = SubscriptionQueue.reject
        elif route.operation == "renew_locks":
            action = SubscriptionQueue.renew_locks
        else:

            def action(
                queue: SubscriptionQueue, tokens: list[str], now: float
            ) -> list[TokenResult]:
                return queue.release(tokens, now, float(delay))

        with self.broker.lock:
            results = self._adopt().settle(
                route.operation,
                route.topic,
                route.subscription or "",
                tokens,
                action,
                detail=f"delay={delay}s" if delay else "",
            )
        return settlement_response(results, version)

    def _adopt(self) -> Namespace:
        """The namespace, which the broker holds from now on: only a request that is
        served creates its namespace. Callers hold the broker lock."""
        self.namespace = self.broker.adopt_namespace(self.namespace)
        return self.namespace

    def _check_known(self, route: Route) -> None:
        """404 for a topic or subscription the namespace lacks and may not create.

        Nothing is created here, so a request that later fails validation leaves the
        broker as it was. A push subscription has no queue: receiving from or settling
        on it is a 400 (the message is a guess).
        """
        if route.subscription is not None:
            owner = self.namespace.topics.get(route.topic)
            if owner is not None and route.subscription in owner.push_subscriptions:
                raise bad_request(
                    f"The operation is not supported for event subscription "
                    f"'{route.subscription}': its delivery mode is Push. Receive, "
                    "acknowledge, release, reject and renewLock need delivery mode Queue."
                )
        if self.namespace.auto_create:
            return
        with self.broker.lock:
            topic = self.namespace.topics.get(route.topic)
            if topic is None:
                raise not_found(f"Topic '{route.topic}' is not found")
            if route.subscription is not None and route.subscription not in topic.subscriptions:
                raise not_found(f"Event subscription '{route.subscription}' is not found")
