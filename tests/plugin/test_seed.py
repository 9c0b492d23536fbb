"""Seeds: each test's ids come from its node id, `--eventgrid-seed` or the marker."""

from __future__ import annotations

import re

import pytest

from ._support import report_section, run

TWINS = """
import pytest
from azure.core.messaging import CloudEvent


def publish_receive_and_fail(eventgrid, publisher, consumer):
    publisher.send([CloudEvent(id="order-1", source="shop", type="Order.Created", data={})])
    consumer.receive(max_events=1)
    pytest.fail("on purpose")


def test_original(eventgrid, eventgrid_publisher_sync, eventgrid_consumer_sync):
    publish_receive_and_fail(eventgrid, eventgrid_publisher_sync, eventgrid_consumer_sync)


def test_renamed(eventgrid, eventgrid_publisher_sync, eventgrid_consumer_sync):
    publish_receive_and_fail(eventgrid, eventgrid_publisher_sync, eventgrid_consumer_sync)


@pytest.mark.eventgrid(seed="fixed")
def test_marker_seed(eventgrid):
    pytest.fail("on purpose")
"""

SEED_LINE = re.compile(
    r"seed: (?P<seed>\d+) \(run again with --eventgrid-seed=(?P=seed) for the same ids and data\)"
)


def test_the_seed_line_reruns_a_test_with_the_same_ids(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TWINS)

    first = report_section(run(pytester), "eventgrid timeline")
    original, renamed, _ = first
    match = SEED_LINE.fullmatch(original[0])
    assert match is not None, original[0]
    # Seeds come from node ids: another test gets other lock tokens, every run the same.
    assert original[1:] != renamed[1:]
    assert report_section(run(pytester), "eventgrid timeline") == first

    again = report_section(run(pytester, f"--eventgrid-seed={match['seed']}"), "eventgrid timeline")

    assert again[:2] == [original, original]


def test_the_marker_seed_wins_over_the_option(pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(TWINS)

    result = run(pytester, "--eventgrid-seed=7", f"{path.name}::test_marker_seed")

    sections = report_section(result, "eventgrid timeline")
    assert [section[0] for section in sections] == [
        "seed: 'fixed' (run again with --eventgrid-seed=fixed for the same ids and data)"
    ]
