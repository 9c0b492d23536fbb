"""What Event Grid sends to a webhook: deliveries, the validation handshake, and the
CloudEvents abuse-protection request; and how it reads the answers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .._broker import IdGenerator
from .._broker._push import HubMessage
from ._http import WireRequest, WireResponse

WEBHOOK_ORIGIN = "eventgrid.azure.net"
# Seconds Event Grid waits for a destination's answer (delivery-and-retry.md); a
# delivery answered later failed, as `TimedOut`, whatever the answer.
DELIVERY_TIMEOUT = 30.0
VALIDATION_EVENT_TYPE = "Microsoft.EventGrid.SubscriptionValidationEvent"
EVENTGRID_CONTENT_TYPE = "application/json; charset=utf-8"
CLOUDEVENT_CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
CLOUDEVENT_BATCH_CONTENT_TYPE = "application/cloudevents-batch+json; charset=utf-8"


def _body(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def notification(
    url: str,
    subscription: str,
    schema: str,
    events: Sequence[dict[str, Any]],
    delivery_count: int,
    *,
    batched: bool = False,
) -> WireRequest:
    """The POST that delivers `events` (one batch) to a webhook.

    EventGrid-schema and custom-schema events always go as a JSON array. CloudEvents
    go one object per request (`application/cloudevents+json`), or, when the
    subscription batches (`batched`), as an array (`application/cloudevents-batch+json`,
    UNCONFIRMED) even when a batch holds one event.
    """
    first = events[0]
    headers = {
        "aeg-event-type": "Notification",
        "aeg-subscription-name": subscription.upper(),
        "aeg-delivery-count": str(delivery_count),
        "aeg-output-event-id": str(first.get("id", "")),
    }
    if schema == "cloudevents":
        headers["aeg-data-version"] = ""
        headers["aeg-metadata-version"] = str(first.get("specversion", "1.0"))
        if batched or len(events) > 1:
            headers["Content-Type"] = CLOUDEVENT_BATCH_CONTENT_TYPE
            body = _body(list(events))
        else:
            headers["Content-Type"] = CLOUDEVENT_CONTENT_TYPE
            body = _body(first)
    else:
        headers["aeg-data-version"] = str(first.get("dataVersion", ""))
        headers["aeg-metadata-version"] = "1"
        headers["Content-Type"] = EVENTGRID_CONTENT_TYPE
        body = _body(list(events))
    return WireRequest("POST", url, headers, body)


def validation_event(topic_id: str, ids: IdGenerator, event_time: str) -> dict[str, Any]:
    """The `SubscriptionValidationEvent` sent when a webhook subscription is created."""
    code = ids.guid()
    return {
        "id": ids.guid(),
        "topic": topic_id,
        "subject": "",
        "data": {
            "validationCode": code,
            "validationUrl": (
                "https://rp-westus.eventgrid.azure.net:553/eventsubscriptions/validate"
                f"?id={code}&apiVersion=2018-05-01-preview&token=fake"
            ),
        },
        "eventType": VALIDATION_EVENT_TYPE,
        "eventTime": event_time,
        "metadataVersion": "1",
        "dataVersion": "1",
    }


def validation_request(url: str, subscription: str, event: dict[str, Any]) -> WireRequest:
    headers = {
        "aeg-event-type": "SubscriptionValidation",
        "aeg-subscription-name": subscription.upper(),
        "aeg-delivery-count": "0",
        "aeg-data-version": "1",
        "aeg-metadata-version": "1",
        "Content-Type": EVENTGRID_CONTENT_TYPE,
    }
    return WireRequest("POST", url, headers, _body([event]))


def validation_accepted(response: WireResponse, event: dict[str, Any]) -> bool:
    """A 200 whose JSON echoes the code as `validationResponse` (202 is not accepted)."""
    if response.status != 200:
        return False
    try:
        document = json.loads(response.body or b"null")
    except ValueError:
        return False
    if not isinstance(document, dict):
        return False
    echoed = {key.lower(): value for key, value in document.items()}.get("validationresponse")
    return bool(echoed == event["data"]["validationCode"])


def abuse_protection_request(url: str) -> WireRequest:
    """The CloudEvents 1.0 webhook `OPTIONS` handshake."""
    return WireRequest("OPTIONS", url, {"WebHook-Request-Origin": WEBHOOK_ORIGIN}, b"")


def abuse_protection_accepted(response: WireResponse) -> bool:
    """Consent is a 200 whose `WebHook-Allowed-Origin` names Event Grid, or `*`."""
    if response.status != 200:
        return False
    allowed = {name.lower(): value for name, value in response.headers.items()}.get(
        "webhook-allowed-origin", ""
    )
    return allowed.strip() in (WEBHOOK_ORIGIN, "*")


# Where the fake "sends" an Event Hubs batch: a stand-in for the service's AMQP
# transfer, which a fault's `when=` predicate can read. No request leaves the process.
EVENT_HUB_URL = "https://eventhubs.test/{hub}"


def event_hub_properties(
    subscription: str, event: dict[str, Any], delivery_count: int
) -> dict[str, str]:
    """The system properties of one Event Hubs message of a namespace subscription
    (namespace-handler-event-hubs.md): the subscription name (in capitals, as webhook
    headers have it: UNCONFIRMED), the attempts before this one, the event's id (the
    docs say "system generated": UNCONFIRMED), compatibility mode (always "false") and
    the CloudEvents spec version."""
    return {
        "aeg-subscription-name": subscription.upper(),
        "aeg-delivery-count": str(delivery_count),
        "aeg-output-event-id": str(event.get("id", "")),
        "aeg-compatibility-mode-enabled": "false",
        "aeg-metadata-version": str(event.get("specversion", "1.0")),
    }


def event_hub_request(hub: str, messages: Sequence[HubMessage]) -> WireRequest:
    """The send of one batch of messages to the event hub `hub`, as a request: a JSON
    array of `{"body", "properties", "partitionKey"}`."""
    body = [
        {
            "body": message.event,
            "properties": dict(message.properties),
            "partitionKey": message.partition_key,
        }
        for message in messages
    ]
    return WireRequest(
        "POST", EVENT_HUB_URL.format(hub=hub), {"Content-Type": "application/json"}, _body(body)
    )
