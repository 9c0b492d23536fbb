import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, settings

from pytest_eventgrid import EventGrid
from tests._clients import Consumer, Door, Publisher

pytest_plugins = ["pytester"]

# The wire fuzz and the broker state machine run in every suite. The "ci" profile
# keeps them fast; `tox -e reliability` runs them with `--hypothesis-profile=reliability`.
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "reliability",
    max_examples=5_000,
    stateful_step_count=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci")


@pytest.fixture(params=["sync", "async"])
def flavour(request: pytest.FixtureRequest) -> str:
    """The SDK clients a test drives: sync or `azure.eventgrid.aio`."""
    return str(request.param)


@pytest.fixture
def door_class() -> type[Door]:
    """The `Door` a folder's tests drive; a conftest may give a subclass."""
    return Door


@pytest_asyncio.fixture
async def door(flavour: str, door_class: type[Door], eventgrid: EventGrid) -> AsyncIterator[Door]:
    """The SDK clients of one flavour, built on this test's fake."""
    async with contextlib.AsyncExitStack() as stack:
        yield door_class(eventgrid, flavour, stack)


@pytest_asyncio.fixture
async def publisher(door: Door) -> Publisher:
    return await door.publisher()


@pytest_asyncio.fixture
async def consumer(door: Door) -> Consumer:
    return await door.consumer()


@pytest.fixture
def unheld_interception() -> Iterator[None]:
    """Interception as outside pytest, where the patches go with the last fake.

    The plugin holds them for the whole session once a test used `eventgrid`; this
    lifts that hold for one test and takes it back after.
    """
    from pytest_eventgrid._doors import _intercept

    with _intercept._lock:
        holds, _intercept._holds = _intercept._holds, 0
    _intercept.hold_patches()
    _intercept.release_patches()  # no hold left: the patches go if no fake is active
    yield
    with _intercept._lock:
        _intercept._holds += holds
