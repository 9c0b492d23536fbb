"""The service meets what the real Event Grid answered: recorded traffic, replayed.

A test marked `@pytest.mark.eventgrid(cassette=...)` puts its cassette in front of the
fake: the clients the service builds for itself are answered from
`cassettes/test_recordings/<name>.json`. These two cassettes hold real service traffic,
converted from the Azure SDK's own recordings with
`pytest_eventgrid.recordings.convert_test_proxy()`: a receive from, and a publish to, a
namespace topic that does not exist. Record your own against a namespace with
`pytest --eventgrid-record-mode=once` (the default mode, `none`, only replays).

The service asks for more events and waits longer than the SDK's tests did, with
another api-version and other events, so `eventgrid_cassette_options` below compares
requests on what matters here: the method, the path and the operation. It also has
namespace names recorded as `sanitized`, and the order's customer id never written.
"""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResourceNotFoundError
from orders import OrderPublisher, OrderWorker, Settings, SyncOrderWorker
from support import Fulfilment, an_order

from pytest_eventgrid import EventGrid

RECORDED_ENDPOINT = "https://fakeresource.eastus-1.eventgrid.azure.net"


@pytest.fixture
def eventgrid_cassette_options() -> dict[str, object]:
    """How this module's cassettes are recorded and matched (see the module docstring)."""
    return {
        "match_on": ["method", "path", "operation"],
        "sanitize_hosts": True,
        "sanitize_json": ["$..data.customer_id"],
    }


@pytest.fixture
def recorded_settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The service's settings, pointing at the namespace the recordings talked to."""
    monkeypatch.setenv("ORDERS_EVENTGRID_ENDPOINT", RECORDED_ENDPOINT)
    monkeypatch.setenv("ORDERS_EVENTGRID_KEY", "any key: the cassette never checks it")
    monkeypatch.setenv("ORDERS_EVENTGRID_TOPIC", "faketopic")
    monkeypatch.setenv("ORDERS_EVENTGRID_SUBSCRIPTION", "fakesub")
    return Settings.from_env()


@pytest.mark.eventgrid(cassette="receive-from-a-missing-topic")
async def test_the_async_worker_stops_when_its_topic_does_not_exist(
    eventgrid: EventGrid, recorded_settings: Settings
) -> None:
    async with OrderWorker(recorded_settings, Fulfilment()) as worker:
        # A 404 is not transient: run() gives up at once instead of backing off.
        with pytest.raises(ResourceNotFoundError, match="Topic 'faketopic' is not found"):
            await worker.run()

    eventgrid.calls.assert_not_called()  # the cassette answered, not the fake


@pytest.mark.eventgrid(cassette="receive-from-a-missing-topic")
def test_the_sync_worker_stops_when_its_topic_does_not_exist(
    recorded_settings: Settings,
) -> None:
    with (
        SyncOrderWorker(recorded_settings, Fulfilment()) as worker,
        pytest.raises(ResourceNotFoundError) as raised,
    ):
        worker.run(stop=lambda: False)

    assert raised.value.status_code == 404
    assert raised.value.error is not None
    assert raised.value.error.code == "NotFound"


@pytest.mark.eventgrid(cassette="publish-to-a-missing-topic")
async def test_publishing_to_a_missing_topic_fails_loudly(recorded_settings: Settings) -> None:
    async with OrderPublisher(recorded_settings) as publisher:
        with pytest.raises(ResourceNotFoundError) as raised:
            await publisher.publish(an_order("order-1"))

    # The SDK puts its own advice in front of the service's message.
    assert "please specify the namespace_topic name" in raised.value.message
    assert "Topic 'faketopic' is not found" in str(raised.value.__cause__)
