"""HTTPS and tokens: the real Python SDK, sync and async, with a key and with a token
credential, against `serve(https=True)`; and what the fake checks of a Bearer token."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from azure.core.credentials import AccessToken, AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioConsumer
from azure.eventgrid.aio import EventGridPublisherClient as AioPublisher

from pytest_eventgrid import EventGridServer, serve

KEY = "aHR0cHMta2V5"
SCOPE = "https://eventgrid.azure.net/.default"


class FakeTokenCredential:
    """A token credential (what `DefaultAzureCredential` is) that hands out a fixed
    token and notes the scopes it was asked for."""

    def __init__(self) -> None:
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.extend(scopes)
        return AccessToken("fake-token", int(time.time()) + 3600)


class FakeAsyncTokenCredential:
    """The async variant of `FakeTokenCredential`."""

    def __init__(self) -> None:
        self.scopes: list[str] = []

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.extend(scopes)
        return AccessToken("fake-token", int(time.time()) + 3600)

    async def close(self) -> None:
        pass

    async def __aenter__(self) -> FakeAsyncTokenCredential:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        pass


@pytest.fixture
def https_server() -> Iterator[EventGridServer]:
    """A server over HTTPS whose namespace has an access key: keys are enforced."""
    with serve(topic="orders", subscription="billing", key=KEY, https=True) as running:
        yield running


def verify(server: EventGridServer) -> dict[str, str]:
    """The azure-core keyword that makes a client trust the server's local CA."""
    assert server.ca_file is not None
    assert server.ca_file.is_file()
    return {"connection_verify": str(server.ca_file)}


def sync_roundtrip(server: EventGridServer, credential: Any, **options: Any) -> None:
    with (
        EventGridPublisherClient(
            server.endpoint, credential, namespace_topic="orders", **options
        ) as publisher,
        EventGridConsumerClient(
            server.endpoint, credential, namespace_topic="orders", subscription="billing", **options
        ) as consumer,
    ):
        publisher.send(CloudEvent(source="shop", type="Order.Created", data={"n": 1}))
        received = consumer.receive(max_events=5, max_wait_time=10)
        assert [detail.event.data for detail in received] == [{"n": 1}]
        tokens = [detail.broker_properties.lock_token for detail in received]
        assert consumer.acknowledge(lock_tokens=tokens).succeeded_lock_tokens == tokens


async def async_roundtrip(server: EventGridServer, credential: Any, **options: Any) -> None:
    async with (
        AioPublisher(server.endpoint, credential, namespace_topic="orders", **options) as publisher,
        AioConsumer(
            server.endpoint, credential, namespace_topic="orders", subscription="billing", **options
        ) as consumer,
    ):
        await publisher.send(CloudEvent(source="shop", type="Order.Created", data={"n": 1}))
        received = await consumer.receive(max_events=5, max_wait_time=10)
        assert [detail.event.data for detail in received] == [{"n": 1}]
        tokens = [detail.broker_properties.lock_token for detail in received]
        result = await consumer.acknowledge(lock_tokens=tokens)
        assert result.succeeded_lock_tokens == tokens


def assert_acknowledged_once(server: EventGridServer) -> None:
    assert server.url.startswith("https://")
    assert [event.data for event in server.eventgrid.subscription().acknowledged] == [{"n": 1}]


# -- a key over HTTPS --------------------------------------------------------------------------


def test_the_sync_clients_over_https_with_the_key(https_server: EventGridServer) -> None:
    sync_roundtrip(https_server, https_server.credential, **verify(https_server))
    assert_acknowledged_once(https_server)


@pytest.mark.asyncio
async def test_the_async_clients_over_https_with_the_key(https_server: EventGridServer) -> None:
    await async_roundtrip(https_server, https_server.credential, **verify(https_server))
    assert_acknowledged_once(https_server)


def test_a_wrong_key_is_refused_over_https(https_server: EventGridServer) -> None:
    with (
        EventGridPublisherClient(
            https_server.endpoint,
            AzureKeyCredential("d3Jvbmc="),
            namespace_topic="orders",
            **verify(https_server),
        ) as publisher,
        pytest.raises(ClientAuthenticationError),
    ):
        publisher.send(CloudEvent(source="shop", type="Order.Created", data={}))
    assert https_server.eventgrid.topic("orders").published == []


def test_a_client_that_does_not_trust_the_ca_cannot_connect(
    https_server: EventGridServer,
) -> None:
    with (
        EventGridPublisherClient(
            https_server.endpoint,
            https_server.credential,
            namespace_topic="orders",
            retry_total=0,
        ) as publisher,
        pytest.raises(ServiceRequestError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        publisher.send(CloudEvent(source="shop", type="Order.Created", data={}))


# -- a token credential: HTTPS only ------------------------------------------------------------


def test_the_sync_clients_over_https_with_a_token_credential(
    https_server: EventGridServer,
) -> None:
    credential = FakeTokenCredential()
    sync_roundtrip(https_server, credential, **verify(https_server))
    assert_acknowledged_once(https_server)
    assert set(credential.scopes) == {SCOPE}


@pytest.mark.asyncio
async def test_the_async_clients_over_https_with_a_token_credential(
    https_server: EventGridServer,
) -> None:
    credential = FakeAsyncTokenCredential()
    await async_roundtrip(https_server, credential, **verify(https_server))
    assert_acknowledged_once(https_server)
    assert set(credential.scopes) == {SCOPE}


def test_azure_core_refuses_a_token_over_plain_http() -> None:
    with (
        serve(topic="orders", subscription="billing") as server,
        EventGridPublisherClient(
            server.endpoint, FakeTokenCredential(), namespace_topic="orders"
        ) as publisher,
        pytest.raises(ServiceRequestError, match="non-TLS"),
    ):
        publisher.send(CloudEvent(source="shop", type="Order.Created", data={}))
    server.eventgrid.topic("orders").calls.assert_not_called()  # refused before sending


@pytest.mark.asyncio
async def test_azure_core_refuses_a_token_over_plain_http_async() -> None:
    async with serve(topic="orders", subscription="billing") as server:
        async with AioPublisher(
            server.endpoint, FakeAsyncTokenCredential(), namespace_topic="orders"
        ) as publisher:
            with pytest.raises(ServiceRequestError, match="non-TLS"):
                await publisher.send(CloudEvent(source="shop", type="Order.Created", data={}))
        server.eventgrid.topic("orders").calls.assert_not_called()


# -- what the fake checks of a Bearer token ----------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        ("Bearer any-string-at-all", 200),  # not decoded, not verified, not matched to the key
        ("bearer x", 200),  # the scheme is case-insensitive
        ("Bearer ", 401),  # an empty token is no token
        (f"SharedAccessKey {KEY}", 200),
        ("SharedAccessKey d3Jvbmc=", 401),
        (None, 401),
    ],
)
def test_what_the_fake_checks_of_the_authorization_header(
    https_server: EventGridServer, authorization: str | None, status: int
) -> None:
    assert publish_status(https_server, authorization) == status


def test_with_no_key_configured_every_request_is_accepted() -> None:
    with serve(topic="orders", subscription="billing", https=True) as server:
        assert publish_status(server, authorization=None) == 200


def publish_status(server: EventGridServer, authorization: str | None) -> int:
    """The status of a raw publish that carries `authorization` (if any)."""
    headers = {"content-type": "application/cloudevents+json; charset=utf-8"}
    if authorization is not None:
        headers["authorization"] = authorization
    with requests.Session() as session:
        answer = session.post(
            f"{server.endpoint}/topics/orders:publish?api-version=2024-06-01",
            data=b'{"specversion":"1.0","id":"1","source":"s","type":"t"}',
            headers=headers,
            verify=str(server.ca_file),
            timeout=30,
        )
        answer.close()
    return answer.status_code
