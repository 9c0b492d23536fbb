"""`mock_eventgrid()` in a plain script: `with`, `async with`, and as a decorator."""

from __future__ import annotations

import pytest

SCRIPT = """
import asyncio

from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient, aio

from pytest_eventgrid import mock_eventgrid

# Application code: it builds its own clients, with no transport= of the fake's.
ENDPOINT = "https://test-namespace.westus-1.eventgrid.azure.net"
KEY = AzureKeyCredential("any-key")
NAMES = {"namespace_topic": "orders", "subscription": "billing"}


def send_and_receive(event_type, receive=True):
    with EventGridPublisherClient(ENDPOINT, KEY, namespace_topic="orders") as publisher:
        publisher.send([CloudEvent(source="shop", type=event_type, data={})])
    if not receive:
        return None
    with EventGridConsumerClient(ENDPOINT, KEY, **NAMES) as consumer:
        details = consumer.receive(max_events=10, max_wait_time=10)
        consumer.acknowledge(lock_tokens=[d.broker_properties.lock_token for d in details])
    return [detail.event.type for detail in details]


async def send_and_receive_async(event_type, receive=True):
    async with aio.EventGridPublisherClient(ENDPOINT, KEY, namespace_topic="orders") as publisher:
        await publisher.send([CloudEvent(source="shop", type=event_type, data={})])
    if not receive:
        return None
    async with aio.EventGridConsumerClient(ENDPOINT, KEY, **NAMES) as consumer:
        details = await consumer.receive(max_events=10, max_wait_time=10)
        await consumer.acknowledge(lock_tokens=[d.broker_properties.lock_token for d in details])
    return [detail.event.type for detail in details]


def acknowledged(eventgrid):
    return [event.type for event in eventgrid.topic("orders").subscription("billing").acknowledged]


mock = mock_eventgrid(topic="orders", subscription="billing")

with mock as eventgrid:
    print("with:", send_and_receive("Sync.With"), acknowledged(eventgrid))


async def main():
    async with mock as eventgrid:
        print("async with:", await send_and_receive_async("Async.With"), acknowledged(eventgrid))


asyncio.run(main())

# Each call of a decorated function gets a fresh fake: the second call does not see
# the event the first one left behind.
@mock_eventgrid(topic="orders", subscription="billing")
def decorated(event_type, receive=True):
    return send_and_receive(event_type, receive)


@mock_eventgrid(topic="orders", subscription="billing")
async def decorated_async(event_type, receive=True):
    return await send_and_receive_async(event_type, receive)


decorated("Sync.Left", receive=False)
print("decorator:", decorated("Sync.Decorated"))
asyncio.run(decorated_async("Async.Left", receive=False))
print("async decorator:", asyncio.run(decorated_async("Async.Decorated")))
"""


def test_mock_eventgrid_in_a_plain_script(pytester: pytest.Pytester) -> None:
    script = pytester.makepyfile(script=SCRIPT)

    result = pytester.runpython(script)

    assert (result.ret, result.errlines) == (0, [])
    assert result.outlines == [
        "with: ['Sync.With'] ['Sync.With']",
        "async with: ['Async.With'] ['Async.With']",
        "decorator: ['Sync.Decorated']",
        "async decorator: ['Async.Decorated']",
    ]
