"""`intercept=False`: the fake answers only the clients wired to it; the rest pass through."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.pipeline.transport import AsyncHttpTransport, HttpTransport
from azure.eventgrid import EventGridPublisherClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient

from pytest_eventgrid import EventGrid, UsageError, mock_eventgrid
from pytest_eventgrid._doors import is_installed
from pytest_eventgrid._doors._azure import FakeAsyncHttpResponse, FakeHttpResponse
from pytest_eventgrid._wire import WireResponse

from . import _shop
from ._helpers import assert_blocked, cloud_event_json, ids

# These tests see the patches come and go, as outside pytest.
pytestmark = pytest.mark.usefixtures("unheld_interception")

ACCEPTED = WireResponse(200, {"Content-Type": "application/json"}, b"{}")


class OwnTransport(HttpTransport):  # type: ignore[type-arg]
    """A client's own mock transport, as the Azure SDK's redirect tests build one."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, request: Any, **kwargs: Any) -> Any:
        self.sent.append(request.url)
        return FakeHttpResponse(request, ACCEPTED)

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __exit__(self, *args: object) -> None:
        pass


class AsyncOwnTransport(AsyncHttpTransport):  # type: ignore[type-arg]
    """The async twin of `OwnTransport`."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, request: Any, **kwargs: Any) -> Any:
        self.sent.append(request.url)
        return FakeAsyncHttpResponse(request, ACCEPTED)

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def __aexit__(self, *args: object) -> None:
        pass


def publish_through(transport: OwnTransport) -> None:
    with EventGridPublisherClient(
        _shop.ENDPOINT, AzureKeyCredential("k"), namespace_topic=_shop.TOPIC, transport=transport
    ) as publisher:
        publisher.send(_shop.order_created("own-1"))


async def publish_through_async(transport: AsyncOwnTransport) -> None:
    async with AioEventGridPublisherClient(
        _shop.ENDPOINT, AzureKeyCredential("k"), namespace_topic=_shop.TOPIC, transport=transport
    ) as publisher:
        await publisher.send(_shop.order_created("own-1"))


def published(fake: EventGrid) -> list[str]:
    return ids(fake.namespace(_shop.ENDPOINT).topic(_shop.TOPIC).published)


def test_a_client_with_its_own_transport_keeps_it():
    own = OwnTransport()
    with mock_eventgrid(intercept=False) as fake:
        publish_through(own)

    assert [url.split("?")[0] for url in own.sent] == [
        f"{_shop.ENDPOINT}/topics/{_shop.TOPIC}:publish"
    ]
    assert published(fake) == []


@pytest.mark.asyncio
async def test_an_async_client_with_its_own_transport_keeps_it():
    own = AsyncOwnTransport()
    async with mock_eventgrid(intercept=False) as fake:
        await publish_through_async(own)

    assert len(own.sent) == 1
    assert published(fake) == []


def test_by_default_the_fake_takes_even_a_client_with_its_own_transport():
    own = OwnTransport()
    with mock_eventgrid() as fake:
        publish_through(own)

    assert (own.sent, published(fake)) == ([], ["own-1"])


def test_nothing_is_patched_and_the_fakes_own_doors_still_work():
    with mock_eventgrid(intercept=False, topic="orders", subscription="billing") as fake:
        assert not is_installed()
        with fake.publisher() as publisher:
            publisher.send(_shop.order_created("helper-1"))
        with EventGridPublisherClient(
            fake.endpoint, fake.credential, namespace_topic="orders", transport=fake.transport()
        ) as wired:
            wired.send(_shop.order_created("wired-1"))
        with fake.consumer() as consumer:
            received = consumer.receive(max_events=10)

    assert [detail.event.id for detail in received] == ["helper-1", "wired-1"]


@pytest.mark.asyncio
async def test_the_fakes_async_doors_still_work():
    async with mock_eventgrid(intercept=False) as fake:
        async with fake.aio_publisher() as publisher:
            await publisher.send(_shop.order_created("helper-1"))
        async with fake.aio_consumer() as consumer:
            received = await consumer.receive(max_events=10)

    assert [detail.event.id for detail in received] == ["helper-1"]


@pytest.mark.usefixtures("no_sockets")
def test_a_client_with_no_transport_is_not_redirected():
    with mock_eventgrid(intercept=False) as fake:
        with pytest.raises(Exception) as raised:  # noqa: PT011 - the socket refusal, below
            publish_through_default_transport()
        with pytest.raises(Exception) as raw:  # noqa: PT011
            httpx.post(f"{_shop.ENDPOINT}/topics/orders:publish", json=cloud_event_json("r-1"))

    assert "tried to open a network connection" in str(raised.value)
    assert "tried to open a network connection" in str(raw.value)
    assert fake.timeline[-1].operation != "publish"


def publish_through_default_transport() -> None:
    with EventGridPublisherClient(
        _shop.ENDPOINT, AzureKeyCredential("k"), namespace_topic=_shop.TOPIC, retry_total=0
    ) as publisher:
        publisher.send(_shop.order_created("no-transport"))


@pytest.mark.asyncio
@pytest.mark.usefixtures("no_sockets")
async def test_an_opted_out_fake_inside_an_intercepting_one_lets_requests_pass(eventgrid):
    own = OwnTransport()
    with mock_eventgrid(intercept=False):
        publish_through(own)
        await assert_blocked(publish_through_default_transport)

    assert len(own.sent) == 1
    assert published(eventgrid) == []


@pytest.mark.eventgrid(intercept=False)
def test_the_marker_opts_a_test_out(eventgrid, eventgrid_publisher_sync):
    own = OwnTransport()

    publish_through(own)
    eventgrid_publisher_sync.send(_shop.order_created("fixture-1"))

    assert len(own.sent) == 1
    assert not is_installed()
    assert ids(eventgrid.topic(eventgrid.default_topic).published) == ["fixture-1"]


@pytest.mark.parametrize("given", ["no", 0, None])
def test_intercept_takes_a_bool(given):
    with pytest.raises(UsageError, match=r"intercept= takes True .* or False .*; got "):
        mock_eventgrid(intercept=given)
