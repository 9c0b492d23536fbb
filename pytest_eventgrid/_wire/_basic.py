"""Event Grid Basic: `POST /api/events?api-version=2018-01-01` on topics and domains."""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime

from .._broker import Broker, JournalEntry, JournalItem
from .._broker._basic import BasicTopic
from ._cloudevents import Event, normalize_time, parse_json, validate
from ._errors import ServiceError
from ._http import WireRequest, WireResponse, json_response
from ._sas import check_sas_token

API_VERSION = "2018-01-01"
MAX_REQUEST_BYTES = 1_536_000
MAX_EVENT_BYTES = 1_049_600
EVENTGRID_REQUIRED = ("id", "subject", "data", "eventType", "eventTime", "dataVersion")
RESOURCE_GROUP = "pytest-eventgrid"
SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
BASIC_HEADERS = {
    "Server": "Microsoft-HTTPAPI/2.0",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
SCHEMA_NAMES = {
    "eventgrid": "EventGridEvent",
    "cloudevents": "CloudEventV10",
    "custom": "CustomInputSchema",
}


class BasicError(ServiceError):
    """A Basic error: `{"error": {code, message, details: [{code, message}]}}`."""

    def __init__(
        self, status: int, code: str, message: str, detail_code: str | None = None
    ) -> None:
        super().__init__(status, code, message)
        self.detail_code = detail_code or code


def _report_suffix(tracking_id: str, instant: datetime) -> str:
    hour = instant.hour % 12 or 12
    meridian = "AM" if instant.hour < 12 else "PM"
    stamp = (
        f"{instant.month}/{instant.day}/{instant.year} "
        f"{hour}:{instant.minute:02}:{instant.second:02} {meridian}"
    )
    return (
        f" Report '{tracking_id}:0:{stamp} (UTC)' to our forums for assistance "
        "or raise a support ticket."
    )


def basic_error_response(
    error: BasicError, *, instant: datetime, tracking_id: str, supported_versions: bool = True
) -> WireResponse:
    """The Basic error body, with the service's "Report ..." suffix on every message."""
    message = error.message + _report_suffix(tracking_id, instant)
    headers = dict(BASIC_HEADERS)
    if supported_versions:
        headers["api-supported-versions"] = API_VERSION
    headers["Date"] = format_datetime(instant, usegmt=True)
    return json_response(
        error.status,
        {
            "error": {
                "code": error.code,
                "message": message,
                "details": [{"code": error.detail_code, "message": message}],
            }
        },
        headers=headers,
    )


def too_large(limit: int) -> BasicError:
    return BasicError(
        413,
        "RequestEntityTooLarge",
        f"The maximum size ({limit}) has been exceeded.",
        "PayloadTooLarge",
    )


def bad_request(message: str) -> BasicError:
    return BasicError(400, "BadRequest", message, "InputJsonInvalid")


def not_authorized(host: str, reason: str, *, token: bool = False) -> BasicError:
    what = "token" if token else "key"
    return BasicError(
        401,
        "Unauthorized",
        f"The request authorization {what} is not authorized for {host.upper()}. "
        f"This is due to the reason: {reason}.",
    )


def check_auth(request: WireRequest, key: str | None, now: datetime) -> None:
    """Accept `aeg-sas-key`, `aeg-sas-token` (or `SharedAccessSignature`) and Bearer.

    With no key configured every request passes. Otherwise the key must match, and a
    token must carry a valid HMAC, cover the request URL and be unexpired on the
    fake clock.
    """
    if key is None:
        return
    authorization = request.header("authorization") or ""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return
    token = request.header("aeg-sas-token")
    if token is None and scheme == "SharedAccessSignature":
        token = value.strip()
    if token is not None:
        check = check_sas_token(token, key=key, url=request.url, now=now)
        if not check.valid:
            raise not_authorized(request.host, check.reason or "", token=True)
        return
    supplied = request.header("aeg-sas-key") or request.query_value("aeg-sas-key")
    if supplied is None:
        raise not_authorized(request.host, "No authorization key or token was provided")
    if supplied != key:
        raise not_authorized(request.host, "The key does not match the topic's access key")


def _validate_eventgrid_event(candidate: object, index: int) -> Event:
    if not isinstance(candidate, dict):
        raise bad_request(f"Each event must be a JSON object. Path '[{index}]'.")
    for name in EVENTGRID_REQUIRED:
        if name not in candidate:
            raise bad_request(f"Required property '{name}' not found in JSON. Path '[{index}]'.")
    for name in ("id", "eventType", "dataVersion", "subject"):
        if not isinstance(candidate[name], str) or (name != "subject" and not candidate[name]):
            raise bad_request(f"Property '{name}' must be a non-empty string. Path '[{index}]'.")
    if candidate.get("metadataVersion", "1") != "1":
        raise bad_request(f"Property 'metadataVersion' must be '1'. Path '[{index}]'.")
    event: Event = dict(candidate)
    try:
        event["eventTime"] = normalize_time(str(candidate["eventTime"]))
    except ServiceError as error:
        raise bad_request(
            f"Property 'eventTime' must be an RFC 3339 date-time. Path '[{index}]'."
        ) from error
    event["metadataVersion"] = "1"
    return event


def _validate_cloud_event(candidate: object, index: int) -> Event:
    try:
        return validate(candidate)
    except ServiceError as error:
        raise bad_request(f"{error.message}. Path '[{index}]'.") from error


def _schema_of(request: WireRequest, topic: BasicTopic) -> str:
    media = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
    sent = "cloudevents" if media.startswith("application/cloudevents") else "eventgrid"
    configured = topic.schema
    if configured is None:
        return sent
    if configured == "custom":
        return "custom"
    if configured != sent:
        raise bad_request(
            f"This resource is configured for '{SCHEMA_NAMES[configured]}' schema. "
            f"The request's content type '{media or 'none'}' is for "
            f"'{SCHEMA_NAMES[sent]}' events."
        )
    return configured


def resource_id(topic: BasicTopic, domain_topic: str | None) -> str:
    kind = {"topic": "topics", "domain": "domains", "partner": "partnerNamespaces"}[topic.kind]
    path = (
        f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}"
        f"/providers/Microsoft.EventGrid/{kind}/{topic.name}"
    )
    return f"{path}/topics/{domain_topic}" if domain_topic else path


def parse_events(
    request: WireRequest, topic: BasicTopic
) -> tuple[str, list[Event], list[str | None]]:
    """The schema, the validated events and, for domains, each event's domain topic."""
    if len(request.body) > MAX_REQUEST_BYTES:
        raise too_large(MAX_REQUEST_BYTES)
    try:
        document = parse_json(request.body)
    except ServiceError as error:
        raise bad_request(error.message) from error
    if not isinstance(document, list):
        raise bad_request(
            "Unexpected token when reading JSON. Expected: StartArray, actual: StartObject."
        )
    schema = _schema_of(request, topic)
    events: list[Event] = []
    routes: list[str | None] = []
    for index, candidate in enumerate(document):
        if len(json.dumps(candidate, separators=(",", ":"))) > MAX_EVENT_BYTES:
            raise too_large(MAX_EVENT_BYTES)
        if schema == "eventgrid":
            event = _validate_eventgrid_event(candidate, index)
            route = _domain_route(topic, event.get("topic"), "topic", index)
            event["topic"] = resource_id(topic, route)
        elif schema == "cloudevents":
            event = _validate_cloud_event(candidate, index)
            route = _domain_route(topic, event.get("source"), "source", index)
        else:
            if not isinstance(candidate, dict):
                raise bad_request(f"Each event must be a JSON object. Path '[{index}]'.")
            event, route = dict(candidate), None
        events.append(event)
        routes.append(route)
    return schema, events, routes


def _domain_route(topic: BasicTopic, value: object, field: str, index: int) -> str | None:
    if topic.kind != "domain":
        return None
    if not isinstance(value, str) or not value:
        raise bad_request(
            f"The '{field}' property is required for events published to a domain: it "
            f"names the domain topic. Path '[{index}]'."
        )
    return value.rsplit("/", 1)[-1]


class BasicApi:
    """Answers `POST /api/events` for one Basic topic, domain or partner namespace."""

    def __init__(self, broker: Broker, topic: BasicTopic) -> None:
        self.broker = broker
        self.topic = topic

    def handle(self, request: WireRequest) -> WireResponse:
        version = request.query_value("api-version")
        if version != API_VERSION:
            raise bad_request(
                f"The api-version '{version}' is invalid. The supported versions are "
                f"'{API_VERSION}'."
            )
        check_auth(request, self.topic.key, self.broker.clock.utcnow())
        schema, events, routes = parse_events(request, self.topic)
        channel = request.header("aeg-channel-name")
        with self.broker.lock:
            now = self.broker.clock.now()
            self.topic.publish(events, schema, now, domain_topics=routes, channel=channel)
            self.broker.journal.record(
                JournalEntry(
                    now,
                    "send",
                    self.topic.host,
                    self.topic.name,
                    items=tuple(_item(event, schema) for event in events),
                    detail=f"{schema} schema" + (f", channel {channel}" if channel else ""),
                    events=tuple(events),
                )
            )
        headers = {
            **BASIC_HEADERS,
            "api-supported-versions": API_VERSION,
            "Content-Length": "0",
            "x-ms-request-id": self.broker.ids.guid(),
            "Date": format_datetime(self.broker.clock.utcnow(), usegmt=True),
        }
        return WireResponse(200, headers, b"")


def _item(event: Event, schema: str) -> JournalItem:
    type_key = {"eventgrid": "eventType", "cloudevents": "type"}.get(schema)
    return JournalItem(
        event_id=str(event.get("id")) if "id" in event else None,
        event_type=str(event.get(type_key)) if type_key else None,
    )


def not_found(request: WireRequest) -> BasicError:
    return BasicError(
        404,
        "NotFound",
        f"No HTTP resource was found that matches the request URI '{request.url}'.",
        "ResourceNotFound",
    )
