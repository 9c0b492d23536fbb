"""Converting events between the schemas Event Grid Basic speaks."""

from __future__ import annotations

from typing import Any

Event = dict[str, Any]


def eventgrid_to_cloudevent(event: Event) -> Event:
    """An EventGridEvent as the CloudEvents 1.0 event the service delivers for it to a
    subscription whose output schema is CloudEvents: `type` from `eventType`, `source`
    from `topic`, `time` from `eventTime`; `subject`, `id` and `data` kept."""
    converted: Event = {
        "specversion": "1.0",
        "id": event.get("id"),
        "source": event.get("topic") or "",
        "type": event.get("eventType"),
    }
    for name, target in (("subject", "subject"), ("eventTime", "time")):
        if event.get(name) not in (None, ""):
            converted[target] = event[name]
    if "data" in event:
        converted["data"] = event["data"]
    return converted


def custom_to_cloudevent(event: Event, *, source: str, index: int = 0) -> Event:
    """A custom-schema event seen as a CloudEvent: the whole object is its `data`."""
    return {
        "specversion": "1.0",
        "id": str(event.get("id", index)),
        "source": source,
        "type": "CustomEvent",
        "data": event,
    }


def as_cloudevent(event: Event, *, source: str) -> Event:
    """Any stored event (CloudEvent, EventGridEvent or custom) as a CloudEvent dict."""
    if "specversion" in event:
        return event
    if "eventType" in event and "dataVersion" in event:
        return eventgrid_to_cloudevent(event)
    return custom_to_cloudevent(event, source=source)
