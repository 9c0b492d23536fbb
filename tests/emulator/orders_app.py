"""A tiny app under test, configured only by its environment, as a deployed service is.

    EVENTGRID_ENDPOINT      the namespace endpoint
    EVENTGRID_KEY           its access key
    EVENTGRID_TOPIC         the namespace topic
    EVENTGRID_SUBSCRIPTION  the subscription it consumes
    ORDERS_ASYNC            "1": use the SDK's async clients

Usage: `python orders_app.py ORDER_ID...` publishes one `Order.Created` event per id,
then receives from the subscription until it has them all, acknowledges them, and
prints the ids it received as JSON. Over HTTPS the SDK trusts the CA named by the
usual variables: REQUESTS_CA_BUNDLE (sync clients) and SSL_CERT_FILE (async clients).

tests/emulator/test_subprocess_app.py runs it against the emulator.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient
from azure.eventgrid.aio import EventGridConsumerClient as AioConsumer
from azure.eventgrid.aio import EventGridPublisherClient as AioPublisher

ENDPOINT = os.environ["EVENTGRID_ENDPOINT"]
CREDENTIAL = AzureKeyCredential(os.environ["EVENTGRID_KEY"])
TOPIC = os.environ["EVENTGRID_TOPIC"]
SUBSCRIPTION = os.environ["EVENTGRID_SUBSCRIPTION"]
ROUNDS = 5


def orders(ids: list[str]) -> list[CloudEvent]:  # type: ignore[type-arg]
    return [CloudEvent(source="/orders-app", type="Order.Created", data={"id": i}) for i in ids]


def order_id(event: Any) -> str:
    data = event.data
    assert isinstance(data, dict)
    return str(data["id"])


def run(ids: list[str]) -> list[str]:
    received: list[str] = []
    with (
        EventGridPublisherClient(ENDPOINT, CREDENTIAL, namespace_topic=TOPIC) as publisher,
        EventGridConsumerClient(
            ENDPOINT, CREDENTIAL, namespace_topic=TOPIC, subscription=SUBSCRIPTION
        ) as consumer,
    ):
        publisher.send(orders(ids))
        for _ in range(ROUNDS):
            details = consumer.receive(max_events=len(ids) - len(received), max_wait_time=10)
            if details:
                tokens = [detail.broker_properties.lock_token for detail in details]
                consumer.acknowledge(lock_tokens=tokens)
                received += [order_id(detail.event) for detail in details]
            if len(received) == len(ids):
                break
    return received


async def run_async(ids: list[str]) -> list[str]:
    received: list[str] = []
    async with (
        AioPublisher(ENDPOINT, CREDENTIAL, namespace_topic=TOPIC) as publisher,
        AioConsumer(
            ENDPOINT, CREDENTIAL, namespace_topic=TOPIC, subscription=SUBSCRIPTION
        ) as consumer,
    ):
        await publisher.send(orders(ids))
        for _ in range(ROUNDS):
            details = await consumer.receive(max_events=len(ids) - len(received), max_wait_time=10)
            if details:
                tokens = [detail.broker_properties.lock_token for detail in details]
                await consumer.acknowledge(lock_tokens=tokens)
                received += [order_id(detail.event) for detail in details]
            if len(received) == len(ids):
                break
    return received


def main(ids: list[str]) -> int:
    use_async = os.environ.get("ORDERS_ASYNC") == "1"
    received = asyncio.run(run_async(ids)) if use_async else run(ids)
    print(json.dumps(sorted(received)))
    return 0 if sorted(received) == sorted(ids) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
