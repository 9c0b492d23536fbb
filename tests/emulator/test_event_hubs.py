"""The emulator delivers to Event Hubs destinations by itself: each batch is recorded on
the server's event hub view, with its message properties and delivery properties; a
"deliver" fault from the config makes the hub fail along the namespace schedule."""

from __future__ import annotations

from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridPublisherClient

from pytest_eventgrid import serve

from ._waits import eventually
from ._webhook import FAST


def test_the_emulator_delivers_to_an_event_hub_and_retries_a_failing_one() -> None:
    config = {
        "topics": {
            "orders": {
                "to-hub": {
                    "endpoint": {"event_hub": "orders-hub"},
                    "delivery_properties": {"PartitionKey": {"source_field": "data.customer"}},
                }
            }
        },
        "faults": [{"operation": "deliver", "status": 503, "subscription": "to-hub"}],
    }
    with serve(**config, time_scale=FAST) as server:  # type: ignore[arg-type]
        with EventGridPublisherClient(
            server.endpoint, AzureKeyCredential(server.key), namespace_topic="orders"
        ) as publisher:
            publisher.send(
                CloudEvent(source="/shop", type="Order.Created", data={"customer": "c-1"})
            )
        hub = server.eventgrid.event_hub("orders-hub")
        eventually(lambda: len(hub.batches) == 1)
        attempts = server.eventgrid.topic("orders").push_subscription("to-hub").attempts

        assert [(a.status, a.delivery_count) for a in attempts] == [(503, 0), (201, 1)]
        assert attempts[1].time - attempts[0].time >= 30  # a 503 waits 30 s at least
        [message] = hub.messages
        assert message.event.data == {"customer": "c-1"}
        assert message.partition_key == "c-1"
        assert message.properties["aeg-subscription-name"] == "TO-HUB"
        assert message.properties["aeg-delivery-count"] == "1"
        assert message.properties["aeg-compatibility-mode-enabled"] == "false"
