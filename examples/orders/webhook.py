"""The webhook receiver: Event Grid (Basic) pushes `Order.Created` events to it.

A custom topic's webhook event subscription POSTs each event to
`/webhooks/orders`. `create_webhook(handler)` is the FastAPI app that takes them:

- it answers the **validation handshake** of an Event Grid-schema subscription,
  echoing the `SubscriptionValidationEvent`'s `validationCode` as
  `validationResponse`;
- it answers the **abuse-protection** `OPTIONS` request of a CloudEvents-schema
  subscription with `WebHook-Allowed-Origin`;
- it hands the order of each `Order.Created` event to the handler, once per event
  id (Event Grid delivers at least once), and its answer tells Event Grid what to
  do next:

  | what happened                         | answer | Event Grid then                |
  |---------------------------------------|--------|--------------------------------|
  | the handler succeeded (or did before) | 200    | is done with the event         |
  | the event is not a valid order        | 400    | dead-letters it, no retries    |
  | the handler raised `TransientError`   | 503    | retries, 30 s or more later    |
  | the handler raised anything else      | 500    | retries along its schedule     |

A delivery carries a batch of events when the subscription's `max_events_per_batch`
is above 1, and Event Grid retries or dead-letters a batch as a whole. So the
receiver checks every event of a delivery before it processes any, and skips the
events it processed on an earlier attempt.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Collection, Mapping, MutableSet
from dataclasses import dataclass

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from .errors import InvalidOrder, TransientError
from .models import ORDER_CREATED, Order
from .worker import OrderHandler

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/orders"
EVENT_GRID_ORIGIN = "eventgrid.azure.net"
VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent"


@dataclass(frozen=True)
class PushedEvent:
    """One event of a delivery, in either schema."""

    id: str
    type: str
    data: object

    def order(self) -> Order:
        """The order an `Order.Created` event carries; `InvalidOrder` for anything else."""
        if self.type != ORDER_CREATED:
            raise InvalidOrder(f"unexpected event type {self.type!r}")
        return Order.from_dict(self.data)


def read_delivery(content_type: str, body: bytes) -> list[PushedEvent]:
    """The events of a delivery, by its content type; `InvalidOrder` if it holds none.

    CloudEvents come one per request (`application/cloudevents+json`) or as a batch
    (`application/cloudevents-batch+json`); Event Grid-schema events always come as
    an array (`application/json`).
    """
    try:
        document = json.loads(body)
    except ValueError:
        raise InvalidOrder("the request body is not JSON") from None
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/cloudevents+json":
        return [_event(document, "type")]
    if not isinstance(document, list):
        raise InvalidOrder("a batch of events must be a JSON array")
    type_field = "type" if media == "application/cloudevents-batch+json" else "eventType"
    return [_event(item, type_field) for item in document]


def _event(item: object, type_field: str) -> PushedEvent:
    if not isinstance(item, Mapping):
        raise InvalidOrder("each event must be a JSON object")
    event_id, event_type = item.get("id"), item.get(type_field)
    if not isinstance(event_id, str) or not event_id:
        raise InvalidOrder("an event has no 'id'")
    if not isinstance(event_type, str):
        raise InvalidOrder(f"event {event_id} has no {type_field!r}")
    return PushedEvent(event_id, event_type, item.get("data"))


def validation_code(body: bytes) -> str:
    """The `validationCode` of a `SubscriptionValidationEvent` delivery."""
    try:
        [event] = json.loads(body)
        code = event["data"]["validationCode"] if event["eventType"] == VALIDATION_EVENT else None
    except (ValueError, TypeError, KeyError):
        code = None
    if not isinstance(code, str):
        raise InvalidOrder("not a subscription validation event")
    return code


def _answer(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_webhook(
    handler: OrderHandler,
    *,
    processed: MutableSet[str] | None = None,
    allowed_origins: Collection[str] = (EVENT_GRID_ORIGIN,),
) -> FastAPI:
    """The webhook app, handing each new order to `handler` (sync or async).

    `processed` holds the ids of the events already handled (default: a set of this
    app's own). With more than one replica, give a store they share.
    `allowed_origins` are the senders the CloudEvents handshake consents to.
    """
    done: MutableSet[str] = set() if processed is None else processed
    origins = {origin.lower() for origin in allowed_origins}
    app = FastAPI(title="Orders webhook")

    @app.options(WEBHOOK_PATH)
    async def abuse_protection(request: Request) -> Response:
        origin = request.headers.get("webhook-request-origin", "")
        if origin.lower() not in origins:
            logger.warning("Refusing webhook requests from origin %r", origin)
            return Response(status_code=403)
        return Response(headers={"WebHook-Allowed-Origin": origin, "Allow": "POST, OPTIONS"})

    @app.post(WEBHOOK_PATH)
    async def receive(request: Request) -> Response:
        body = await request.body()
        try:
            if request.headers.get("aeg-event-type") == "SubscriptionValidation":
                return JSONResponse({"validationResponse": validation_code(body)})
            events = read_delivery(request.headers.get("content-type", ""), body)
            orders = {event.id: event.order() for event in events if event.id not in done}
        except InvalidOrder as error:
            logger.warning("Refusing a delivery that Event Grid cannot retry: %s", error)
            return _answer(400, str(error))
        for event_id, order in orders.items():
            try:
                result = handler(order)
                if inspect.isawaitable(result):
                    await result
            except TransientError as error:
                logger.info(
                    "Order %s failed for now, Event Grid retries: %s", order.order_id, error
                )
                return _answer(503, f"order {order.order_id} could not be processed yet")
            except Exception:  # Event Grid retries it on its schedule
                logger.exception("Order %s failed", order.order_id)
                return _answer(500, f"order {order.order_id} failed")
            done.add(event_id)
        return Response(status_code=200)

    return app
