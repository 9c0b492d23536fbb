"""The "eventgrid timeline" section of failure reports."""

from __future__ import annotations

import pytest

from ._support import FLAVOURS, SYNC, Flavour, report_section, run

TESTS = """
import pytest
from azure.core.messaging import CloudEvent


$asyncio_mark
$def test_fails_after_traffic(eventgrid, $publisher, $consumer):
    ${await}${publisher}.send(
        [
            CloudEvent(id="order-1", source="shop", type="Order.Created", data={}),
            CloudEvent(id="order-2", source="shop", type="Order.Paid", data={}),
        ]
    )
    first, second = ${await}${consumer}.receive(max_events=2)
    eventgrid.clock.advance(12.5)
    ${await}${consumer}.acknowledge(lock_tokens=[first.broker_properties.lock_token])
    eventgrid.clock.advance(60)
    ${await}${consumer}.release(lock_tokens=[second.broker_properties.lock_token])
    [again] = ${await}${consumer}.receive(max_events=1, max_wait_time=10)
    ${await}${consumer}.reject(lock_tokens=[again.broker_properties.lock_token])
    ${await}${consumer}.receive(max_events=1, max_wait_time=10)
    pytest.fail("on purpose")


$asyncio_mark
$def test_passes(eventgrid, $publisher):
    ${await}${publisher}.send([CloudEvent(source="shop", type="Order.Created", data={})])


def test_fails_without_the_fixture():
    pytest.fail("on purpose")


def test_fails_with_a_factory_only(cloud_event_factory):
    pytest.fail("on purpose")
"""

SEED_LINE = "seed: 7 (run again with --eventgrid-seed=7 for the same ids and data)"
TIMELINE = [
    SEED_LINE,
    "t=    0.000s  create_topic        test-topic",
    "t=    0.000s  create_subscription test-topic/test-subscription",
    "t=    0.000s  publish             test-topic                         200",
    "              id=order-1 type=Order.Created -> ok",
    "              id=order-2 type=Order.Paid -> ok",
    "t=    0.000s  receive             test-topic/test-subscription       200",
    "              id=order-1 type=Order.Created token=CiYKJD…wewRrH delivery=1 -> ok",
    "              id=order-2 type=Order.Paid token=CiYKJD…XRkWiK delivery=1 -> ok",
    "t=   12.500s  acknowledge         test-topic/test-subscription       200",
    "              id=order-1 type=Order.Created token=CiYKJD…wewRrH delivery=1 -> ok",
    "t=   60.000s  lock_expired        test-topic/test-subscription",
    "              id=order-2 type=Order.Paid token=CiYKJD…XRkWiK delivery=1 -> available again",
    "t=   72.500s  release             test-topic/test-subscription       200",
    "              token=CiYKJD…XRkWiK -> TokenLost",
    "t=   72.500s  receive             test-topic/test-subscription       200",
    "              id=order-2 type=Order.Paid token=CiYKJD…goaArP delivery=2 -> ok",
    "t=   72.500s  reject              test-topic/test-subscription       200",
    "              id=order-2 type=Order.Paid token=CiYKJD…goaArP delivery=2 -> ok",
    "t=   82.500s  receive             test-topic/test-subscription       200"
    "  no events within maxWaitTime=10s",
]


@FLAVOURS
def test_a_failed_test_that_used_the_fake_gets_its_timeline(
    pytester: pytest.Pytester, flavour: Flavour
) -> None:
    pytester.makepyfile(flavour.render(TESTS))

    result = run(pytester, "-rA", "--tb=short", "--eventgrid-seed=7")

    result.assert_outcomes(passed=1, failed=3)
    # A test that only used a factory gets the seed line alone.
    assert report_section(result, "eventgrid timeline") == [TIMELINE, [SEED_LINE]]
    result.stdout.fnmatch_lines(
        [
            "*_ test_fails_after_traffic _*",
            "E   Failed: on purpose",
            "*- eventgrid timeline -*",
            "*_ test_fails_without_the_fixture _*",
            "E   Failed: on purpose",
            "*_ test_fails_with_a_factory_only _*",
            "E   Failed: on purpose",
            "*- eventgrid timeline -*",
            "*= PASSES =*",
        ]
    )


@FLAVOURS
def test_no_report_option_leaves_the_timeline_out(
    pytester: pytest.Pytester, flavour: Flavour
) -> None:
    pytester.makepyfile(flavour.render(TESTS))

    result = run(pytester, "-rA", "--tb=short", "--eventgrid-no-report")

    result.assert_outcomes(passed=1, failed=3)
    assert report_section(result, "eventgrid timeline") == []


def test_a_test_that_fails_and_errors_at_teardown_gets_one_section(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError("teardown")

        def test_it(eventgrid, broken_teardown):
            pytest.fail("on purpose")
        """
    )

    result = run(pytester, "-rA", "--tb=short")

    result.assert_outcomes(failed=1, errors=1)
    assert len(report_section(result, "eventgrid timeline")) == 1


# -- an empty receive, explained ------------------------------------------------------------

MISSES = """
import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridPublisherClient

ORDER = CloudEvent(id="order-1", source="shop", type="Order.Created", data={})
PAID_ONLY = {"filter": {"includedEventTypes": ["Order.Paid"]}}


@pytest.mark.eventgrid(topics={"orders": {"billing": PAID_ONLY}})
def test_a_misspelt_topic(eventgrid):
    with eventgrid.publisher("ordrs") as publisher:
        publisher.send([ORDER])
    with eventgrid.publisher("orders") as publisher:
        publisher.send([ORDER])
    with eventgrid.consumer("orders", "billing") as consumer:
        assert consumer.receive(max_wait_time=10) != []


def test_another_namespace(eventgrid):
    eventgrid.subscription("billing", topic="orders")
    other = "https://other.westus-1.eventgrid.azure.net"
    with EventGridPublisherClient(
        other, eventgrid.credential, namespace_topic="orders", transport=eventgrid.transport()
    ) as publisher:
        publisher.send([ORDER])
    with eventgrid.consumer("orders", "billing") as consumer:
        assert consumer.receive(max_wait_time=10) != []


def test_a_subscription_made_too_late(eventgrid):
    with eventgrid.publisher("orders") as publisher:
        publisher.send([ORDER])
    with eventgrid.consumer("orders", "billing") as consumer:
        assert consumer.receive(max_wait_time=10) != []
"""


def explanation(section: list[str]) -> list[str]:
    """What the section says after the timeline, from its first blank line."""
    return section[section.index("") :]


def test_a_publish_that_reached_no_subscription_is_explained(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MISSES)

    result = run(pytester, "-rA", "--tb=short", "--eventgrid-seed=7")

    result.assert_outcomes(failed=3)
    misspelt, namespace, late = report_section(result, "eventgrid timeline")
    assert explanation(misspelt) == [
        "",
        "Events that reached no subscription:",
        "  t=0.000s publish to topic 'ordrs': 1 event (id order-1)",
        "    No subscription was on topic 'ordrs' then.",
        "    Near miss: topic 'orders' (a close name) has subscription 'billing'.",
        "  t=0.000s publish to topic 'orders': 1 event (id order-1)",
        "    Subscription 'billing' filtered it out (includedEventTypes=['Order.Paid']).",
        "",
        "Subscriptions that were received from, but given no event:",
        "  orders/billing, received from at t=10.000s",
        "    The 1 event published to topic 'orders' since the subscription was created did not"
        " pass its filter (includedEventTypes=['Order.Paid']).",
    ]
    assert explanation(namespace) == [
        "",
        "Events that reached no subscription:",
        "  t=0.000s publish to topic 'orders' on other.westus-1.eventgrid.azure.net: 1 event"
        " (id order-1)",
        "    No subscription was on topic 'orders' on other.westus-1.eventgrid.azure.net then.",
        "    Near miss: topic 'orders' (the same topic, another host) has subscription 'billing'.",
        "",
        "Subscriptions that were received from, but given no event:",
        "  orders/billing, received from at t=10.000s",
        "    Nothing was published to topic 'orders'.",
        "    Near miss: topic 'orders' on other.westus-1.eventgrid.azure.net (the same topic,"
        " another host) was given 1 event.",
    ]
    assert explanation(late) == [
        "",
        "Events that reached no subscription:",
        "  t=0.000s publish to topic 'orders': 1 event (id order-1)",
        "    No subscription was on topic 'orders' then.",
        "    Subscription 'billing' was created later, at t=0.000s: a subscription is given only"
        " the events published after it exists.",
        "",
        "Subscriptions that were received from, but given no event:",
        "  orders/billing, received from at t=10.000s",
        "    The 1 event published to topic 'orders' came before the subscription existed"
        " (created at t=0.000s): a subscription is given only the events published after it"
        " exists.",
    ]


def test_a_timeline_where_every_event_arrived_explains_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SYNC.render(TESTS))

    result = run(pytester, "-rA", "--tb=short", "--eventgrid-seed=7")

    assert report_section(result, "eventgrid timeline")[0] == TIMELINE


# -- until() --------------------------------------------------------------------------------


UNTIL = """
import pytest
from azure.core.messaging import CloudEvent


@pytest.mark.asyncio
async def test_waits_in_vain(eventgrid, eventgrid_publisher):
    await eventgrid_publisher.send([CloudEvent(id="order-1", source="shop", type="T", data={})])
    await eventgrid.until(lambda: False, timeout=30)


@pytest.mark.asyncio
async def test_fails_after_a_timeout_it_caught(eventgrid, eventgrid_publisher):
    with pytest.raises(TimeoutError):
        await eventgrid.until(lambda: False, timeout=30)
    await eventgrid_publisher.send([CloudEvent(id="order-2", source="shop", type="T", data={})])
    pytest.fail("on purpose")
"""


def test_until_prints_the_timeline_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(UNTIL)

    result = run(pytester, "-rA", "--tb=short", "--eventgrid-seed=7")

    result.assert_outcomes(failed=2)
    publish = "t=    0.000s  publish             test-topic                         200"
    # In the TimeoutError's message: the report section says where it is.
    assert result.outlines.count(f"E   {publish}") == 1
    waited, caught = report_section(result, "eventgrid timeline")
    assert waited == [
        SEED_LINE,
        "timeline: in the TimeoutError above (the fake did nothing since)",
    ]
    # A timeline that went on after the TimeoutError is printed whole.
    assert caught[0] == SEED_LINE
    assert publish.replace("t=    0.000s", "t=   30.000s") in caught
