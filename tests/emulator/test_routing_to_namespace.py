"""The emulator routes a Basic topic's events into a namespace topic by itself: publish
to the Basic topic over HTTP, receive from the namespace topic over HTTP, no deliver()."""

from __future__ import annotations

from azure.eventgrid import EventGridConsumerClient, EventGridEvent, EventGridPublisherClient

from pytest_eventgrid import serve

from ._webhook import FAST

HANG_GUARD_RECEIVES = 50  # each a 10 virtual-second long-poll, a blink at FAST

DECLARED = {
    "topics": {"orders": ["worker"]},
    "basic_topics": {
        "shop": {"subscriptions": {"to-orders": {"endpoint": {"namespace_topic": "orders"}}}}
    },
}


def test_a_basic_topics_events_reach_a_namespace_pull_consumer_over_http() -> None:
    sent = EventGridEvent(
        subject="orders/1", event_type="Order.Created", data={"n": 1}, data_version="1"
    )
    with serve(**DECLARED, time_scale=FAST) as server:
        with EventGridPublisherClient(server.basic_endpoint("shop"), server.credential) as sender:
            sender.send(sent)
        with EventGridConsumerClient(
            server.endpoint, server.credential, namespace_topic="orders", subscription="worker"
        ) as consumer:
            # The long-poll ends as soon as the routed event is in: 10 virtual seconds
            # are a blink at FAST, and the route is due at once.
            for _ in range(HANG_GUARD_RECEIVES):
                details = consumer.receive(max_events=1, max_wait_time=10)
                if details:
                    break
            consumer.acknowledge(lock_tokens=[details[0].broker_properties.lock_token])

    [detail] = details
    assert (detail.event.id, detail.event.type, detail.event.data) == (
        str(sent.id),
        "Order.Created",
        {"n": 1},
    )
    assert detail.event.source.endswith("/providers/Microsoft.EventGrid/topics/shop")
