"""The "eventgrid timeline" section of failure reports."""

from __future__ import annotations

import pytest

from ._support import FLAVOURS, Flavour, report_section, run

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
