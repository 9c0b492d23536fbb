"""The pytest shim: options, the marker and fixtures, composed from library objects."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Generator, Iterator

import pytest
import pytest_asyncio
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioEventGridConsumerClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient

from ._cassette_options import cassette_path, record_mode
from ._doors._recorder import record
from ._eventgrid import EventGrid
from ._markers import MARKER, MARKER_SIGNATURE, marker_settings
from ._mock import mock_eventgrid
from ._seed import SEED, report_section, seed_for
from .factories import CloudEventFactory, EventGridEventFactory

_USED = pytest.StashKey[EventGrid]()
_REPORTED = pytest.StashKey[bool]()
_CALL_FAILED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the `--eventgrid-*` options."""
    group = parser.getgroup("eventgrid", "fake Azure Event Grid (pytest-eventgrid)")
    group.addoption(
        "--eventgrid-no-report",
        action="store_true",
        default=False,
        help="Leave the 'eventgrid timeline' section (seed and timeline) out of failure reports.",
    )
    group.addoption(
        "--eventgrid-record-mode",
        metavar="MODE",
        help="Record mode of tests marked with cassette=: none (default), once, "
        "new_episodes, all or rewrite. Wins over the marker's record_mode= and the ini.",
    )
    parser.addini(
        "eventgrid_record_mode",
        "Default record mode of tests marked with cassette= (none, once, new_episodes, "
        "all, rewrite).",
        default="",
    )
    group.addoption(
        "--eventgrid-seed",
        metavar="SEED",
        help="Seed the ids and factories of every test (default: from each test's node id).",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the `eventgrid` marker."""
    config.addinivalue_line("markers", MARKER_SIGNATURE)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Check `@pytest.mark.eventgrid` keys even on tests that do not use the fixture."""
    marker_settings(item.iter_markers(MARKER))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add the test's seed and the fake's timeline to the report of a failed test."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_CALL_FAILED] = True
    seed = item.stash.get(SEED, None)
    if (
        report.failed
        and seed is not None
        and not item.config.option.eventgrid_no_report
        and not item.stash.get(_REPORTED, False)
    ):
        section = report_section(seed, item.stash.get(_USED, None))
        report.sections.append(("eventgrid timeline", section))
        item.stash[_REPORTED] = True  # once per test, not again for a teardown error
    return report


@pytest.fixture
def eventgrid(request: pytest.FixtureRequest) -> Iterator[EventGrid]:
    """The fake Event Grid of this test, configured by `@pytest.mark.eventgrid`."""
    __tracebackhide__ = True
    settings = marker_settings(request.node.iter_markers(MARKER))
    cassette = settings.pop("cassette", None)
    marker_mode = settings.pop("record_mode", None)
    settings["seed"] = seed_for(request.node)
    with mock_eventgrid(**settings) as fake, contextlib.ExitStack() as cassettes:
        if cassette:
            # Innermost: the code under test's own clients meet the cassette; the
            # fixtures' clients, wired to the fake explicitly, keep the fake.
            path = cassette_path(request.node, cassette)
            mode = record_mode(request.config, marker_mode)
            cassettes.enter_context(record(path, mode=mode, clock=fake.clock))
        request.node.stash[_USED] = fake
        yield fake
        if not request.node.stash.get(_CALL_FAILED, False):  # one failure is enough
            fake.verify_faults()


@pytest_asyncio.fixture
async def eventgrid_publisher(eventgrid: EventGrid) -> AsyncIterator[AioEventGridPublisherClient]:
    """An `azure.eventgrid.aio.EventGridPublisherClient` for the default topic."""
    async with eventgrid.aio_publisher() as client:
        yield client


@pytest_asyncio.fixture
async def eventgrid_consumer(eventgrid: EventGrid) -> AsyncIterator[AioEventGridConsumerClient]:
    """An `azure.eventgrid.aio.EventGridConsumerClient` for the default subscription."""
    eventgrid.subscription()  # exists before the test publishes, so it sees every event
    async with eventgrid.aio_consumer() as client:
        yield client


@pytest.fixture
def eventgrid_publisher_sync(eventgrid: EventGrid) -> Iterator[EventGridPublisherClient]:
    """A sync `EventGridPublisherClient` for the default topic."""
    with eventgrid.publisher() as client:
        yield client


@pytest.fixture
def eventgrid_consumer_sync(eventgrid: EventGrid) -> Iterator[EventGridConsumerClient]:
    """A sync `EventGridConsumerClient` for the default subscription."""
    eventgrid.subscription()  # exists before the test publishes, so it sees every event
    with eventgrid.consumer() as client:
        yield client


@pytest.fixture
def cloud_event_factory(request: pytest.FixtureRequest) -> CloudEventFactory:
    """Builds `CloudEvent`s with realistic fake values, seeded per test; `.batch(n)`."""
    return CloudEventFactory(seed=seed_for(request.node))


@pytest.fixture
def eventgrid_event_factory(request: pytest.FixtureRequest) -> EventGridEventFactory:
    """Builds `EventGridEvent`s with realistic fake values, seeded per test; `.batch(n)`."""
    return EventGridEventFactory(seed=seed_for(request.node))
