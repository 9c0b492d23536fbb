"""What the recorder sends through when a client has no transport of its own to lend,
and where the SDK's retry backoff waits while recording and while replaying."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from azure.eventgrid import EventGridPublisherClient
from azure.eventgrid.aio import EventGridPublisherClient as AioPublisher

from pytest_eventgrid import faults
from pytest_eventgrid.recordings import SANITIZED, load_cassette, playback, record

from ._support import TOPIC, AsyncCountingTransport, Loopback, event

API = "api-version=2024-06-01"


def test_raw_httpx_requests_are_recorded_through_a_default_transport(
    service: Loopback, tmp_path: Path
) -> None:
    cassette = tmp_path / "c.json"
    url = f"{service.endpoint}/topics/{TOPIC}:publish?{API}"
    body = [{"specversion": "1.0", "id": "1", "source": "/orders", "type": "Order.Placed"}]
    headers = {
        "Authorization": f"SharedAccessKey {service.key}",
        "Content-Type": "application/cloudevents-batch+json; charset=utf-8",
    }

    with record(cassette, hosts=["127.0.0.1"]) as recorder:
        live = httpx.post(url, json=body, headers=headers)
    with playback(cassette) as player:
        replayed = httpx.post(url, json=body, headers={"Content-Type": headers["Content-Type"]})

    assert (live.status_code, replayed.status_code) == (200, 200)
    assert len(service.requests) == 1
    assert player.unused == []
    [entry] = load_cassette(cassette).entries
    assert entry.request.headers["authorization"] == SANITIZED
    assert [e.request.url for e in recorder.recorded] == [url]


@pytest.mark.asyncio
async def test_raw_async_httpx_requests_are_recorded_through_an_async_transport(
    service: Loopback, tmp_path: Path
) -> None:
    cassette = tmp_path / "c.json"
    url = f"{service.endpoint}/topics/{TOPIC}/eventsubscriptions/billing:receive?{API}"
    url += "&maxWaitTime=10"
    sent: list[str] = []
    headers = {"Authorization": f"SharedAccessKey {service.key}"}

    with record(cassette, hosts=["127.0.0.1"]) as recorder:
        async with httpx.AsyncClient() as client:
            default = await client.post(url, headers=headers)
    with record(cassette, mode="all", async_transport=AsyncCountingTransport(sent)) as given_one:
        async with httpx.AsyncClient() as client:
            given = await client.post(url, headers=headers)

    assert (default.status_code, given.status_code) == (200, 200)
    assert default.json() == given.json() == {"value": []}
    assert len(recorder.recorded) == len(given_one.recorded) == 1
    assert len(sent) == 1
    assert len(service.requests) == 2


@pytest.mark.asyncio
async def test_a_client_wired_to_the_recorder_records_through_a_default_transport(
    service: Loopback, flavour: str, tmp_path: Path
) -> None:
    with record(tmp_path / "c.json", hosts=["127.0.0.1"]) as recorder:
        if flavour == "sync":
            with EventGridPublisherClient(
                service.endpoint,
                service.credential,
                namespace_topic=TOPIC,
                transport=recorder.transport(),
            ) as publisher:
                publisher.send(event(1))
        else:
            async with AioPublisher(
                service.endpoint,
                service.credential,
                namespace_topic=TOPIC,
                transport=recorder.async_transport(),
            ) as aio_publisher:
                await aio_publisher.send(event(1))

    assert len(service.requests) == len(recorder.recorded) == 1


@pytest.mark.asyncio
async def test_backoff_waits_for_real_while_recording_and_on_the_clock_in_replay(
    service: Loopback, flavour: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cassette = tmp_path / "c.json"
    waits: list[float] = []
    yield_once = asyncio.sleep

    async def async_wait(delay: float, result: object = None) -> object:
        waits.append(delay)
        return await yield_once(0, result)

    monkeypatch.setattr(time, "sleep", waits.append)
    monkeypatch.setattr(asyncio, "sleep", async_wait)
    # The SDK retries the first failure at once and backs off before the second retry.
    service.fake.fail("publish", [faults.status(503), faults.status(503)])

    async def publish() -> None:
        if flavour == "sync":
            with EventGridPublisherClient(
                service.endpoint, service.credential, namespace_topic=TOPIC
            ) as publisher:
                publisher.send(event(1))
        else:
            async with AioPublisher(
                service.endpoint, service.credential, namespace_topic=TOPIC
            ) as aio_publisher:
                await aio_publisher.send(event(1))

    with record(cassette, hosts=["127.0.0.1"]):
        await publish()
    recorded_waits = [wait for wait in waits if wait > 0]
    waits.clear()
    with record(cassette, mode="none") as replay:
        await publish()

    assert len(recorded_waits) == 1  # one real backoff, before the second retry
    assert [e.response.status for e in load_cassette(cassette).entries] == [503, 503, 200]
    assert [wait for wait in waits if wait > 0] == []
    assert replay.clock.now() == pytest.approx(recorded_waits[0])
    assert len(service.requests) == 3
