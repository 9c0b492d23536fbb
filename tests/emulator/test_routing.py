"""Where the emulator answers: the default namespace at the root, other namespaces under
`/namespaces/<name>`, Basic topics and domains under `/basic/<name>/api/events`, a
`Host` that names an Event Grid host, and the service's 404 and 401 elsewhere."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError
from azure.core.messaging import CloudEvent
from azure.eventgrid import (
    EventGridConsumerClient,
    EventGridEvent,
    EventGridPublisherClient,
)
from azure.eventgrid.aio import EventGridConsumerClient as AioConsumer
from azure.eventgrid.aio import EventGridPublisherClient as AioPublisher

from pytest_eventgrid import EventGridServer, serve


@pytest.fixture
def keyed_server() -> Iterator[EventGridServer]:
    """A server that accepts one key only."""
    with serve(key="c2VjcmV0LWtleQ==", topic="orders", subscription="billing") as running:
        yield running


def _other_host(server: EventGridServer) -> str:
    """The Event Grid host of the namespace "other" (in the server's region)."""
    return f"other.{server.eventgrid.region}-1.eventgrid.azure.net"


def _event(kind: str = "Order.Created") -> CloudEvent[Any]:
    return CloudEvent(source="shop", type=kind, data={"n": 1})


def test_the_default_namespace_answers_at_the_root(server: EventGridServer) -> None:
    assert server.endpoint == server.url
    with EventGridPublisherClient(
        server.endpoint, server.credential, namespace_topic="orders"
    ) as publisher:
        publisher.send(_event())
    assert server.eventgrid.namespace().topic("orders").published[0].type == "Order.Created"


def test_another_namespace_answers_under_its_path(server: EventGridServer) -> None:
    endpoint = server.namespace_endpoint("other")
    assert endpoint == f"{server.url}/namespaces/other"
    server.eventgrid.namespace(_other_host(server)).topic("news").subscription("readers")
    with (
        EventGridPublisherClient(endpoint, server.credential, namespace_topic="news") as publisher,
        EventGridConsumerClient(
            endpoint, server.credential, namespace_topic="news", subscription="readers"
        ) as consumer,
    ):
        publisher.send(_event("News.Posted"))
        received = consumer.receive(max_events=5, max_wait_time=10)
    assert [detail.event.type for detail in received] == ["News.Posted"]
    other = server.eventgrid.namespace(_other_host(server))
    assert [event.type for event in other.topic("news").published] == ["News.Posted"]
    assert server.eventgrid.namespace().topic("orders").published == []


@pytest.mark.asyncio
async def test_another_namespace_answers_async_clients(server: EventGridServer) -> None:
    endpoint = server.namespace_endpoint("other")
    server.eventgrid.namespace(_other_host(server)).topic("news").subscription("readers")
    async with (
        AioPublisher(endpoint, server.credential, namespace_topic="news") as publisher,
        AioConsumer(
            endpoint, server.credential, namespace_topic="news", subscription="readers"
        ) as consumer,
    ):
        await publisher.send([_event("News.Posted"), _event("News.Edited")])
        received = await consumer.receive(max_events=5, max_wait_time=10)
        await consumer.acknowledge(
            lock_tokens=[detail.broker_properties.lock_token for detail in received]
        )
    subscription = (
        server.eventgrid.namespace(_other_host(server)).topic("news").subscription("readers")
    )
    assert len(subscription.acknowledged) == 2


def test_a_basic_topic_answers_under_basic(server: EventGridServer) -> None:
    endpoint = server.basic_endpoint("alerts")
    assert endpoint == f"{server.url}/basic/alerts/api/events"
    server.eventgrid.basic_topic("alerts", schema="eventgrid")
    with EventGridPublisherClient(endpoint, server.credential) as publisher:
        publisher.send(
            EventGridEvent(
                subject="disk/1",
                event_type="Disk.Full",
                data={"free": 0},
                data_version="1.0",
                event_time=datetime(2025, 1, 1, tzinfo=timezone.utc),
            )
        )
    assert [event.event_type for event in server.eventgrid.basic_topic("alerts").published] == [
        "Disk.Full"
    ]


@pytest.mark.asyncio
async def test_a_basic_topic_takes_cloud_events_from_the_async_client(
    server: EventGridServer,
) -> None:
    server.eventgrid.basic_topic("feed", schema="cloudevents")
    async with AioPublisher(server.basic_endpoint("feed"), server.credential) as publisher:
        await publisher.send(_event("Feed.Item"))
    assert [event.type for event in server.eventgrid.basic_topic("feed").published] == ["Feed.Item"]


def test_a_domain_answers_under_basic(server: EventGridServer) -> None:
    server.eventgrid.domain("tenants", schema="eventgrid")
    with EventGridPublisherClient(server.basic_endpoint("tenants"), server.credential) as client:
        client.send(
            EventGridEvent(
                subject="tenant/7",
                event_type="Tenant.Joined",
                data={},
                data_version="1",
                topic="contoso",
            )
        )
    domain = server.eventgrid.domain("tenants")
    assert [event.event_type for event in domain.topic("contoso").published] == ["Tenant.Joined"]


def test_a_host_header_with_an_eventgrid_host_picks_that_namespace(
    server: EventGridServer,
) -> None:
    server.eventgrid.namespace(_other_host(server)).topic("news")
    answer = httpx.post(
        f"{server.url}/topics/news:publish?api-version=2024-06-01",
        headers={
            "Host": _other_host(server),
            "Authorization": f"SharedAccessKey {server.key}",
            "Content-Type": "application/cloudevents+json; charset=utf-8",
        },
        content=b'{"specversion":"1.0","id":"1","source":"s","type":"T"}',
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert [
        event.type
        for event in server.eventgrid.namespace(_other_host(server)).topic("news").published
    ] == ["T"]


def test_a_host_header_that_is_not_event_grid_means_the_default_namespace(
    server: EventGridServer,
) -> None:
    answer = httpx.post(
        f"{server.url}/topics/orders:publish?api-version=2024-06-01",
        headers={
            "Host": "example.com:8080",
            "Authorization": f"SharedAccessKey {server.key}",
            "Content-Type": "application/cloudevents+json; charset=utf-8",
        },
        content=b'{"specversion":"1.0","id":"1","source":"s","type":"T"}',
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert len(server.eventgrid.topic("orders").published) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/nothing/here",
        "/namespaces/x/topics/orders:publish",  # not a name the service accepts
        "/basic/a/api/events",
        "/namespaces/",
    ],
)
def test_an_unknown_path_gets_the_service_404(server: EventGridServer, path: str) -> None:
    answer = httpx.post(
        f"{server.url}{path}?api-version=2024-06-01",
        headers={"Authorization": f"SharedAccessKey {server.key}"},
        content=b"[]",
        timeout=10,
    )
    assert answer.status_code == 404
    error = answer.json()["error"]
    assert error["code"] == "NotFound"
    assert error["message"]


def test_keys_are_enforced_when_configured(keyed_server: EventGridServer) -> None:
    with (
        EventGridPublisherClient(
            keyed_server.endpoint, AzureKeyCredential("d3Jvbmc="), namespace_topic="orders"
        ) as publisher,
        pytest.raises(ClientAuthenticationError) as raised,
    ):
        publisher.send(_event())
    assert raised.value.status_code == 401
    with EventGridPublisherClient(
        keyed_server.endpoint, keyed_server.credential, namespace_topic="orders"
    ) as publisher:
        publisher.send(_event())
    assert len(keyed_server.eventgrid.topic("orders").published) == 1


def test_a_wrong_key_gets_the_service_401_on_a_basic_topic(keyed_server: EventGridServer) -> None:
    answer = httpx.post(
        keyed_server.basic_endpoint("alerts") + "?api-version=2018-01-01",
        headers={"aeg-sas-key": "d3Jvbmc=", "Content-Type": "application/json"},
        content=b"[]",
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "Unauthorized"


def _raw_post(server: EventGridServer, target: str, host: str) -> bytes:
    body = b'{"specversion":"1.0","id":"1","source":"s","type":"Raw"}'
    request = (
        f"POST {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
        f"Authorization: SharedAccessKey {server.key}\r\n"
        "Content-Type: application/cloudevents+json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall(request)
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    return answer


def test_a_target_in_absolute_form_names_its_host(server: EventGridServer) -> None:
    server.eventgrid.namespace(_other_host(server)).topic("news")
    target = f"http://{_other_host(server)}/topics/news:publish?api-version=2024-06-01"
    assert _raw_post(server, target, "127.0.0.1").startswith(b"HTTP/1.1 200 ")
    news = server.eventgrid.namespace(_other_host(server)).topic("news")
    assert [event.type for event in news.published] == ["Raw"]


@pytest.mark.parametrize("host", ["user@evil.eventgrid.azure.net", "a b.eventgrid.azure.net"])
def test_a_host_header_that_is_no_host_name_means_the_default_namespace(
    server: EventGridServer, host: str
) -> None:
    answer = _raw_post(server, "/topics/orders:publish?api-version=2024-06-01", host)
    assert answer.startswith((b"HTTP/1.1 200 ", b"HTTP/1.1 400 "))
    assert len(server.eventgrid.namespaces) == 1


def test_an_asterisk_target_answers_404(server: EventGridServer) -> None:
    assert _raw_post(server, "*", "127.0.0.1").startswith(b"HTTP/1.1 404 ")


def test_a_namespace_view_by_name_is_the_one_its_endpoint_reaches(server: EventGridServer) -> None:
    with EventGridPublisherClient(
        server.namespace_endpoint("other"), server.credential, namespace_topic="audit"
    ) as publisher:
        publisher.send(CloudEvent(source="shop", type="Audit.Logged", data={}))
    assert [event.type for event in server.namespace("other").topic("audit").published] == [
        "Audit.Logged"
    ]
    assert server.namespace("other").host != server.eventgrid.host
