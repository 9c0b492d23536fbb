"""Every assertion helper fails with a message that shows the criteria, the candidates
closest first, how the closest one differs, and a docs anchor; pytest shows it with the
test's own frame only."""

from __future__ import annotations

import pytest

from ._support import failure_message

SHOP = """
import pytest
from azure.core.messaging import CloudEvent
from pytest_eventgrid.match import ANY, contains, regex

ORDERS = [
    CloudEvent(id="order-1", source="/shop/orders", type="com.shop.order.created",
               subject="orders/1", data={"total": 12, "currency": "EUR"}),
    CloudEvent(id="order-2", source="/shop/orders", type="com.shop.order.shipped",
               subject="orders/2", data={"total": 30, "currency": "EUR"}),
    CloudEvent(id="order-3", source="/shop/orders", type="com.shop.order.created",
               subject="orders/3", data={"total": 10, "currency": "USD", "note": "gift"}),
]


@pytest.fixture
def shop(eventgrid, eventgrid_publisher_sync, eventgrid_consumer_sync):
    # order-1 is acknowledged, order-2 released for 10 s, order-3 rejected.
    eventgrid_publisher_sync.send(ORDERS)
    first, second, third = eventgrid_consumer_sync.receive(max_events=3)
    consumer = eventgrid_consumer_sync
    consumer.acknowledge(lock_tokens=[first.broker_properties.lock_token])
    consumer.release(lock_tokens=[second.broker_properties.lock_token], release_delay=10)
    consumer.reject(lock_tokens=[third.broker_properties.lock_token])
    return eventgrid.subscription()


def test_check(eventgrid, shop):
    {check}
"""

DOCS = "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/assertions/#"
ORDER_1 = "id='order-1' type='com.shop.order.created' source='/shop/orders' subject='orders/1'"
ORDER_2 = "id='order-2' type='com.shop.order.shipped' source='/shop/orders' subject='orders/2'"
ORDER_3 = "id='order-3' type='com.shop.order.created' source='/shop/orders' subject='orders/3'"
SUBSCRIPTION = "subscription 'test-topic/test-subscription'"
STATE = (
    "Subscription now: available=0 delayed=1 locked=0 acknowledged=1 released=1 "
    "rejected=1 dead_lettered=1"
)

CASES = {
    "assert_published, closest by fields then by differences": (
        'eventgrid.assert_published(type="com.shop.order.created", '
        "data=contains(total=10, paid=True))",
        [
            "AssertionError: No event published to any topic matches.",
            "Criteria:",
            "  type='com.shop.order.created'",
            "  data=contains({'total': 10, 'paid': True})",
            "Events published to any topic, closest first:",
            f"  1. {ORDER_3} -- differs in data",
            f"  2. {ORDER_1} -- differs in data",
            f"  3. {ORDER_2} -- differs in type, data",
            "How the closest event (1) differs:",
            "  data['paid']: missing, expected True",
            f"{DOCS}assert_published",
        ],
    ),
    "assert_published, exact data": (
        'eventgrid.assert_published(data={"total": 10, "currency": "USD"})',
        [
            "AssertionError: No event published to any topic matches.",
            "Criteria:",
            "  data={'total': 10, 'currency': 'USD'}",
            "Events published to any topic, closest first:",
            f"  1. {ORDER_3} -- differs in data",
            f"  2. {ORDER_1} -- differs in data",
            f"  3. {ORDER_2} -- differs in data",
            "How the closest event (1) differs:",
            "  data['note']: not expected, got 'gift'",
            f"{DOCS}assert_published",
        ],
    ),
    "assert_published, a predicate that raises": (
        'eventgrid.topic("test-topic").assert_published(id="order-2", data=lambda d: d["paid"])',
        [
            "AssertionError: No event published to topic 'test-topic' matches.",
            "Criteria:",
            "  id='order-2'",
            "  data=a value for which <lambda at test_shop.py:28> is true",
            "Events published to topic 'test-topic', closest first:",
            f"  1. {ORDER_2} -- differs in data",
            f"  2. {ORDER_1} -- differs in id, data",
            f"  3. {ORDER_3} -- differs in id, data",
            "How the closest event (1) differs:",
            "  data:",
            "    expected: a value for which <lambda at test_shop.py:28> is true",
            # The service sorts the keys of `data` (fidelity.md, Receive).
            "    got:      {'currency': 'EUR', 'total': 30}",
            "    (it raised KeyError('paid'))",
            f"{DOCS}assert_published",
        ],
    ),
    "assert_published, count": (
        'eventgrid.assert_published(type="com.shop.order.created", count=1)',
        [
            "AssertionError: Expected 1 event published to any topic to match, found 2.",
            "Criteria:",
            "  type='com.shop.order.created'",
            "Matching events:",
            f"  1. {ORDER_1}",
            f"  2. {ORDER_3}",
            f"{DOCS}assert_published",
        ],
    ),
    "assert_published, nothing published": (
        'eventgrid.topic("refunds").assert_published(type=ANY)',
        [
            "AssertionError: No event published to topic 'refunds' matches.",
            "Criteria:",
            "  type=ANY",
            "No events were published to topic 'refunds'.",
            f"{DOCS}assert_published",
        ],
    ),
    "assert_published, near misses: a close name": (
        'eventgrid.topic("test_topic").assert_published(type=ANY)',
        [
            "AssertionError: No event published to topic 'test_topic' matches.",
            "Criteria:",
            "  type=ANY",
            "No events were published to topic 'test_topic'.",
            "Near misses:",
            "  3 events published to topic 'test-topic' (a close name)",
            f"{DOCS}assert_published",
        ],
    ),
    "assert_published, near misses: another namespace": (
        'eventgrid.namespace("other.westus-1.eventgrid.azure.net").topic("test-topic")'
        ".assert_published(type=ANY)",
        [
            "AssertionError: No event published to topic 'test-topic' matches.",
            "Criteria:",
            "  type=ANY",
            "No events were published to topic 'test-topic'.",
            "Near misses:",
            "  3 events published to topic 'test-topic' on "
            "test-namespace.westus-1.eventgrid.azure.net (the same topic, another host)",
            f"{DOCS}assert_published",
        ],
    ),
    "assert_not_published": (
        'eventgrid.assert_not_published(subject=regex(r"orders/[12]$"))',
        [
            "AssertionError: Expected no event published to any topic to match, found 2.",
            "Criteria:",
            "  subject=regex('orders/[12]$')",
            "Matching events:",
            f"  1. {ORDER_1}",
            f"  2. {ORDER_2}",
            f"{DOCS}assert_not_published",
        ],
    ),
    "assert_acknowledged": (
        'shop.assert_acknowledged(subject="orders/2")',
        [
            f"AssertionError: No event acknowledged on {SUBSCRIPTION} matches.",
            "Criteria:",
            "  subject='orders/2'",
            f"Events acknowledged on {SUBSCRIPTION}, closest first:",
            f"  1. {ORDER_1} -- differs in subject",
            "How the closest event (1) differs:",
            "  subject:",
            "    expected: 'orders/2'",
            "    got:      'orders/1'",
            STATE,
            f"{DOCS}assert_acknowledged",
        ],
    ),
    "assert_released": (
        "shop.assert_released(delay=60)",
        [
            f"AssertionError: No event released on {SUBSCRIPTION} matches.",
            "Criteria:",
            "  delay=60",
            f"Events released on {SUBSCRIPTION}, closest first:",
            f"  1. {ORDER_2} delay=10.0 -- differs in delay",
            "How the closest event (1) differs:",
            "  delay:",
            "    expected: 60",
            "    got:      10.0",
            STATE,
            f"{DOCS}assert_released",
        ],
    ),
    "assert_rejected, count": (
        'shop.assert_rejected(data=contains(note="gift"), count=2)',
        [
            f"AssertionError: Expected 2 events rejected on {SUBSCRIPTION} to match, found 1.",
            "Criteria:",
            "  data=contains({'note': 'gift'})",
            "Matching events:",
            f"  1. {ORDER_3}",
            f"No other events were rejected on {SUBSCRIPTION}.",
            STATE,
            f"{DOCS}assert_rejected",
        ],
    ),
    "assert_dead_lettered": (
        'shop.assert_dead_lettered(reason=regex("Maximum delivery"))',
        [
            f"AssertionError: No event dead-lettered on {SUBSCRIPTION} matches.",
            "Criteria:",
            "  reason=regex('Maximum delivery')",
            f"Events dead-lettered on {SUBSCRIPTION}, closest first:",
            f"  1. {ORDER_3} reason='Event was rejected by the consumer.' -- differs in reason",
            "How the closest event (1) differs:",
            "  reason:",
            "    expected: regex('Maximum delivery')",
            "    got:      'Event was rejected by the consumer.'",
            STATE,
            f"{DOCS}assert_dead_lettered",
        ],
    ),
    "assert_settled_all": (
        "shop.assert_settled_all()",
        [
            f"AssertionError: Expected every event on {SUBSCRIPTION} to be settled, 1 is not.",
            "Criteria: any event",
            "Unsettled events:",
            f"  1. {ORDER_2} state='delayed' delivery_count=1",
            STATE,
            f"{DOCS}assert_settled_all",
        ],
    ),
    "calls, assert_not_called": (
        'eventgrid.calls.filter("publish").assert_not_called()',
        [
            "AssertionError: Expected no 'publish' call on the fake Event Grid, got 1.",
            "  1. t=0.000s publish test-topic -> 200 events=['order-1', 'order-2', 'order-3']",
            "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/assertions/#call-history",
        ],
    ),
    "calls, assert_called_once": (
        "shop.calls.assert_called_once()",
        [
            f"AssertionError: Expected exactly one call on {SUBSCRIPTION}, got 4.",
            "  1. t=0.000s receive test-topic/test-subscription -> 200 "
            "events=['order-1', 'order-2', 'order-3']",
            "  2. t=0.000s acknowledge test-topic/test-subscription -> 200 events=['order-1']",
            "  3. t=0.000s release test-topic/test-subscription -> 200 delay=10s "
            "events=['order-2']",
            "  4. t=0.000s reject test-topic/test-subscription -> 200 events=['order-3']",
            "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/assertions/#call-history",
        ],
    ),
}


@pytest.mark.parametrize(("check", "expected"), CASES.values(), ids=CASES.keys())
def test_failure_message(pytester: pytest.Pytester, check: str, expected: list[str]) -> None:
    pytester.makepyfile(test_shop=SHOP.replace("{check}", check))

    assert failure_message(pytester) == expected
