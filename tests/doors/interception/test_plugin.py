"""Interception through the plugin, seen from a pytester project."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_eventgrid import _doors

from . import _shop

SHARED = """
import inspect

import pytest
from shop import AIO_SHOP, ENDPOINT, SHOP, SUBSCRIPTION, TOPIC

SHOPS = pytest.mark.parametrize("shop", [SHOP, AIO_SHOP], ids=["sync", "aio"])


async def result_of(value):
    return await value if inspect.isawaitable(value) else value
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project whose code under test is `shop.py`, built at import time."""
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(shop=Path(_shop.__file__).read_text(encoding="utf-8"))
    return pytester


def timeline_sections(lines: list[str]) -> list[list[str]]:
    """The timeline lines of each 'eventgrid timeline' section of a report.

    A `seed:` line, when the section has one, is left out: it belongs to the
    factories, whose tests pin it.
    """
    sections: list[list[str]] = []
    section: list[str] | None = None
    for line in lines:
        if line.startswith("-") and line.endswith("-") and " eventgrid timeline " in line:
            section = []
            sections.append(section)
        elif line.startswith(("___", "===")):
            section = None
        elif section is not None and not line.startswith("seed: "):
            section.append(line)
    return sections


@pytest.mark.usefixtures("unheld_interception")
def test_no_fake_outlives_a_failing_test(project):
    project.makepyfile(
        SHARED
        + """
import httpx
from azure.core.pipeline._base import _TransportRunner
from azure.core.pipeline._base_async import _AsyncTransportRunner
from pytest_eventgrid import _doors


def patched():
    return (_TransportRunner.send, _AsyncTransportRunner.send, httpx.Client._transport_for_url)


ORIGINALS = patched()


@pytest.mark.asyncio
@SHOPS
async def test_fails_while_the_fake_is_active(eventgrid, shop):
    await result_of(shop.publish("F-1"))
    assert _doors.is_installed()
    assert all(now is not before for now, before in zip(patched(), ORIGINALS))
    raise RuntimeError("the code under test broke")


def test_no_fake_is_left_active():
    assert _doors.active_targets() == []
    assert _doors.target_for("https://test-namespace.westus-1.eventgrid.azure.net/") is None
"""
    )

    result = project.runpytest("-p", "no:randomly")  # the checking test runs last

    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "E       RuntimeError: the code under test broke",
            "FAILED *::test_fails_while_the_fake_is_active?sync?",
            "FAILED *::test_fails_while_the_fake_is_active?aio?",
        ]
    )


ISOLATION = (
    SHARED
    + """
from pytest_eventgrid._doors import target_for


@pytest.mark.asyncio
@SHOPS
@pytest.mark.parametrize("n", range(3))
async def test_a_test_sees_only_its_own_events(eventgrid, shop, n):
    orders = eventgrid.namespace(ENDPOINT).topic(TOPIC)
    assert orders.published == []
    assert orders.subscriptions == []
    orders.subscription(SUBSCRIPTION)

    await result_of(shop.publish(f"order-{n}"))

    assert await result_of(shop.take_orders()) == [f"order-{n}"]
    assert [entry.operation for entry in eventgrid.timeline].count("publish") == 1


@pytest.mark.parametrize("n", range(3))
def test_without_the_fixture_nothing_is_intercepted(n):
    assert target_for(ENDPOINT) is None
"""
)


@pytest.mark.parametrize("options", [(), ("-p", "xdist", "-n", "2")], ids=["one-process", "xdist"])
def test_tests_never_see_each_others_state(project, options):
    project.makepyfile(test_isolation=ISOLATION)

    result = project.runpytest(*options)

    result.assert_outcomes(passed=9)


REPORT = [
    "t=    0.000s  create_topic        test-namespace: test-topic",
    "t=    0.000s  create_subscription test-namespace: test-topic/test-subscription",
    "t=    0.000s  create_topic        my-namespace: orders",
    "t=    0.000s  create_subscription my-namespace: orders/billing",
    "t=    0.000s  publish             my-namespace: orders                         200",
    "              id=A-1 type=Order.Created -> ok",
    "              id=A-2 type=Order.Created -> ok",
    "t=    0.000s  receive             my-namespace: orders/billing                 200",
    "              id=A-1 type=Order.Created token=CiYKJD…I1uPYQ delivery=1 -> ok",
    "              id=A-2 type=Order.Created token=CiYKJD…dVQIH3 delivery=1 -> ok",
    "t=    0.000s  acknowledge         my-namespace: orders/billing                 200",
    "              id=A-1 type=Order.Created token=CiYKJD…I1uPYQ delivery=1 -> ok",
    "              id=A-2 type=Order.Created token=CiYKJD…dVQIH3 delivery=1 -> ok",
]


def test_the_failure_report_shows_what_the_code_under_test_did(project):
    project.makepyfile(
        SHARED
        + """
@pytest.mark.asyncio
@pytest.mark.eventgrid(seed=0)
@SHOPS
async def test_billing_takes_the_first_order_only(eventgrid, shop):
    eventgrid.namespace(ENDPOINT).topic(TOPIC).subscription(SUBSCRIPTION)
    await result_of(shop.publish("A-1", "A-2"))

    assert await result_of(shop.take_orders()) == ["A-1"]
"""
    )

    result = project.runpytest()

    result.assert_outcomes(failed=2)
    assert timeline_sections(result.stdout.lines) == [REPORT, REPORT]  # sync, then aio


@pytest.mark.usefixtures("unheld_interception")
def test_a_session_installs_the_patches_once_and_removes_them_at_its_end(project):
    project.makepyfile(
        SHARED
        + """
from pytest_eventgrid import _doors


@pytest.mark.parametrize("n", range(2))
def test_uses_the_fake(eventgrid, n):
    assert _doors.is_installed()


def test_between_fakes_the_patches_stay_but_nothing_is_served():
    assert _doors.is_installed()
    assert _doors.target_for(ENDPOINT) is None
"""
    )

    result = project.runpytest("-p", "no:randomly")

    result.assert_outcomes(passed=3)
    assert not _doors.is_installed()
