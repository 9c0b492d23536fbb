"""The Hypothesis strategies: valid events survive publish and receive through the real
clients unchanged, and every invalid one gets the service's 400."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_eventgrid import EventGrid
from pytest_eventgrid._wire import WireRequest, WireResponse
from pytest_eventgrid.strategies import cloud_events, eventgrid_events, invalid_cloud_events

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fields(event: CloudEvent[Any]) -> dict[str, object]:
    """Everything a CloudEvent says, for comparing a sent event with a received one."""
    return {
        "id": event.id,
        "source": event.source,
        "type": event.type,
        "specversion": event.specversion,
        "time": event.time,
        "subject": event.subject,
        "datacontenttype": event.datacontenttype,
        "dataschema": event.dataschema,
        "data": event.data,
        "extensions": event.extensions or {},
    }


def receive_one(eventgrid: EventGrid, event: CloudEvent[Any]) -> CloudEvent[Any]:
    with eventgrid.publisher() as publisher, eventgrid.consumer() as consumer:
        publisher.send([event])
        [detail] = consumer.receive(max_events=1)
    return detail.event


async def receive_one_async(eventgrid: EventGrid, event: CloudEvent[Any]) -> CloudEvent[Any]:
    async with eventgrid.aio_publisher() as publisher, eventgrid.aio_consumer() as consumer:
        await publisher.send([event])
        [detail] = await consumer.receive(max_events=1)
    return detail.event


@FAST
@given(cloud_events())
def test_cloud_events_round_trip_through_the_sync_clients(event: CloudEvent[Any]) -> None:
    assert fields(receive_one(EventGrid(), event)) == fields(event)


@pytest.mark.asyncio
@FAST
@given(cloud_events())
async def test_cloud_events_round_trip_through_the_async_clients(event: CloudEvent[Any]) -> None:
    assert fields(await receive_one_async(EventGrid(), event)) == fields(event)


def publish_request(eventgrid: EventGrid, events: list[dict[str, Any]]) -> WireRequest:
    return WireRequest(
        "POST",
        f"{eventgrid.endpoint}/topics/test-topic:publish?api-version=2024-06-01",
        {"Content-Type": "application/cloudevents-batch+json; charset=utf-8"},
        json.dumps(events).encode(),
    )


@FAST
@given(invalid_cloud_events())
def test_invalid_cloud_events_get_a_400(event: dict[str, Any]) -> None:
    eventgrid = EventGrid()

    response = eventgrid._service.handle(publish_request(eventgrid, [event]))

    assert isinstance(response, WireResponse)
    assert (response.status, response.headers["broker-errorcode"]) == (400, "BadRequest")
    assert eventgrid.topic("test-topic").published == []


def test_the_valid_base_of_invalid_events_is_accepted() -> None:
    """An event with nothing broken gets a 200, so each invalid example fails for its flaw."""
    eventgrid = EventGrid()
    event = {"id": "1", "source": "/s", "type": "t", "specversion": "1.0", "data": {}}

    response = eventgrid._service.handle(publish_request(eventgrid, [event]))

    assert isinstance(response, WireResponse)
    assert response.status == 200


@FAST
@given(
    cloud_events(
        type="com.contoso.orders.created", data=st.fixed_dictionaries({"n": st.integers()})
    ),
    eventgrid_events(subject="orders/1", topic=st.just("/subscriptions/x")),
)
def test_keyword_arguments_fix_fields(cloud: CloudEvent[Any], grid: EventGridEvent) -> None:
    assert cloud.type == "com.contoso.orders.created"
    assert set(cloud.data) == {"n"}
    assert (grid.subject, grid.topic) == ("orders/1", "/subscriptions/x")
    assert grid.data is not None
    assert grid.event_time.tzinfo is not None
