"""Sync tests: an async client fixture fails them loudly, and a sync-only suite with
`filterwarnings = error` runs (pytest-asyncio's loop-scope notice is not an error)."""

from __future__ import annotations

import pytest

from ._support import run, use_asyncio_mode

ASYNC_FIXTURE_IN_SYNC_TEST = """
from azure.core.messaging import CloudEvent


def test_publishes(eventgrid, {fixture}):
    {call}
    assert eventgrid.topic(eventgrid.default_topic).published != []
"""
CALLS = {
    "eventgrid_publisher": "eventgrid_publisher.send(CloudEvent(source='s', type='T', data={}))",
    "eventgrid_consumer": "eventgrid_consumer.receive(max_events=1)",
}
SUGGESTED = {
    "eventgrid_publisher": "eventgrid_publisher_sync",
    "eventgrid_consumer": "eventgrid_consumer_sync",
}


@pytest.mark.parametrize("mode", ["strict", "auto"])
@pytest.mark.parametrize("fixture", ["eventgrid_publisher", "eventgrid_consumer"])
def test_an_async_client_fixture_fails_a_sync_test(
    pytester: pytest.Pytester, mode: str, fixture: str
) -> None:
    use_asyncio_mode(pytester, mode)
    pytester.makepyfile(ASYNC_FIXTURE_IN_SYNC_TEST.format(fixture=fixture, call=CALLS[fixture]))

    result = run(pytester, "--tb=short")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            f"*UsageError: {fixture} is an azure.eventgrid.aio client, for async tests, but "
            f"test_publishes is a sync test: its calls would return coroutines that never "
            f"run. Use {SUGGESTED[fixture]} in a sync test, or make the test `async def`*",
        ]
    )


ASYNC_FIXTURE_THROUGH_AN_ASYNC_FIXTURE = """
import pytest
import pytest_asyncio
from azure.core.messaging import CloudEvent


@pytest_asyncio.fixture
async def published(eventgrid_publisher):
    await eventgrid_publisher.send(CloudEvent(source="s", type="T", data={}))


def test_a_sync_test_may_use_an_async_fixture_that_awaits(eventgrid, published):
    assert len(eventgrid.topic(eventgrid.default_topic).published) == 1


@pytest.mark.asyncio
async def test_an_async_test_gets_the_async_client(eventgrid, eventgrid_publisher):
    await eventgrid_publisher.send(CloudEvent(source="s", type="T", data={}))
    assert len(eventgrid.topic(eventgrid.default_topic).published) == 1
"""


def test_the_async_fixtures_still_serve_async_code(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(ASYNC_FIXTURE_THROUGH_AN_ASYNC_FIXTURE)

    run(pytester).assert_outcomes(passed=2)


SYNC_ONLY = """
import pytest
from azure.core.messaging import CloudEvent


def test_without_the_plugin():
    assert 1 + 1 == 2


@pytest.mark.eventgrid(topic="orders", subscription="billing")
def test_with_the_fake_and_the_sync_fixtures(
    eventgrid, eventgrid_publisher_sync, eventgrid_consumer_sync, cloud_event_factory
):
    eventgrid_publisher_sync.send(cloud_event_factory())
    [detail] = eventgrid_consumer_sync.receive(max_events=1)
    eventgrid_consumer_sync.acknowledge(lock_tokens=[detail.broker_properties.lock_token])
    assert eventgrid.subscription("billing", topic="orders").available == []
"""
STRICT_WARNINGS = "[pytest]\nfilterwarnings =\n    error\n"


@pytest.mark.parametrize(
    "mode",
    ["", "asyncio_mode = strict\n", "asyncio_mode = auto\n"],
    ids=["no-mode", "strict", "auto"],
)
def test_a_sync_only_suite_with_filterwarnings_error_passes(
    pytester: pytest.Pytester, mode: str
) -> None:
    pytester.makeini(STRICT_WARNINGS + mode)  # and no asyncio_default_fixture_loop_scope
    pytester.makepyfile(SYNC_ONLY)

    result = run(pytester)

    result.assert_outcomes(passed=2)
    assert "INTERNALERROR" not in result.stdout.str()


ASYNC_TOO = """
import pytest
from azure.core.messaging import CloudEvent


@pytest.mark.asyncio
async def test_async(eventgrid, eventgrid_publisher):
    await eventgrid_publisher.send(CloudEvent(source="s", type="T", data={}))
    assert len(eventgrid.topic(eventgrid.default_topic).published) == 1
"""


def test_an_async_test_in_that_suite_passes_too(pytester: pytest.Pytester) -> None:
    pytester.makeini(STRICT_WARNINGS)
    pytester.makepyfile(SYNC_ONLY + ASYNC_TOO.replace("import pytest\n", ""))

    run(pytester).assert_outcomes(passed=3)


def test_a_loop_scope_the_suite_sets_is_kept(pytester: pytest.Pytester) -> None:
    pytester.makeini(STRICT_WARNINGS + "asyncio_default_fixture_loop_scope = module\n")
    pytester.makepyfile(SYNC_ONLY)

    result = run(pytester)

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*asyncio_default_fixture_loop_scope=module*"])
