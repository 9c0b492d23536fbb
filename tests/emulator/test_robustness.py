"""The emulator stays up and loses nothing: malformed HTTP, clients that leave or crawl,
injected transport faults, very large bodies, and hundreds of waiting receives."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import httpx
import pytest
from azure.core.exceptions import (
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.messaging import CloudEvent
from azure.core.pipeline.transport import AioHttpTransport
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioConsumer
from azure.eventgrid.aio import EventGridPublisherClient as AioPublisher

from pytest_eventgrid import EventGridServer, faults, serve

from ._waits import HANG_GUARD, eventually, until_waiting, waiting

RECEIVE = "/topics/orders/eventsubscriptions/billing:receive?api-version=2024-06-01"
PUBLISH = "/topics/orders:publish?api-version=2024-06-01"


@pytest.fixture
def fast_server() -> Iterator[EventGridServer]:
    """A server whose minute passes in half a second: a 60 s lock expires fast."""
    with serve(topic="orders", subscription="billing", time_scale=120) as running:
        yield running


def _event(kind: str = "Order.Created") -> CloudEvent[Any]:
    return CloudEvent(source="shop", type=kind, data={})


def _still_serves(server: EventGridServer) -> None:
    with EventGridPublisherClient(
        server.endpoint, server.credential, namespace_topic="orders"
    ) as publisher:
        publisher.send(_event("Still.Serving"))
    assert server.eventgrid.topic("orders").published[-1].type == "Still.Serving"


def _connect(server: EventGridServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=HANG_GUARD)


def _exchange(server: EventGridServer, data: bytes) -> bytes:
    """Send `data` on a fresh connection; the answer that comes back, or what came
    before the server closed the connection."""
    with _connect(server) as raw:
        try:
            raw.sendall(data)
        except OSError:  # the server closed first
            return b""
        answer = b""
        try:
            while not _complete(answer) and (chunk := raw.recv(65536)):
                answer += chunk
        except ConnectionResetError:
            pass
        return answer


def _complete(answer: bytes) -> bool:
    head, found, body = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def _request(server: EventGridServer, method: str, path: str, body: bytes = b"") -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: SharedAccessKey {server.key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _status(answer: bytes) -> int | None:
    if not answer.startswith(b"HTTP/1.1 "):
        return None
    return int(answer[9:12])


# -- malformed HTTP ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\x00\xff\xfe garbage \x01\x02\r\n\r\n", id="garbage"),
        pytest.param(b"GET\r\n\r\n", id="bad-request-line"),
        pytest.param(b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", id="bad-version"),
        pytest.param(
            b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n", id="huge-header"
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n", id="bad-length"
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            id="bad-chunk",
        ),
    ],
)
def test_malformed_http_gets_a_4xx_or_a_closed_connection(
    server: EventGridServer, data: bytes
) -> None:
    status = _status(_exchange(server, data))
    assert status is None or 400 <= status < 500
    _still_serves(server)


@pytest.mark.parametrize(
    "target",
    [
        "http://elsewhere.example/topics/orders:publish?api-version=2024-06-01",
        "*",
        "/%zz%00/..%2f..%2f",
        "/namespaces/%ff%fe/topics/x:publish",
        "/basic/",
    ],
)
def test_odd_request_targets_get_an_answer(server: EventGridServer, target: str) -> None:
    status = _status(_exchange(server, _request(server, "POST", target, b"[]")))
    assert status is None or 400 <= status < 500
    _still_serves(server)


def test_headers_that_are_not_ascii_get_an_answer(server: EventGridServer) -> None:
    data = (
        b"POST " + PUBLISH.encode() + b" HTTP/1.1\r\nHost: \xe9v\xe9nements\r\n"
        b"Authorization: SharedAccessKey \xff\xfe\r\nContent-Length: 2\r\n\r\n[]"
    )
    status = _status(_exchange(server, data))
    assert status is not None
    assert 400 <= status < 500
    _still_serves(server)


# -- clients that leave, or crawl --------------------------------------------------------------


def test_a_client_that_leaves_mid_long_poll_frees_its_wait(server: EventGridServer) -> None:
    with _connect(server) as raw:
        raw.sendall(_request(server, "POST", RECEIVE + "&maxWaitTime=60"))
        until_waiting(server)
    eventually(lambda: waiting(server) == 0)
    # No lock was taken for it: the next receive gets the event on its first delivery.
    with (
        EventGridPublisherClient(server.endpoint, server.credential, namespace_topic="orders") as p,
        EventGridConsumerClient(
            server.endpoint, server.credential, namespace_topic="orders", subscription="billing"
        ) as consumer,
    ):
        p.send(_event())
        received = consumer.receive(max_events=5, max_wait_time=10)
    assert [detail.broker_properties.delivery_count for detail in received] == [1]


def test_an_event_locked_for_an_answer_never_read_comes_back(fast_server: EventGridServer) -> None:
    server = fast_server
    with _connect(server) as raw:
        raw.sendall(_request(server, "POST", RECEIVE + "&maxWaitTime=60"))
        until_waiting(server)
        with EventGridPublisherClient(
            server.endpoint, server.credential, namespace_topic="orders"
        ) as publisher:
            publisher.send(_event("Order.Lost"))
        eventually(lambda: waiting(server) == 0)  # answered, and never read
    assert len(server.eventgrid.subscription().locked) == 1
    with EventGridConsumerClient(
        server.endpoint, server.credential, namespace_topic="orders", subscription="billing"
    ) as consumer:
        # Waits up to 120 s (1 s real): the lock expires after 60 s (0.5 s real).
        again = consumer.receive(max_events=5, max_wait_time=120)
    assert [(d.event.type, d.broker_properties.delivery_count) for d in again] == [
        ("Order.Lost", 2)
    ]


def test_a_slow_client_sending_its_body_in_pieces_is_answered(server: EventGridServer) -> None:
    body = json.dumps(
        {"specversion": "1.0", "id": "slow", "source": "s", "type": "Slow.One", "data": {}}
    ).encode()
    head = (
        f"POST {PUBLISH} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: SharedAccessKey {server.key}\r\n"
        f"Content-Type: application/cloudevents+json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with _connect(server) as raw:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each piece goes alone
        raw.sendall(head)
        for start in range(0, len(body), 10):
            raw.sendall(body[start : start + 10])
            if start == 20:  # the body is half sent: meanwhile, others are served
                _still_serves(server)
        answer = raw.recv(65536)
    assert _status(answer) == 200
    assert "Slow.One" in [event.type for event in server.eventgrid.topic("orders").published]


# -- very large bodies -------------------------------------------------------------------------


def test_a_body_over_the_limit_gets_the_namespace_413(server: EventGridServer) -> None:
    body = b"[" + b" " * 5_000_000 + b"]"
    answer = httpx.post(
        f"{server.url}{PUBLISH}",
        headers={
            "Authorization": f"SharedAccessKey {server.key}",
            "Content-Type": "application/cloudevents-batch+json; charset=utf-8",
        },
        content=body,
        timeout=HANG_GUARD,
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "RequestEntityTooLarge"
    _still_serves(server)


def test_a_body_over_the_limit_gets_the_basic_413(server: EventGridServer) -> None:
    server.eventgrid.basic_topic("alerts", schema="eventgrid")

    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length to go by
        yield b"["
        for _ in range(40):
            yield b" " * 100_000
        yield b"]"

    answer = httpx.post(
        server.basic_endpoint("alerts") + "?api-version=2018-01-01",
        headers={"aeg-sas-key": server.key, "Content-Type": "application/json"},
        content=chunks(),
        timeout=HANG_GUARD,
    )
    assert answer.status_code == 413
    error = answer.json()["error"]
    assert error["message"] == "The maximum size (1536000) has been exceeded."
    assert error["details"][0]["code"] == "PayloadTooLarge"


# -- injected faults ---------------------------------------------------------------------------


@pytest.fixture
def server_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING, logger="uvicorn")
    return caplog


def _no_tracebacks(log: pytest.LogCaptureFixture) -> None:
    assert [record.getMessage() for record in log.records if record.exc_info] == []
    assert [r.getMessage() for r in log.records if r.name.startswith("uvicorn")] == []


def _publisher(server: EventGridServer, **options: Any) -> EventGridPublisherClient:
    return EventGridPublisherClient(
        server.endpoint, server.credential, namespace_topic="orders", retry_total=0, **options
    )


def test_status_faults_answer_as_in_process(
    server: EventGridServer, server_log: pytest.LogCaptureFixture
) -> None:
    server.eventgrid.fail("publish", faults.status(503))
    with _publisher(server) as publisher, pytest.raises(HttpResponseError) as raised:
        publisher.send(_event())
    assert raised.value.status_code == 503
    assert raised.value.error is not None
    assert raised.value.error.code == "ServiceUnavailable"
    assert server.eventgrid.topic("orders").published == []
    _no_tracebacks(server_log)


@pytest.mark.parametrize("outcome", [faults.connection_reset(), faults.connection_refused()])
def test_dropped_connections_close_without_an_answer(
    server: EventGridServer, server_log: pytest.LogCaptureFixture, outcome: faults.Outcome
) -> None:
    server.eventgrid.fail("publish", outcome)
    with _publisher(server) as publisher:
        with pytest.raises((ServiceRequestError, ServiceResponseError)):
            publisher.send(_event())
        publisher.send(_event("Next.One"))  # a new connection is served
    assert [event.type for event in server.eventgrid.topic("orders").published] == ["Next.One"]
    eventually(lambda: waiting(server) == 0)
    _no_tracebacks(server_log)


@pytest.mark.asyncio
async def test_dropped_connections_reach_async_clients(
    server: EventGridServer, server_log: pytest.LogCaptureFixture
) -> None:
    server.eventgrid.fail("publish", faults.connection_reset())
    async with AioPublisher(
        server.endpoint, server.credential, namespace_topic="orders", retry_total=0
    ) as publisher:
        with pytest.raises((ServiceRequestError, ServiceResponseError)):
            await publisher.send(_event())
    _no_tracebacks(server_log)


def test_a_read_timeout_holds_until_the_client_gives_up(
    server: EventGridServer, server_log: pytest.LogCaptureFixture
) -> None:
    server.eventgrid.fail("publish", faults.read_timeout())
    with _publisher(server, read_timeout=0.3) as publisher:
        started = time.monotonic()
        with pytest.raises(ServiceResponseTimeoutError):
            publisher.send(_event())
    assert 0.25 < time.monotonic() - started < HANG_GUARD
    eventually(lambda: waiting(server) == 0)  # the held answer let go when the client left
    assert server.eventgrid.topic("orders").published == []
    _no_tracebacks(server_log)


def test_a_held_read_timeout_ends_when_the_server_stops() -> None:
    server = serve(topic="orders").start()
    server.eventgrid.fail("publish", faults.read_timeout())
    failed: list[BaseException] = []

    def publish() -> None:
        with _publisher(server, read_timeout=60) as publisher:
            try:
                publisher.send(_event())
            except BaseException as error:
                failed.append(error)

    thread = threading.Thread(target=publish)
    thread.start()
    until_waiting(server)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.5
    thread.join(HANG_GUARD)
    assert [type(error) for error in failed] in (
        [ServiceResponseError],
        [ServiceRequestError],
    )


# -- many waiting receives ---------------------------------------------------------------------


@pytest.mark.asyncio
async def test_hundreds_of_waiting_receives_take_no_thread_each(server: EventGridServer) -> None:
    count = 200
    threads_before = threading.active_count()
    # aiohttp keeps 100 connections at most by default: one session with room for all.
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=count + 10))
    transport = AioHttpTransport(session=session, session_owner=False)
    async with (
        session,
        AioConsumer(
            server.endpoint,
            server.credential,
            namespace_topic="orders",
            subscription="billing",
            transport=transport,
        ) as consumer,
        AioPublisher(server.endpoint, server.credential, namespace_topic="orders") as publisher,
    ):
        receiving = asyncio.gather(
            *(consumer.receive(max_events=1, max_wait_time=60) for _ in range(count))
        )
        await asyncio.get_running_loop().run_in_executor(None, until_waiting, server, count)
        assert threading.active_count() - threads_before <= 2
        await publisher.send([_event(f"E{n}") for n in range(count)])
        received = await asyncio.wait_for(receiving, HANG_GUARD)
    assert sorted(len(batch) for batch in received) == [1] * count
    assert len({batch[0].event.type for batch in received}) == count
    assert waiting(server) == 0
