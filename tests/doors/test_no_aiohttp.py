"""The async clients need no aiohttp when they are given the fake's transport."""

from __future__ import annotations

import pytest

SCRIPT = """
import asyncio
import sys

sys.modules["aiohttp"] = None  # as if aiohttp were not installed

from azure.core.messaging import CloudEvent
from pytest_eventgrid import EventGrid


async def main():
    eventgrid = EventGrid()
    async with eventgrid.aio_publisher() as publisher, eventgrid.aio_consumer() as consumer:
        await publisher.send(CloudEvent(source="/s", type="T", data={"n": 1}))
        [detail] = await consumer.receive()
        await consumer.acknowledge(lock_tokens=[detail.broker_properties.lock_token])
    print("acknowledged", [event.data for event in eventgrid.subscription().acknowledged])


asyncio.run(main())
"""


def test_async_clients_run_without_aiohttp(pytester: pytest.Pytester) -> None:
    script = pytester.makepyfile(no_aiohttp=SCRIPT)

    result = pytester.runpython(script)

    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines(["acknowledged [{'n': 1}]"])
