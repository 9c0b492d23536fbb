"""Requests straight to the wire (`EventGridService.handle`), and views of what it did."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from pytest_eventgrid import EventGrid
from pytest_eventgrid._broker import Namespace
from pytest_eventgrid._doors import wait_sync
from pytest_eventgrid._wire import LongPoll, WireRequest, WireResponse

API = "2024-06-01"
TOPIC = "orders"
SUBSCRIPTION = "billing"
BATCH = "application/cloudevents-batch+json; charset=utf-8"
SINGLE = "application/cloudevents+json; charset=utf-8"
REQUIRED = ("id", "source", "type", "specversion")
DOCS = "https://pytest-eventgrid.readthedocs.io/en/latest/fidelity/#unsupported-requests"
ROUTES = (
    "POST /topics/{topic}:publish",
    "POST /topics/{topic}/eventsubscriptions/{subscription}:receive",
    "POST /topics/{topic}/eventsubscriptions/{subscription}:acknowledge",
    "POST /topics/{topic}/eventsubscriptions/{subscription}:release",
    "POST /topics/{topic}/eventsubscriptions/{subscription}:reject",
    "POST /topics/{topic}/eventsubscriptions/{subscription}:renewLock",
)
_TIMESTAMP_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}\+00:00")
_TRACKING_ID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
omit: Any = object()  # `cloud_event(source=omit)` leaves `source` out


def cloud_event(**attributes: object) -> dict[str, object]:
    """A valid CloudEvent; pass `name=omit` to leave an attribute out."""
    event: dict[str, object] = {
        "id": "e1",
        "source": "/orders",
        "type": "Order.Created",
        "specversion": "1.0",
    }
    event.update(attributes)
    return {name: value for name, value in event.items() if value is not omit}


def service_error(status: int, code: str, message: str) -> dict[str, object]:
    """What `error_view` shows for the service's error response."""
    return {
        "status": status,
        "content-type": "application/json; charset=utf-8",
        "broker-errorcode": code,
        "code": code,
        "message": message,
        "timestamp_utc": "<nanoseconds, +00:00>",
        "tracking_id": "<upper-case GUID>",
    }


def error_view(response: WireResponse) -> dict[str, object]:
    """A namespace error response, with the parts that vary per request as shapes."""
    body = response.json()
    error = body.get("error", {}) if isinstance(body, dict) else {}
    timestamp, tracking = error.get("timestamp_utc"), error.get("tracking_id")
    return {
        "status": response.status,
        "content-type": response.headers.get("Content-Type"),
        "broker-errorcode": response.headers.get("broker-errorcode"),
        "code": error.get("code"),
        "message": error.get("message"),
        "timestamp_utc": (
            "<nanoseconds, +00:00>"
            if isinstance(timestamp, str) and _TIMESTAMP_UTC.fullmatch(timestamp)
            else timestamp
        ),
        "tracking_id": (
            "<upper-case GUID>"
            if isinstance(tracking, str) and _TRACKING_ID.fullmatch(tracking)
            else tracking
        ),
    }


def not_served(method: str, url: str, host: str, routes: tuple[str, ...] = ROUTES) -> str:
    """The message of the 404 for a request the fake does not serve."""
    served = "\n".join(f"  - {route}" for route in routes) or "  (nothing)"
    return (
        f"pytest-eventgrid cannot serve {method} {url}\n"
        f"On host '{host}' the fake Event Grid serves:\n{served}\n"
        f"See {DOCS}"
    )


class Wire:
    """A fake namespace with topic `orders` and its subscription `billing`, whose
    requests go straight to `EventGridService.handle` (no azure-core in between)."""

    def __init__(self, **settings: Any) -> None:
        settings.setdefault("auto_create", False)
        self.eventgrid = EventGrid(topic=TOPIC, subscription=SUBSCRIPTION, **settings)
        self.host = self.eventgrid.host
        key = settings.get("key")
        # Sent when a request names no headers of its own.
        self.credentials = {"Authorization": f"SharedAccessKey {key}"} if key else {}

    def http_date(self) -> str:
        """The `Date` header the fake stamps now, on its virtual clock."""
        return format_datetime(self.eventgrid.clock.utcnow(), usegmt=True)

    # -- requests ----------------------------------------------------------------------

    def url(self, path: str, query: Mapping[str, str] | None = None) -> str:
        return f"https://{self.host}{path}" + (f"?{urlencode(query)}" if query else "")

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> WireResponse:
        """One request; a receive that waits is finished on the virtual clock."""
        result = self.eventgrid._service.handle(WireRequest(method, url, dict(headers or {}), body))
        return wait_sync(result, self.eventgrid.clock) if isinstance(result, LongPoll) else result

    def publish(
        self,
        body: object,
        *,
        content_type: str | None = BATCH,
        headers: Mapping[str, str] | None = None,
        topic: str = TOPIC,
        api_version: str | None = API,
        prefix: str = "",
    ) -> WireResponse:
        """POST `:publish`; `body` is JSON-encoded unless it is bytes."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent = dict(self.credentials if headers is None else headers)
        if content_type is not None:
            sent["Content-Type"] = content_type
        query = {"api-version": api_version} if api_version else None
        return self.send(
            "POST", self.url(f"{prefix}/topics/{topic}:publish", query), headers=sent, body=raw
        )

    def operation(
        self,
        name: str,
        *,
        body: object = None,
        query: Mapping[str, str] | None = None,
        topic: str = TOPIC,
        subscription: str = SUBSCRIPTION,
        api_version: str | None = API,
        headers: Mapping[str, str] | None = None,
        prefix: str = "",
    ) -> WireResponse:
        """POST `:receive`, `:acknowledge`, `:release`, `:reject` or `:renewLock`."""
        full = {**({"api-version": api_version} if api_version else {}), **(query or {})}
        path = f"{prefix}/topics/{topic}/eventsubscriptions/{subscription}:{name}"
        raw = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body)
        sent = dict(self.credentials if headers is None else headers)
        if raw:
            sent["Content-Type"] = "application/json"
        return self.send(
            "POST",
            self.url(path, full),
            headers=sent,
            body=raw.encode() if isinstance(raw, str) else raw,
        )

    def settle(self, name: str, tokens: list[str], **options: Any) -> WireResponse:
        return self.operation(name, body={"lockTokens": tokens}, **options)

    def receive(self, **query: str) -> list[dict[str, Any]]:
        """The `value` items of a successful receive."""
        response = self.operation("receive", query=query)
        body = response.json()
        assert response.status == 200, body
        assert isinstance(body, dict)
        items: list[dict[str, Any]] = body["value"]
        return items

    def receive_event(self, **query: str) -> dict[str, Any]:
        """The one event a receive hands out."""
        (item,) = self.receive(**query)
        event: dict[str, Any] = item["event"]
        return event

    def seed(self) -> str:
        """Publish two events and lock the first: returns its lock token."""
        self.publish([cloud_event(id="first"), cloud_event(id="second")])
        (item,) = self.receive()
        token: str = item["brokerProperties"]["lockToken"]
        return token

    # -- what the broker holds ------------------------------------------------------------

    def published(self, topic: str = TOPIC) -> list[dict[str, object]]:
        """The events `topic` holds, as the service stored them."""
        with self.eventgrid._broker.lock:
            return [dict(event) for event in self._namespace.topics[topic].published]

    @property
    def _namespace(self) -> Namespace:
        return self.eventgrid._broker.namespaces[self.host]

    # -- state ---------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Everything a request could change, apart from the journal: namespaces,
        topics, what they hold, and every event of every subscription by state."""
        broker = self.eventgrid._broker
        with broker.lock:
            now = broker.clock.now()
            return {
                host: {
                    name: {
                        "published": [dict(event) for event in topic.published],
                        "subscriptions": {
                            sub: {
                                "pending": queue.pending(now),
                                "history": [
                                    list(getattr(queue, outcome))
                                    for outcome in (
                                        "acknowledged",
                                        "released",
                                        "rejected",
                                        "dead_lettered",
                                        "dropped",
                                        "expired_locks",
                                    )
                                ],
                            }
                            for sub, queue in topic.subscriptions.items()
                        },
                    }
                    for name, topic in namespace.topics.items()
                }
                for host, namespace in broker.namespaces.items()
            }
