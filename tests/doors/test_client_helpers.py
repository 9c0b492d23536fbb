"""The client helpers build real SDK clients on the fake's doors, or on the caller's."""

from __future__ import annotations

from pytest_eventgrid import AsyncEventGridTransport, EventGrid, EventGridTransport


def test_client_helpers_take_a_transport_of_the_callers():
    eventgrid = EventGrid()
    sync_door, async_door = eventgrid.transport(), eventgrid.async_transport()

    clients = [
        eventgrid.publisher(transport=sync_door),
        eventgrid.consumer(transport=sync_door),
        eventgrid.aio_publisher(transport=async_door),
        eventgrid.aio_consumer(transport=async_door),
    ]

    transports = [client._client._pipeline._transport for client in clients]
    assert [type(t) for t in transports] == [
        EventGridTransport,
        EventGridTransport,
        AsyncEventGridTransport,
        AsyncEventGridTransport,
    ]
    assert transports[0] is sync_door
