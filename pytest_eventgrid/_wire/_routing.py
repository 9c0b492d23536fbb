"""Routing into a namespace topic: what a Basic event subscription whose destination is
a namespace topic does with a batch.

The service hands each batch to the namespace as a publish of CloudEvents; the fake
writes that publish as the namespace REST request and answers it with the namespace
data plane, in process, so the namespace's own checks (the topic exists, the events
are valid CloudEvents, the sizes) decide the outcome. No key is asked for: the
service reaches its own namespaces without one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .._broker import Broker, JournalEntry
from .._broker._routing import NamespaceTopicDestination
from ._errors import ServiceError, namespace_error, not_found
from ._http import WireRequest, WireResponse
from ._namespaces import NamespaceApi, match_route
from ._push import CLOUDEVENT_BATCH_CONTENT_TYPE

ROUTING_API_VERSION = "2024-06-01"


def routing_request(
    destination: NamespaceTopicDestination, events: Sequence[dict[str, Any]]
) -> WireRequest:
    """The namespace publish that puts `events` (CloudEvents) into the topic."""
    body = json.dumps(list(events), separators=(",", ":"), ensure_ascii=False).encode()
    return WireRequest(
        "POST",
        f"https://{destination.namespace}/topics/{destination.topic}:publish"
        f"?api-version={ROUTING_API_VERSION}",
        {"Content-Type": CLOUDEVENT_BATCH_CONTENT_TYPE},
        body,
    )


def route(broker: Broker, request: WireRequest) -> WireResponse:
    """Answer a `routing_request()` as the namespace would: 200, or its error (a 404
    for a namespace or topic it does not have and may not create)."""
    namespace = broker.namespace_for(request.host, create=False)
    matched = match_route(request)
    try:
        if namespace is None or matched is None:
            raise not_found(f"Namespace '{request.host}' is not found")
        result = NamespaceApi(namespace).handle(request, matched)
    except ServiceError as error:
        broker.journal.record(
            JournalEntry(
                broker.clock.now(),
                "publish",
                request.host,
                matched.topic if matched else None,
                status=error.status,
                detail=f"{error.code}: {error.message.splitlines()[0]}",
            )
        )
        return namespace_error(
            error, instant=broker.clock.utcnow(), tracking_id=broker.ids.tracking_id()
        )
    assert isinstance(result, WireResponse)  # a publish never waits
    return result
