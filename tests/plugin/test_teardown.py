"""The client fixtures close their clients after the test, whether it passed or not."""

from __future__ import annotations

import json

import pytest

from ._support import run

SPY_CONFTEST = """
import inspect
import json

import pytest
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid import aio

CLIENTS = {
    "eventgrid_publisher_sync": EventGridPublisherClient,
    "eventgrid_consumer_sync": EventGridConsumerClient,
    "eventgrid_publisher": aio.EventGridPublisherClient,
    "eventgrid_consumer": aio.EventGridConsumerClient,
}
# `with client:` ends in `__exit__`, which these clients do not route through `close`.
CLOSERS = ("close", "__exit__", "__aexit__")


def spy(closed, fixture, original):
    if inspect.iscoroutinefunction(original):
        async def closing(self, *args):
            closed.append(fixture)
            return await original(self, *args)
    else:
        def closing(self, *args):
            closed.append(fixture)
            return original(self, *args)
    return closing


@pytest.fixture(autouse=True)
def closed(request, monkeypatch):
    closed = []
    for fixture, client in CLIENTS.items():
        for name in CLOSERS:
            if hasattr(client, name):
                monkeypatch.setattr(client, name, spy(closed, fixture, getattr(client, name)))
    yield closed
    # Runs after the plugin's fixtures are torn down: autouse fixtures are set up first.
    with open("closed.jsonl", "a") as record:
        record.write(json.dumps({"test": request.node.name, "closed": sorted(closed)}) + "\\n")
"""

TESTS = """
import pytest

@pytest.mark.asyncio
async def test_passes(
    closed, eventgrid_publisher, eventgrid_consumer,
    eventgrid_publisher_sync, eventgrid_consumer_sync,
):
    assert closed == []


@pytest.mark.asyncio
async def test_fails(
    closed, eventgrid_publisher, eventgrid_consumer,
    eventgrid_publisher_sync, eventgrid_consumer_sync,
):
    assert closed == ["on purpose"]


def test_sync_only(eventgrid_publisher_sync, eventgrid_consumer_sync):
    raise RuntimeError("on purpose")
"""

ALL_FOUR = [
    "eventgrid_consumer",
    "eventgrid_consumer_sync",
    "eventgrid_publisher",
    "eventgrid_publisher_sync",
]


def test_each_client_is_closed_once_after_the_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(SPY_CONFTEST)
    pytester.makepyfile(TESTS)

    run(pytester).assert_outcomes(passed=1, failed=2)

    records = (pytester.path / "closed.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in records] == [
        {"test": "test_passes", "closed": ALL_FOUR},
        {"test": "test_fails", "closed": ALL_FOUR},
        {
            "test": "test_sync_only",
            "closed": ["eventgrid_consumer_sync", "eventgrid_publisher_sync"],
        },
    ]
