import contextlib
from collections.abc import AsyncIterator

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
