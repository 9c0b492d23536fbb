"""An order-processing service that talks to Azure Event Grid.

- `OrderPublisher` publishes an `Order.Created` CloudEvent for each new order.
- `OrderWorker` (asyncio) and `SyncOrderWorker` receive those events from a queue
  subscription, hand each order to a handler, and settle every event: acknowledge
  it when the handler succeeds, release it with a delay when the handler hits a
  transient failure, reject it when its payload is not a valid order.
- `orders.api` is the HTTP front door (FastAPI) that takes new orders.
- `orders.webhook` is the webhook (FastAPI) that an Event Grid Basic topic pushes
  `Order.Created` events to: it processes each order once and tells Event Grid
  whether to retry or dead-letter the events it cannot take.

Everything is configured from `ORDERS_*` environment variables (see `Settings`).
"""

from .errors import ConfigurationError, InvalidOrder, TransientError
from .models import ORDER_CREATED, Order, OrderLine, order_created_event, parse_order
from .publisher import OrderPublisher
from .settings import Settings
from .worker import BatchReport, OrderHandler, OrderWorker, SyncOrderWorker

__all__ = [
    "ORDER_CREATED",
    "BatchReport",
    "ConfigurationError",
    "InvalidOrder",
    "Order",
    "OrderHandler",
    "OrderLine",
    "OrderPublisher",
    "OrderWorker",
    "Settings",
    "SyncOrderWorker",
    "TransientError",
    "order_created_event",
    "parse_order",
]
