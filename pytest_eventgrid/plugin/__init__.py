"""The pytest shim: options, the marker and fixtures, composed from library objects.

Every pytest run loads this module, so it imports pytest and the standard library
only: the library, and with it azure-eventgrid, faker and httpx, is imported by the
fixtures and hooks when a test uses it.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import AsyncIterator, Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from .._errors import UsageError, usage_error
from ._cassettes import cassette_options, cassette_path, record_mode
from ._live import SETTINGS, SKIP_REASON, cassette_namespace, live_namespace
from ._marker import MARKER, MARKER_SIGNATURE, in_marker, item_settings
from ._seed import SEED, seed_for
from ._server import (
    _eventgrid_server_running,  # noqa: F401 (a fixture)
    add_server_options,
    eventgrid_server,  # noqa: F401 (a fixture)
    eventgrid_server_settings,  # noqa: F401 (a fixture)
)

if TYPE_CHECKING:
    from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
    from azure.eventgrid.aio import EventGridConsumerClient as AioEventGridConsumerClient
    from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient

    from .._api.clients import Target
    from .._api.eventgrid import EventGrid
    from ..factories import CloudEventFactory, EventGridEventFactory
    from ..recordings import Recorder

_USED: pytest.StashKey[EventGrid] = pytest.StashKey()
_RECORDER: pytest.StashKey[Recorder] = pytest.StashKey()
_REPORTED = pytest.StashKey[bool]()
_CALL_FAILED = pytest.StashKey[bool]()
_HOLDING = pytest.StashKey[bool]()


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
        "--eventgrid-live",
        action="store_true",
        default=False,
        help="Run the client fixtures against the real namespace in EVENTGRID_ENDPOINT "
        "(EVENTGRID_KEY, EVENTGRID_TOPIC, EVENTGRID_SUBSCRIPTION); tests that need the "
        "fake are skipped.",
    )
    for name in SETTINGS:
        parser.addini(f"eventgrid_{name}", f"Live mode's {name} (EVENTGRID_{name.upper()} wins).")
    group.addoption(
        "--eventgrid-seed",
        metavar="SEED",
        help="Seed the ids and factories of every test (default: from each test's node id).",
    )
    add_server_options(parser, group)


@pytest.hookimpl(tryfirst=True)  # before pytest-asyncio's, which warns
def pytest_configure(config: pytest.Config) -> None:
    """Register the `eventgrid` marker; silence pytest-asyncio's loop-scope notice.

    The notice (about an unset `asyncio_default_fixture_loop_scope`) would fail a
    suite with `filterwarnings = error` that never chose the setting.
    """
    config.addinivalue_line("markers", MARKER_SIGNATURE)
    if not _loop_scope_is_set(config):
        # pytest-asyncio comes with this plugin: a suite that never used asyncio should
        # not meet its deprecation notice, an error under `filterwarnings = error`.
        # Unset, pytest-asyncio keeps its present behaviour; the guide says how to set it.
        warnings.filterwarnings(
            "ignore",
            message=LOOP_SCOPE_NOTICE,
            category=pytest.PytestDeprecationWarning,
            module=r"pytest_asyncio\b",
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    """Release the interception this session held since its first fake."""
    if config.stash.get(_HOLDING, False):
        from .._api.mock import release_interception

        release_interception()


LOOP_SCOPE_NOTICE = r'The configuration option "asyncio_default_fixture_loop_scope" is unset'


def _loop_scope_is_set(config: pytest.Config) -> bool:
    try:
        return bool(config.getini("asyncio_default_fixture_loop_scope"))
    except ValueError:  # pytest-asyncio is not loaded (`-p no:asyncio`): nothing warns
        return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give a test that carries the marker its fake (and cassette): the `eventgrid`
    fixture, first of its function-scoped fixtures.

    It applies even when the test does not ask for the fixture, because the code under
    test builds its own clients, and before the test's other fixtures, which may build
    and use clients too. Not under `--eventgrid-live`, where the fake is not there.
    """
    if config.getoption("eventgrid_live", False):
        return
    for item in items:
        if isinstance(item, pytest.Function) and item.get_closest_marker(MARKER) is not None:
            item.fixturenames = _eventgrid_first(item)


def _eventgrid_first(item: pytest.Function) -> list[str]:
    """The item's fixture names with `eventgrid` ahead of the function-scoped ones.

    A new list: parametrized siblings, which may not carry the marker, share the old.
    """
    definitions = item._fixtureinfo.name2fixturedefs
    names = [name for name in item.fixturenames if name != "eventgrid"]
    first = next(
        (
            index
            for index, name in enumerate(names)
            if name not in definitions or definitions[name][-1].scope == "function"
        ),
        len(names),
    )
    return [*names[:first], "eventgrid", *names[first:]]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Check `@pytest.mark.eventgrid` keys even on tests that do not use the fixture."""
    item_settings(item)


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
        from .._api.timeline import failure_section

        error = call.excinfo.value if call.excinfo else None
        fake = item.stash.get(_USED, None)
        section = failure_section(seed, fake.format_timeline() if fake else None, error)
        report.sections.append(("eventgrid timeline", section))
        item.stash[_REPORTED] = True  # once per test, not again for a teardown error
    return report


@pytest.fixture
def eventgrid(request: pytest.FixtureRequest) -> Iterator[EventGrid]:
    """The fake Event Grid of this test, configured by `@pytest.mark.eventgrid`."""
    __tracebackhide__ = True
    if live_namespace(request.config) is not None:
        pytest.skip(SKIP_REASON)
    from .._api.mock import hold_interception, mock_eventgrid

    if not request.config.stash.get(_HOLDING, False):
        hold_interception()  # once per session; each test's fake switches the target
        request.config.stash[_HOLDING] = True
    mock = mock_eventgrid(**_library_settings(request))
    try:
        fake = request.node.stash[_USED] = mock.start()
    except UsageError as error:  # the library's check of the marker's settings
        raise in_marker(error) from None
    if mock.recorder is not None:
        request.node.stash[_RECORDER] = mock.recorder
    yield fake
    mock.stop(verify=not request.node.stash.get(_CALL_FAILED, False))  # one failure is enough


def _library_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The marker's settings as `mock_eventgrid()` takes them, and what only pytest knows.

    That is the test's seed, and for `cassette=` its path next to the test module, the
    record mode (`--eventgrid-record-mode`, the marker, the ini) and the options of the
    `eventgrid_cassette_options` fixture.
    """
    settings = item_settings(request.node)
    settings["seed"] = seed_for(request.node)
    cassette = settings.pop("cassette", None)
    marker_mode = settings.pop("record_mode", None)
    if cassette:
        settings["cassette"] = cassette_path(request.node, cassette)
        settings["record_mode"] = record_mode(request.config, marker_mode)
        options = request.getfixturevalue("eventgrid_cassette_options")
        settings["cassette_options"] = cassette_options(options)
    return settings


@pytest.fixture
def eventgrid_cassette_options() -> dict[str, Any]:
    """Options for the cassettes of tests marked `cassette=`.

    Override this fixture in a conftest.py or a test module to return `record()`
    keywords: `sanitize`, `sanitize_json`, `sanitize_hosts`, `hosts`, `match_on` and
    `ignore`.
    """
    return {}


def _target(request: pytest.FixtureRequest) -> Target:
    """Where the client fixtures' clients go.

    The fake; the live namespace under `--eventgrid-live`; in a test marked
    `cassette=`, the cassette, which records from the live namespace.
    """
    live = live_namespace(request.config)
    if live is not None:
        return live
    fake: EventGrid = request.getfixturevalue("eventgrid")
    recorder = request.node.stash.get(_RECORDER, None)
    if recorder is not None:
        return cassette_namespace(request.config, fake, recorder)
    return fake


def _refuse_in_a_sync_test(request: pytest.FixtureRequest, fixture: str, sync_twin: str) -> None:
    """Fail a sync test that takes an async client fixture.

    Each of its calls would return a coroutine that never runs, and the test would
    pass having sent nothing.
    """
    __tracebackhide__ = True
    test = request.function
    if inspect.iscoroutinefunction(test) or fixture not in inspect.signature(test).parameters:
        return  # an async test, or another fixture (which awaits the client) took it
    raise usage_error(
        f"{fixture} is an azure.eventgrid.aio client, for async tests, but "
        f"{request.node.name} is a sync test: its calls would return coroutines that "
        f"never run. Use {sync_twin} in a sync test, or make the test `async def` "
        f"(with @pytest.mark.asyncio in pytest-asyncio's strict mode).",
        anchor="guide/#fixtures",
    )


@pytest_asyncio.fixture
async def eventgrid_publisher(
    request: pytest.FixtureRequest,
) -> AsyncIterator[AioEventGridPublisherClient]:
    """An `azure.eventgrid.aio.EventGridPublisherClient` for the default topic.

    For async tests only: a sync test takes `eventgrid_publisher_sync`.
    """
    _refuse_in_a_sync_test(request, "eventgrid_publisher", "eventgrid_publisher_sync")
    from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient

    from .._api.clients import publisher

    async with publisher(AioEventGridPublisherClient, _target(request)) as client:
        yield client


@pytest_asyncio.fixture
async def eventgrid_consumer(
    request: pytest.FixtureRequest,
) -> AsyncIterator[AioEventGridConsumerClient]:
    """An `azure.eventgrid.aio.EventGridConsumerClient` for the default subscription.

    For async tests only: a sync test takes `eventgrid_consumer_sync`.
    """
    _refuse_in_a_sync_test(request, "eventgrid_consumer", "eventgrid_consumer_sync")
    from azure.eventgrid.aio import EventGridConsumerClient as AioEventGridConsumerClient

    from .._api.clients import consumer

    async with consumer(AioEventGridConsumerClient, _target(request)) as client:
        yield client


@pytest.fixture
def eventgrid_publisher_sync(request: pytest.FixtureRequest) -> Iterator[EventGridPublisherClient]:
    """A sync `EventGridPublisherClient` for the default topic."""
    from azure.eventgrid import EventGridPublisherClient

    from .._api.clients import publisher

    with publisher(EventGridPublisherClient, _target(request)) as client:
        yield client


@pytest.fixture
def eventgrid_consumer_sync(request: pytest.FixtureRequest) -> Iterator[EventGridConsumerClient]:
    """A sync `EventGridConsumerClient` for the default subscription."""
    from azure.eventgrid import EventGridConsumerClient

    from .._api.clients import consumer

    with consumer(EventGridConsumerClient, _target(request)) as client:
        yield client


@pytest.fixture
def cloud_event_factory(request: pytest.FixtureRequest) -> CloudEventFactory:
    """Builds `CloudEvent`s with realistic fake values, seeded per test; `.batch(n)`."""
    from ..factories import CloudEventFactory

    return CloudEventFactory(seed=seed_for(request.node))


@pytest.fixture
def eventgrid_event_factory(request: pytest.FixtureRequest) -> EventGridEventFactory:
    """Builds `EventGridEvent`s with realistic fake values, seeded per test; `.batch(n)`."""
    from ..factories import EventGridEventFactory

    return EventGridEventFactory(seed=seed_for(request.node))
