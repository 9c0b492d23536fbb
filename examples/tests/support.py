"""Shared pieces of the order service's tests: names, a factory, a test double."""

from __future__ import annotations

from collections.abc import Callable

from orders import Order, OrderLine

from pytest_eventgrid import EventGrid

ORDERS_TOPIC = "orders-topic"
ORDER_PROCESSOR = "order-processor"

# Why Event Grid dead-lettered an event, as the fake reports it.
MAX_DELIVERY_REASON = "Maximum delivery attempts was exceeded."
REJECTED_REASON = "Event was rejected by the consumer."


def an_order(order_id: str) -> Order:
    """A valid order with id `order_id`."""
    return Order(order_id, customer_id="customer-7", lines=(OrderLine("sku-42", 2),))


class Fulfilment:
    """Stands in for the warehouse the worker hands orders to.

    Each order succeeds unless a test scripted its next attempts with `fail()` or
    `stall()`.
    """

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self.fulfilled: list[str] = []
        self._scripts: dict[str, list[Callable[[], object]]] = {}

    def fail(self, order_id: str, *errors: Exception) -> None:
        """Make the next attempts at `order_id` raise `errors`, one each."""
        for error in errors:
            self._scripts.setdefault(order_id, []).append(lambda error=error: _raise(error))

    def stall(self, order_id: str, eventgrid: EventGrid, seconds: float) -> None:
        """Make the next attempt at `order_id` take `seconds` of virtual time."""
        self._scripts.setdefault(order_id, []).append(lambda: eventgrid.clock.advance(seconds))

    def __call__(self, order: Order) -> None:
        self.attempts.append(order.order_id)
        script = self._scripts.get(order.order_id)
        if script:
            script.pop(0)()
        self.fulfilled.append(order.order_id)


def _raise(error: Exception) -> None:
    raise error
