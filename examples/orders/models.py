"""Orders, and the `Order.Created` CloudEvent that announces one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from azure.core.messaging import CloudEvent

from .errors import InvalidOrder

ORDER_CREATED = "Order.Created"
EVENT_SOURCE = "/services/orders"


@dataclass(frozen=True)
class OrderLine:
    """One line of an order: a product and how many of it."""

    sku: str
    quantity: int


@dataclass(frozen=True)
class Order:
    """A customer's order."""

    order_id: str
    customer_id: str
    lines: tuple[OrderLine, ...]

    def to_dict(self) -> dict[str, Any]:
        """The order as the JSON data of its event."""
        return {
            "order_id": self.order_id,
            "customer_id": self.customer_id,
            "lines": [{"sku": line.sku, "quantity": line.quantity} for line in self.lines],
        }

    @classmethod
    def from_dict(cls, data: object) -> Order:
        """Read an order from event data; `InvalidOrder` says what is wrong with it."""
        if not isinstance(data, Mapping):
            raise InvalidOrder(f"order data must be a JSON object, got {type(data).__name__}")
        order_id = _text(data, "order_id")
        customer_id = _text(data, "customer_id")
        lines = data.get("lines")
        if not isinstance(lines, list) or not lines:
            raise InvalidOrder(f"order {order_id}: 'lines' must be a non-empty list")
        return cls(order_id, customer_id, tuple(_line(order_id, line) for line in lines))


def _text(data: Mapping[str, object], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidOrder(f"'{name}' must be a non-empty string, got {value!r}")
    return value


def _line(order_id: str, line: object) -> OrderLine:
    if not isinstance(line, Mapping):
        raise InvalidOrder(f"order {order_id}: each line must be a JSON object")
    quantity = line.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidOrder(f"order {order_id}: quantity must be a positive integer")
    return OrderLine(_text(line, "sku"), quantity)


def order_created_event(order: Order) -> CloudEvent[dict[str, Any]]:
    """The `Order.Created` CloudEvent for `order`."""
    return CloudEvent(
        source=EVENT_SOURCE,
        type=ORDER_CREATED,
        subject=f"orders/{order.order_id}",
        data=order.to_dict(),
    )


def parse_order(event: CloudEvent[Any]) -> Order:
    """The order an `Order.Created` event carries; `InvalidOrder` for anything else."""
    if event.type != ORDER_CREATED:
        raise InvalidOrder(f"unexpected event type {event.type!r}")
    return Order.from_dict(event.data)
