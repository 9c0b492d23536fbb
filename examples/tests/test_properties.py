"""Properties of the worker, for any order event Hypothesis can build.

`pytest_eventgrid.strategies.cloud_events()` builds CloudEvents with any valid id,
source, time, extensions and so on; the tests fix their type and draw their data
from the order payloads below. Hypothesis runs a test body once per example, while
a function-scoped fixture such as `eventgrid` would be shared by all of them: so
each example makes a fresh fake of its own with `mock_eventgrid()`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from azure.core.messaging import CloudEvent
from hypothesis import example, given, settings
from hypothesis import strategies as st
from orders import (
    ORDER_CREATED,
    BatchReport,
    Order,
    OrderLine,
    OrderWorker,
    Settings,
    SyncOrderWorker,
)
from support import ORDER_PROCESSOR, ORDERS_TOPIC, REJECTED_REASON

from pytest_eventgrid import EventGrid, mock_eventgrid
from pytest_eventgrid.strategies import cloud_events

FEW = settings(max_examples=20, deadline=None)

TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=20)
LINE = st.fixed_dictionaries({"sku": TEXT, "quantity": st.integers(1, 10_000)})
ORDER = st.fixed_dictionaries(
    {"order_id": TEXT, "customer_id": TEXT, "lines": st.lists(LINE, min_size=1, max_size=4)}
)


Fault = Callable[[dict[str, Any]], dict[str, Any]]


def without(key: str) -> Fault:
    return lambda item: {name: value for name, value in item.items() if name != key}


def setting(key: str, value: object) -> Fault:
    return lambda item: {**item, key: value}


def in_first_line(fault: Fault) -> Fault:
    return lambda order: {**order, "lines": [fault(order["lines"][0]), *order["lines"][1:]]}


NOT_TEXT = st.none() | st.just("") | st.integers() | st.booleans() | st.lists(TEXT, max_size=2)
NOT_QUANTITY = (
    st.integers(max_value=0)
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
    | st.none()
)
NOT_LINES = st.just([]) | st.none() | TEXT | st.lists(st.integers(), min_size=1, max_size=2)
# One thing wrong with an otherwise valid order.
FAULTS: st.SearchStrategy[Fault] = st.one_of(
    st.sampled_from(["order_id", "customer_id", "lines"]).map(without),
    st.builds(setting, st.sampled_from(["order_id", "customer_id"]), NOT_TEXT),
    st.builds(setting, st.just("lines"), NOT_LINES),
    st.sampled_from(["sku", "quantity"]).map(without).map(in_first_line),
    st.builds(setting, st.just("sku"), NOT_TEXT).map(in_first_line),
    st.builds(setting, st.just("quantity"), NOT_QUANTITY).map(in_first_line),
)
NOT_AN_OBJECT = st.none() | st.integers() | TEXT | st.lists(ORDER, max_size=2) | st.binary()
NOT_AN_ORDER = st.one_of(st.builds(lambda order, fault: fault(order), ORDER, FAULTS), NOT_AN_OBJECT)

VALID_ORDER = {
    "order_id": "order-1",
    "customer_id": "customer-7",
    "lines": [{"sku": "sku-42", "quantity": 1}],
}


def order_event(**changes: object) -> CloudEvent[Any]:
    """An `Order.Created` event for `VALID_ORDER` with `changes`."""
    data = {**VALID_ORDER, **changes}
    return CloudEvent(source="/services/orders", type=ORDER_CREATED, data=data)


def order_of(data: dict[str, Any]) -> Order:
    """The order a valid payload stands for."""
    lines = tuple(OrderLine(line["sku"], line["quantity"]) for line in data["lines"])
    return Order(data["order_id"], data["customer_id"], lines)


def process(eventgrid: EventGrid, event: CloudEvent[Any], kind: str) -> tuple[BatchReport, list]:
    """Publish `event` to the fake and run one batch of the `kind` worker on it."""
    with eventgrid.publisher() as publisher:
        publisher.send([event])
    config = Settings(eventgrid.endpoint, eventgrid.credential.key, ORDERS_TOPIC, ORDER_PROCESSOR)
    handled: list[Order] = []
    if kind == "sync":
        with SyncOrderWorker(config, handled.append) as worker:
            return worker.process_batch(), handled

    async def run() -> BatchReport:
        async with OrderWorker(config, handled.append) as worker:
            return await worker.process_batch()

    return asyncio.run(run()), handled


# Each `with fresh_fake as eventgrid:` builds a new, empty fake with these settings.
fresh_fake = mock_eventgrid(topic=ORDERS_TOPIC, subscription=ORDER_PROCESSOR)


@pytest.mark.parametrize("kind", ["sync", "async"])
@FEW
@given(event=cloud_events(type=ORDER_CREATED, data=ORDER))
def test_any_valid_order_event_is_acknowledged_exactly_once(kind, event):
    with fresh_fake as eventgrid:
        report, handled = process(eventgrid, event, kind)

        assert handled == [order_of(event.data)]
        assert report.acknowledged == [event.id]
        subscription = eventgrid.subscription()
        subscription.assert_acknowledged(id=event.id, count=1)
        assert subscription.released == subscription.dead_lettered == []
        subscription.assert_settled_all()


@pytest.mark.parametrize("kind", ["sync", "async"])
@FEW
@given(event=cloud_events(type=ORDER_CREATED, data=NOT_AN_ORDER))
# Boundaries that a few random examples may miss, tried on every run.
@example(event=order_event(lines=[]))
@example(event=order_event(customer_id=""))
@example(event=order_event(lines=[{"sku": "sku-42"}]))
@example(event=order_event(lines=[{"sku": "sku-42", "quantity": 0}]))
def test_any_invalid_order_payload_is_rejected(kind, event):
    with fresh_fake as eventgrid:
        report, handled = process(eventgrid, event, kind)

        assert handled == []
        assert report.rejected == [event.id]
        subscription = eventgrid.subscription()
        subscription.assert_dead_lettered(id=event.id, reason=REJECTED_REASON, count=1)
        assert subscription.acknowledged == subscription.released == []
