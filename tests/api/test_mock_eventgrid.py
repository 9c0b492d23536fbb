"""`mock_eventgrid()` in-process: context manager, async context manager, decorator."""

from __future__ import annotations

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridPublisherClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient

from pytest_eventgrid import EventGrid, mock_eventgrid
from pytest_eventgrid._doors import is_installed, target_for

# These tests see the patches come and go, as outside pytest.
pytestmark = pytest.mark.usefixtures("unheld_interception")

ENDPOINT = "https://app.westus-1.eventgrid.azure.net"
EVENT = CloudEvent(source="/app", type="App.Started", data={}, id="e1")


def send_from_app() -> None:
    with EventGridPublisherClient(ENDPOINT, AzureKeyCredential("k"), namespace_topic="t") as c:
        c.send(EVENT)


async def send_from_async_app() -> None:
    async with AioEventGridPublisherClient(
        ENDPOINT, AzureKeyCredential("k"), namespace_topic="t"
    ) as client:
        await client.send(EVENT)


def published(eventgrid: EventGrid) -> list[str]:
    return [event.id for event in eventgrid.namespace(ENDPOINT).topic("t").published]


def test_with_block_intercepts_and_undoes_itself():
    with mock_eventgrid(namespace="app") as eventgrid:
        send_from_app()
        assert is_installed()

    assert published(eventgrid) == ["e1"]
    assert not is_installed()


@pytest.mark.asyncio
async def test_async_with_block():
    async with mock_eventgrid() as eventgrid:
        await send_from_async_app()

    assert published(eventgrid) == ["e1"]
    assert not is_installed()


def test_decorated_functions_get_a_fresh_fake_per_call():
    mock = mock_eventgrid()
    seen: list[EventGrid] = []

    @mock
    def run() -> None:
        send_from_app()
        target = target_for(ENDPOINT)
        assert isinstance(target, EventGrid)
        seen.append(target)

    run()
    run()

    assert len({id(fake) for fake in seen}) == 2
    assert [published(fake) for fake in seen] == [["e1"], ["e1"]]
    assert not is_installed()


@pytest.mark.asyncio
async def test_decorated_coroutines_run_inside_the_fake():
    seen: list[EventGrid] = []

    @mock_eventgrid()
    async def run() -> str:
        await send_from_async_app()
        target = target_for(ENDPOINT)
        assert isinstance(target, EventGrid)
        seen.append(target)
        return "done"

    assert await run() == "done"
    assert published(seen[0]) == ["e1"]
    assert not is_installed()


def test_start_and_stop_by_hand_nest():
    mock = mock_eventgrid()
    outer = mock.start()
    inner = mock.start()
    assert target_for(ENDPOINT) is inner
    mock.stop()
    assert target_for(ENDPOINT) is outer
    mock.stop()
    mock.stop()  # nothing left: a no-op
    assert not is_installed()


def test_a_held_interception_stays_between_fakes_and_goes_when_released() -> None:
    from pytest_eventgrid._api.mock import hold_interception, release_interception
    from pytest_eventgrid._doors import target_for

    hold_interception()
    try:
        with mock_eventgrid():
            pass
        assert is_installed()
        assert target_for("https://test-namespace.westus-1.eventgrid.azure.net/") is None
    finally:
        release_interception()
    assert not is_installed()
