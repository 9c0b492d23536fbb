"""One host is one kind of resource: a namespace, or a Basic topic (custom topic, domain,
partner namespace); and a request the fake refuses creates neither.

The Basic 404 on a Basic host is the service's (REC
dotnet/CannotPublishEventMissingApiEventsPathFromUri.json); which host is which kind is
the fake's bookkeeping (fidelity.md, Unsupported requests).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ResourceNotFoundError
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridPublisherClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient

from pytest_eventgrid import EventGrid, UsageError
from pytest_eventgrid._wire import WireRequest, WireResponse

from ._support import API, BATCH, cloud_event, not_served

KEY = "cHl0ZXN0LWV2ZW50Z3JpZC1mYWtlLWtleQ=="
OTHER = "other.westus-1.eventgrid.azure.net"
SHOP = "shop.westus-1.eventgrid.azure.net"
EVENTS = json.dumps([cloud_event()]).encode()
BASIC_EVENTS = json.dumps(
    [
        {
            "id": "e1",
            "subject": "s",
            "data": {},
            "eventType": "T",
            "eventTime": "2030-01-01T00:00:00Z",
            "dataVersion": "1",
        }
    ]
).encode()


def send(
    eventgrid: EventGrid,
    url: str,
    *,
    body: bytes = EVENTS,
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> WireResponse:
    result = eventgrid._service.handle(
        WireRequest(method, url, {"Content-Type": BATCH, **(headers or {})}, body)
    )
    assert isinstance(result, WireResponse)
    return result


def hosts(eventgrid: EventGrid) -> dict[str, list[str]]:
    """The hosts the fake holds, by kind, with each namespace's topics."""
    broker = eventgrid._broker
    with broker.lock:
        return {
            "namespaces": sorted(
                f"{host} {sorted(namespace.topics)}"
                for host, namespace in broker.namespaces.items()
            ),
            "basic topics": sorted(broker.basic_topics),
        }


def error_of(response: WireResponse) -> dict[str, Any]:
    body = response.json()
    assert isinstance(body, dict)
    error: dict[str, Any] = body["error"]
    return error


# -- a Basic host answers as a Basic host --------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/topics/orders:publish",
        "/topics/orders/eventsubscriptions/billing:receive",
        "/api/events/topics/orders/eventsubscriptions/billing:acknowledge",
    ],
)
def test_a_namespace_operation_on_a_basic_host_gets_the_basic_404(path: str) -> None:
    eventgrid = EventGrid()
    eventgrid.basic_topic("shop")
    before = hosts(eventgrid)
    url = f"https://{SHOP}{path}?api-version={API}"

    response = send(eventgrid, url)

    assert response.status == 404
    error = error_of(response)
    assert (error["code"], error["details"][0]["code"]) == ("NotFound", "ResourceNotFound")
    assert error["message"].startswith(
        f"No HTTP resource was found that matches the request URI '{url}'. Report '"
    )
    assert hosts(eventgrid) == before


def test_the_namespace_sdk_on_a_basic_host_raises_resource_not_found() -> None:
    eventgrid = EventGrid()
    shop = eventgrid.basic_topic("shop")
    publisher = EventGridPublisherClient(
        f"https://{SHOP}",
        AzureKeyCredential(KEY),
        namespace_topic="orders",
        transport=eventgrid.transport(),
    )

    with pytest.raises(ResourceNotFoundError):
        publisher.send(CloudEvent(source="/orders", type="T", data={}))

    assert SHOP not in eventgrid._broker.namespaces
    assert shop.published == []


# -- a namespace host never becomes a Basic topic ------------------------------------


def test_a_basic_publish_to_a_namespace_host_is_not_served_there() -> None:
    eventgrid = EventGrid()
    url = f"https://{eventgrid.host}/api/events?api-version=2018-01-01"

    response = send(eventgrid, url, body=BASIC_EVENTS, headers={"Content-Type": "application/json"})

    assert response.status == 404
    assert response.headers["broker-errorcode"] == "NotFound"
    assert error_of(response)["message"] == not_served("POST", url, eventgrid.host)
    assert eventgrid._broker.basic_topics == {}


@pytest.mark.asyncio
async def test_the_basic_sdk_on_a_namespace_host_raises_resource_not_found() -> None:
    eventgrid = EventGrid()
    send(eventgrid, f"https://{OTHER}/topics/orders:publish?api-version={API}")
    publisher = AioEventGridPublisherClient(
        f"https://{OTHER}/api/events",
        AzureKeyCredential(KEY),
        transport=eventgrid.async_transport(),
    )

    async with publisher:
        with pytest.raises(ResourceNotFoundError):
            await publisher.send([CloudEvent(source="/orders", type="T", data={})])

    assert eventgrid._broker.basic_topics == {}


def test_a_namespace_host_cannot_be_declared_a_basic_topic() -> None:
    eventgrid = EventGrid()

    with pytest.raises(UsageError, match="is a namespace already"):
        eventgrid.basic_topic(eventgrid.endpoint)


def test_a_basic_host_cannot_be_viewed_as_a_namespace() -> None:
    eventgrid = EventGrid()
    eventgrid.domain("shop")

    with pytest.raises(UsageError, match="is a Basic domain already"):
        eventgrid.namespace(SHOP)


@pytest.mark.parametrize(
    "host", [SHOP, f"https://{SHOP}/api/events", "SHOP.westus-1.eventgrid.azure.net"]
)
def test_a_basic_host_cannot_be_added_as_a_namespace(host: str) -> None:
    eventgrid = EventGrid()
    eventgrid.basic_topic("shop")

    with pytest.raises(UsageError, match="is a Basic topic already; it cannot also be a namespace"):
        eventgrid.add_host(host)

    assert SHOP not in eventgrid._broker.namespaces


# -- a refused request creates nothing ------------------------------------------------


def namespace_url(path: str, query: str = f"api-version={API}") -> str:
    return f"https://{OTHER}{path}?{query}"


REFUSED_NAMESPACE_REQUESTS = {
    "bad body": {"url": namespace_url("/topics/orders:publish"), "body": b"[{"},
    "invalid event": {"url": namespace_url("/topics/orders:publish"), "body": b'[{"id": "e1"}]'},
    "no api-version": {"url": namespace_url("/topics/orders:publish", "x=1")},
    "unknown api-version": {"url": namespace_url("/topics/orders:publish", "api-version=1999")},
    "unknown route": {"url": namespace_url("/topics/orders:peek")},
    "another method": {"url": namespace_url("/topics/orders:publish"), "method": "GET"},
    "bad maxEvents": {
        "url": namespace_url(
            "/topics/orders/eventsubscriptions/billing:receive", f"api-version={API}&maxEvents=0"
        )
    },
    "bad lock tokens": {
        "url": namespace_url("/topics/orders/eventsubscriptions/billing:acknowledge"),
        "body": b'{"lockTokens": []}',
    },
    "bad release delay": {
        "url": namespace_url(
            "/topics/orders/eventsubscriptions/billing:release",
            f"api-version={API}&releaseDelayInSeconds=5",
        ),
        "body": b'{"lockTokens": ["t"]}',
    },
}


@pytest.fixture
def keyed() -> Iterator[EventGrid]:
    return EventGrid(key=KEY)


@pytest.mark.parametrize(
    "request_", REFUSED_NAMESPACE_REQUESTS.values(), ids=list(REFUSED_NAMESPACE_REQUESTS)
)
def test_a_refused_namespace_request_creates_nothing(
    keyed: EventGrid, request_: dict[str, Any]
) -> None:
    before = hosts(keyed)

    response = send(keyed, headers={"aeg-sas-key": KEY}, **request_)

    assert 400 <= response.status < 500
    assert hosts(keyed) == before


def test_an_unauthorized_namespace_request_creates_nothing(keyed: EventGrid) -> None:
    before = hosts(keyed)

    response = send(keyed, namespace_url("/topics/orders:publish"), headers={"aeg-sas-key": "no"})

    assert response.status == 401
    assert hosts(keyed) == before


def test_an_accepted_namespace_request_creates_its_namespace(keyed: EventGrid) -> None:
    response = send(keyed, namespace_url("/topics/orders:publish"), headers={"aeg-sas-key": KEY})

    assert response.status == 200
    assert f"{OTHER} ['orders']" in hosts(keyed)["namespaces"]
    assert [event.id for event in keyed.namespace(OTHER).topic("orders").published] == ["e1"]


BASIC_URL = f"https://{SHOP}/api/events?api-version=2018-01-01"
REFUSED_BASIC_REQUESTS = {
    "bad body": {"body": b"[{"},
    "invalid event": {"body": b'[{"id": "e1"}]'},
    "no api-version": {"url": f"https://{SHOP}/api/events"},
    "unknown api-version": {"url": f"https://{SHOP}/api/events?api-version=2024-06-01"},
    "no key": {"headers": {"Content-Type": "application/json"}},
    "wrong key": {"headers": {"aeg-sas-key": "b3RoZXI=", "Content-Type": "application/json"}},
}


@pytest.mark.parametrize(
    "request_", REFUSED_BASIC_REQUESTS.values(), ids=list(REFUSED_BASIC_REQUESTS)
)
def test_a_refused_basic_publish_creates_nothing(
    keyed: EventGrid, request_: dict[str, Any]
) -> None:
    before = hosts(keyed)
    options: dict[str, Any] = {
        "url": BASIC_URL,
        "body": BASIC_EVENTS,
        "headers": {"aeg-sas-key": KEY, "Content-Type": "application/json"},
        **request_,
    }

    response = send(keyed, **options)

    assert 400 <= response.status < 500
    assert hosts(keyed) == before


def test_an_accepted_basic_publish_creates_its_topic(keyed: EventGrid) -> None:
    headers = {"aeg-sas-key": KEY, "Content-Type": "application/json"}

    response = send(keyed, BASIC_URL, body=BASIC_EVENTS, headers=headers)

    assert response.status == 200
    assert hosts(keyed)["basic topics"] == [SHOP]
    assert [event.id for event in keyed.basic_topic("shop").published] == ["e1"]
