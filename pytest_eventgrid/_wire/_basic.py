"""Event Grid Basic: `POST /api/events?api-version=2018-01-01` on topics and domains."""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from email.utils import format_datetime

from .._broker import BasicTopic, Broker, JournalEntry, JournalItem
from ._cloudevents import Event, lone_surrogate, normalize_time, parse_json, validate
from ._errors import ServiceError
from ._http import WireRequest, WireResponse
from ._sas import check_sas_token

API_VERSION = "2018-01-01"
MAX_REQUEST_BYTES = 1_536_000
MAX_EVENT_BYTES = 1_049_600
EVENTGRID_REQUIRED = ("id", "subject", "data", "eventType", "eventTime", "dataVersion")
EVENTGRID_PROPERTIES = frozenset({*EVENTGRID_REQUIRED, "topic", "metadataVersion"})
RESOURCE_GROUP = "pytest-eventgrid"
SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
BASIC_HEADERS = {
    "Server": "Microsoft-HTTPAPI/2.0",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


class BasicError(ServiceError):
    """A Basic error: `{"error": {code, message, details: [{code, message}]}}`.

    `report` says whether the message ends with the service's "Report '...' to our
    forums" sentence: every recorded Basic error does but the 413 (REC).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        detail_code: str | None = None,
        *,
        report: bool = True,
    ) -> None:
        super().__init__(status, code, message)
        self.detail_code = detail_code or code
        self.report = report


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


def basic_error_body(code: str, message: str, detail_code: str) -> bytes:
    """The error body byte for byte as the service writes it: indented by hand, with
    CRLF line ends and the closing brackets out of step (REC: every Basic error)."""
    text, detail = json.dumps(message, ensure_ascii=False), json.dumps(detail_code)
    if lone_surrogate(message) is not None:  # text from the request: escape it
        text = json.dumps(message)
    lines = (
        "{",
        '    "error": {',
        f'        "code": {json.dumps(code)},',
        f'        "message": {text},',
        '        "details": [{',
        f'            "code": {detail},',
        f'            "message": {text}',
        "    }]",
        "  }",
        "}",
    )
    return "\r\n".join(lines).encode("utf-8")


def basic_error_response(
    error: BasicError, *, instant: datetime, tracking_id: str, supported_versions: bool = True
) -> WireResponse:
    """The Basic error answer.

    As recorded: no `Content-Type` (the service streams the body chunked),
    `api-supported-versions` on all but the 404, `x-ms-request-id` naming the same
    request as the message's "Report '<id>:...'" sentence.
    """
    message = error.message + (_report_suffix(tracking_id, instant) if error.report else "")
    body = basic_error_body(error.code, message, error.detail_code)
    headers = dict(BASIC_HEADERS)
    if supported_versions:
        headers["api-supported-versions"] = API_VERSION
    headers["x-ms-request-id"] = tracking_id
    headers["Date"] = format_datetime(instant, usegmt=True)
    headers["Content-Length"] = str(len(body))
    return WireResponse(error.status, headers, body)


def too_large(limit: int) -> BasicError:
    """413, exactly as recorded: the only Basic error without the "Report" sentence."""
    return BasicError(
        413,
        "RequestEntityTooLarge",
        f"The maximum size ({limit}) has been exceeded.",
        "PayloadTooLarge",
        report=False,
    )


def bad_request(message: str) -> BasicError:
    return BasicError(400, "BadRequest", message, "InputJsonInvalid")


def not_authorized(host: str, reason: str, *, token: bool = False) -> BasicError:
    """401: "...not authorized for <HOST>. This is due to the reason: <reason>." (REC)."""
    what = "token" if token else "key"
    return BasicError(
        401,
        "Unauthorized",
        f"The request authorization {what} is not authorized for {host.upper()}. "
        f"This is due to the reason: {reason}.",
    )


# What the service says of a key that is not base64 (REC test_raise_on_auth_error).
NOT_BASE64 = (
    "The input is not a valid Base-64 string as it contains a non-base 64 character, "
    "more than two padding characters, or an illegal character among the padding characters"
)


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def check_auth(request: WireRequest, key: str | None, now: datetime) -> None:
    """Accept `aeg-sas-key` (header or query), `aeg-sas-token` (or `Authorization:
    SharedAccessSignature`) and Bearer.

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
        reason = (
            "The key does not match the topic's access key" if _is_base64(supplied) else NOT_BASE64
        )
        raise not_authorized(request.host, reason)


def unexpected_property(name: str) -> BasicError:
    """An EventGridEvent with a property the schema lacks (REC: azure-sdk-for-python
    issue 16055 for a CloudEvent's `source`, microsoft/onefuzz issue 3285)."""
    return bad_request(
        "This resource is configured for 'EventGridEvent' schema. Received unexpected "
        f"property '{name}' in JSON which does not conform to the expected schema."
    )


def _validate_eventgrid_event(candidate: object, index: int) -> Event:
    if not isinstance(candidate, dict):
        raise _not_an_object(candidate, index)
    for name in candidate:
        if name not in EVENTGRID_PROPERTIES:
            raise unexpected_property(name)
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
        # The Basic per-event limit was checked already; the namespace one differs.
        return validate(candidate, size_checked=True)
    except ServiceError as error:
        raise bad_request(f"{error.message}. Path '[{index}]'.") from error


def _token(value: object) -> str:
    """The JSON reader's name for the token that starts `value` (Json.NET's names)."""
    if isinstance(value, dict):
        return "StartObject"
    if isinstance(value, list):
        return "StartArray"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    return "Null"


def _not_an_object(candidate: object, index: int) -> BasicError:
    return bad_request(
        "Unexpected token when reading JSON. Expected: StartObject, actual: "
        f"{_token(candidate)}. Path '[{index}]'."
    )


def _media_type(request: WireRequest) -> str:
    return (request.header("content-type") or "").split(";", 1)[0].strip().lower()


def _sent_as_cloudevents(request: WireRequest) -> bool:
    return _media_type(request).startswith("application/cloudevents")


def _schema_of(request: WireRequest, topic: BasicTopic) -> str:
    """The schema the events are read in: the topic's own, else the content type's.

    A topic fixed to a schema reads every request in it, whatever its content type
    says, as the service does: a CloudEvents batch sent to an EventGridEvent topic
    fails on its first unexpected property (`source`).
    """
    return topic.schema or ("cloudevents" if _sent_as_cloudevents(request) else "eventgrid")


def _cloudevents_expected(document: object) -> BasicError:
    """Not one CloudEvent object where one is expected (REC: a CloudEvents topic's
    answer to an EventGridEvent batch, azure-sdk-for-python issue 15941)."""
    return bad_request(
        "This resource is configured to receive event in 'CloudEventV10' schema. The JSON "
        "received does not conform to the expected schema. Token Expected: StartObject, "
        f"Actual Token Received: {_token(document)}."
    )


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
    schema = _schema_of(request, topic)
    if schema == "cloudevents" and _media_type(request) != "application/cloudevents-batch+json":
        # Structured mode (UNCONFIRMED for Basic): one CloudEvent object.
        if not isinstance(document, dict):
            raise _cloudevents_expected(document)
        document = [document]
    if not isinstance(document, list):
        raise bad_request(
            f"Unexpected token when reading JSON. Expected: StartArray, actual: {_token(document)}."
        )
    events: list[Event] = []
    routes: list[str | None] = []
    for index, candidate in enumerate(document):
        size = len(json.dumps(candidate, separators=(",", ":"), ensure_ascii=False).encode())
        if size > MAX_EVENT_BYTES:
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
                raise _not_an_object(candidate, index)
            event, route = dict(candidate), None
        events.append(event)
        routes.append(route)
    return schema, events, routes


# A URI scheme (RFC 3986): a domain topic is named by a name or a resource id, never by
# an absolute URI (ISSUE MicrosoftDocs/azure-docs#43468, Azure/azure-sdk-for-net#25510).
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _domain_route(topic: BasicTopic, value: object, field: str, index: int) -> str | None:
    """The domain topic an event names: the whole value, or the last segment after
    `/topics/` when it is a resource id. An absolute URI is refused."""
    if topic.kind != "domain":
        return None
    if not isinstance(value, str) or not value:
        raise bad_request(
            f"The '{field}' property is required for events published to a domain: it "
            f"names the domain topic. Path '[{index}]'."
        )
    head, separator, tail = value.rpartition("/topics/")
    if separator and head and tail and "/" not in tail:
        return tail
    if _ABSOLUTE_URI.match(value):
        raise bad_request(
            "Required property 'topic' needs to either be a full resource id or should be "
            f"just the name of the domain topic. Found: {value}."
        )
    return value


class BasicApi:
    """Answers `POST /api/events` for one Basic topic, domain or partner namespace."""

    def __init__(self, broker: Broker, topic: BasicTopic) -> None:
        self.broker = broker
        self.topic = topic

    def handle(self, request: WireRequest) -> WireResponse:
        version = request.query_value("api-version")
        if version is None:
            raise BasicError(
                400,
                "BadRequest",
                "An API version is required, but was not specified.",
                "ApiVersionUnspecified",
            )
        if version != API_VERSION:
            raise BasicError(
                400,
                "BadRequest",
                f"The HTTP resource that matches the request URI '{request.url}' does not "
                f"support the API version '{version}'.",
                "UnsupportedApiVersion",
            )
        check_auth(request, self.topic.key, self.broker.clock.utcnow())
        schema, events, routes = parse_events(request, self.topic)
        channel = request.header("aeg-channel-name")
        with self.broker.lock:
            # A new host becomes a Basic topic only now, once its first publish is served.
            self.topic = self.broker.adopt_basic_topic(self.topic)
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
