"""The admin API over real HTTP: every endpoint, and its effect on real SDK clients."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient, EventGridEvent, EventGridPublisherClient
from azure.eventgrid.models import ReceiveDetails

from pytest_eventgrid import EventGridServer, serve

from ._waits import eventually

HANG_GUARD = 30.0  # real seconds; nothing here should come close
ADMIN_DOCS = "guide/emulator/#the-admin-api"
STORAGE_ACCOUNT = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/shop"
    "/providers/Microsoft.Storage/storageAccounts/files"
)


def admin(server: EventGridServer, **headers: str) -> httpx.Client:
    """An HTTP client for the server's admin API (no proxies from the environment)."""
    return httpx.Client(
        base_url=f"{server.url}/_admin/", headers=headers, timeout=HANG_GUARD, trust_env=False
    )


def publisher(server: EventGridServer, **kwargs: Any) -> EventGridPublisherClient:
    return EventGridPublisherClient(
        server.endpoint, server.credential, namespace_topic="orders", **kwargs
    )


def consumer(server: EventGridServer) -> EventGridConsumerClient:
    return EventGridConsumerClient(
        server.endpoint, server.credential, namespace_topic="orders", subscription="billing"
    )


def order(number: int) -> CloudEvent:  # type: ignore[type-arg]
    return CloudEvent(source="shop", type="Order.Created", id=f"o{number}", data={"n": number})


def tokens(received: list[ReceiveDetails]) -> list[str]:
    return [detail.broker_properties.lock_token for detail in received]


def billing(state: dict[str, Any]) -> dict[str, Any]:
    """The `orders/billing` subscription of the server's own namespace, from `state`."""
    [home] = [each for each in state["namespaces"].values() if each["default"]]
    return home["topics"]["orders"]["subscriptions"]["billing"]  # type: ignore[no-any-return]


def ids(events: list[dict[str, Any]]) -> list[str]:
    return [event["id"] for event in events]


def assert_refused(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["status"] == status
    assert body["docs"].endswith(ADMIN_DOCS)
    for word in words:
        assert word in body["message"]


# -- health, routing, bodies ------------------------------------------------------------


def test_health_answers_with_the_endpoint(server: EventGridServer) -> None:
    with admin(server) as client:
        response = client.get("health")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "status": "ok",
        "endpoint": server.endpoint,
        "clock": "real",
        "waiting": 0,
    }


def test_health_counts_the_receives_the_server_holds(server: EventGridServer) -> None:
    consumer = EventGridConsumerClient(
        server.endpoint, server.credential, namespace_topic="orders", subscription="billing"
    )
    with consumer, ThreadPoolExecutor(1) as pool, admin(server) as client:
        receiving = pool.submit(consumer.receive, max_events=1, max_wait_time=60)
        eventually(lambda: client.get("health").json()["waiting"] == 1)
        with EventGridPublisherClient(
            server.endpoint, server.credential, namespace_topic="orders"
        ) as publisher:
            publisher.send(CloudEvent(source="s", type="t", data={}))
        assert len(receiving.result(HANG_GUARD)) == 1
        assert client.get("health").json()["waiting"] == 0


def test_an_unknown_endpoint_is_404_listing_the_known_ones(server: EventGridServer) -> None:
    with admin(server) as client:
        response = client.get("nothing/here")
    assert_refused(response, 404, "/_admin/nothing/here", "GET /_admin/state", "POST /_admin/chaos")


def test_a_known_path_with_the_wrong_method_is_405_with_allow(server: EventGridServer) -> None:
    with admin(server) as client:
        reset = client.get("reset")
        topology = client.delete("topology")
    assert_refused(reset, 405, "POST", "GET")
    assert reset.headers["allow"] == "POST"
    assert_refused(topology, 405)
    assert topology.headers["allow"] == "GET, PUT"


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("clock/advance", b"", ["needs a JSON body", '{"seconds": <number>}']),
        ("clock/advance", b"{seconds: 5}", ["not JSON"]),
        ("clock/advance", b'{"minutes": 5}', ['{"seconds": <number>}']),
        ("clock/advance", b'{"seconds": "soon"}', ["clock.advance(seconds)", "'soon'"]),
        ("clock/advance", b'{"seconds": -1}', ["clock.advance(seconds)"]),
        ("faults", b'{"operation": "publish", "status": 503}', ["a list of fault mappings"]),
        ("faults", b'[{"operation": "publish"}]', ["exactly one of"]),
        ("chaos", b"5", ["chaos: got 5"]),
        ("chaos", b'{"duplicates": 2}', ["chaos duplicates is a chance from 0 to 1"]),
        ("chaos", b'{"thunder": 1}', ["Unknown chaos setting(s) thunder"]),
    ],
)
def test_a_bad_body_is_400_with_the_librarys_message(
    server: EventGridServer, path: str, body: bytes, words: list[str]
) -> None:
    with admin(server) as client:
        response = client.post(path, content=body)
    assert_refused(response, 400, *words)


# -- state and timeline -----------------------------------------------------------------


def test_state_shows_each_event_by_state_as_the_views_do(virtual_server: EventGridServer) -> None:
    server = virtual_server
    with publisher(server) as sender, consumer(server) as receiver:
        sender.send([order(n) for n in range(1, 6)])
        received = receiver.receive(max_events=4, max_wait_time=10)
        first, second, third, _ = tokens(received)
        receiver.acknowledge(lock_tokens=[first])
        receiver.release(lock_tokens=[second], release_delay=10)
        receiver.reject(lock_tokens=[third])
        with admin(server) as client:
            state = client.get("state").json()

    subscription = billing(state)
    by_state = {name: ids(subscription[name]) for name in ("available", "delayed", "locked")}
    assert by_state == {"available": ["o5"], "delayed": ["o2"], "locked": ["o4"]}
    assert ids(subscription["acknowledged"]) == ["o1"]
    assert ids(subscription["released"]) == ["o2"]
    assert ids(subscription["rejected"]) == ["o3"]
    assert ids(subscription["dead_lettered"]) == ["o3"]
    assert subscription["settings"]["lock_duration"] == 60.0
    topic = state["namespaces"][next(iter(state["namespaces"]))]["topics"]["orders"]
    assert ids(topic["published"]) == ["o1", "o2", "o3", "o4", "o5"]
    # The fields and values a Python test reads from `SubscriptionEvent`.
    [locked] = subscription["locked"]
    view = server.eventgrid.subscription().locked[0]
    assert locked == {
        "id": "o4",
        "source": "shop",
        "type": "Order.Created",
        "subject": None,
        "time": view.time.isoformat(),
        "specversion": "1.0",
        "datacontenttype": None,
        "dataschema": None,
        "data": {"n": 4},
        "extensions": {},
        "state": "locked",
        "delivery_count": 1,
        "lock_token": view.lock_token,
        "locked_until": 60.0,
        "release_delay": None,
        "dead_letter_reason": None,
        "recorded_at": 0.0,
    }
    assert subscription["released"][0]["release_delay"] == 10.0
    assert subscription["dead_lettered"][0]["dead_letter_reason"]
    assert state["clock"]["mode"] == "virtual"
    assert state["clock"]["utc"] == state["clock"]["start"]


def test_state_names_every_namespace_with_its_endpoint(server: EventGridServer) -> None:
    other = server.namespace_endpoint("inventory")
    with (
        EventGridPublisherClient(other, server.credential, namespace_topic="stock") as sender,
        admin(server) as client,
    ):
        sender.send(order(1))
        namespaces = client.get("state").json()["namespaces"]
    assert namespaces["inventory"]["endpoint"] == other
    assert namespaces["inventory"]["default"] is False
    assert ids(namespaces["inventory"]["topics"]["stock"]["published"]) == ["o1"]
    [home] = [each for each in namespaces.values() if each["default"]]
    assert home["endpoint"] == server.endpoint
    assert home["host"] == server.eventgrid.host


def test_state_shows_basic_topics_and_what_their_webhooks_got(
    virtual_server: EventGridServer,
) -> None:
    server = virtual_server
    news = server.eventgrid.basic_topic("news")
    news.subscribe("reader", lambda request: 200, validate=False)
    news.subscribe("broken", lambda request: 400, validate=False)
    event = EventGridEvent(subject="a/1", event_type="News.Posted", data={"n": 1}, data_version="1")
    with EventGridPublisherClient(server.basic_endpoint("news"), server.credential) as sender:
        sender.send(event)
    server.eventgrid.deliver(drain=True)
    with admin(server) as client:
        basic = client.get("state").json()["basic_topics"]

    assert basic["news"]["kind"] == "topic"
    assert basic["news"]["endpoint"] == server.basic_endpoint("news")
    [published] = basic["news"]["published"]
    assert published["schema"] == "eventgrid"
    assert (published["id"], published["event_type"], published["data"]) == (
        str(event.id),
        "News.Posted",
        {"n": 1},
    )
    [seen] = news.published
    assert published["event_time"] == seen.event_time.isoformat()
    reader, broken = (
        basic["news"]["subscriptions"]["reader"],
        basic["news"]["subscriptions"]["broken"],
    )
    assert [(a["status"], a["outcome"]) for a in reader["attempts"]] == [(200, "Succeeded")]
    assert [e["id"] for e in reader["delivered"]] == [str(event.id)]
    assert reader["attempts"][0]["events"][0]["id"] == str(event.id)
    [dead] = broken["dead_lettered"]
    assert (dead["reason"], dead["delivery_attempts"]) == ("NonRetriableDeliveryFailure", 1)
    assert dead["event"]["id"] == str(event.id)
    assert (broken["delivered"], broken["pending"]) == ([], 0)


def test_state_shows_domain_topics(server: EventGridServer) -> None:
    server.eventgrid.domain("shop").topic("orders").subscribe("hook", lambda r: 200, validate=False)
    event = CloudEvent(source="orders", type="Order.Created", data={})
    with EventGridPublisherClient(server.basic_endpoint("shop"), server.credential) as sender:
        sender.send(event)
    with admin(server) as client:
        shop = client.get("state").json()["basic_topics"]["shop"]
    assert shop["kind"] == "domain"
    assert [item["id"] for item in shop["published"]] == [event.id]
    orders = shop["topics"]["orders"]
    assert [item["schema"] for item in orders["published"]] == ["cloudevents"]
    assert list(orders["subscriptions"]) == ["hook"]


def test_state_shows_namespace_push_event_hubs_and_system_topics(
    virtual_server: EventGridServer,
) -> None:
    server = virtual_server
    eventgrid = server.eventgrid
    orders = eventgrid.topic("orders")
    orders.subscribe("to-hub", eventgrid.event_hub("orders-hub"))
    orders.subscribe(
        "hook",
        lambda request: 503,
        validate=False,
        filter={"includedEventTypes": ["Order.Created"]},
    )
    storage = eventgrid.system_topic("storage", source=STORAGE_ACCOUNT)
    storage.subscribe("to-orders", orders)
    with publisher(server) as sender:
        sender.send(order(1))
    eventgrid.deliver()
    storage.publish(
        {"id": "b1", "eventType": "Microsoft.Storage.BlobCreated", "subject": "/a", "data": {}}
    )
    with admin(server) as client:
        state = client.get("state").json()

    [home] = [each for each in state["namespaces"].values() if each["default"]]
    pushed = home["topics"]["orders"]["push_subscriptions"]
    assert list(pushed) == ["to-hub", "hook"]
    assert [a["status"] for a in pushed["hook"]["attempts"]] == [503]
    assert pushed["hook"]["pending"] == 1
    # The hub got the published order, then the blob event routed into the topic.
    batches = state["event_hubs"]["orders-hub"]["batches"]
    assert [message["event"]["id"] for b in batches for message in b["messages"]] == ["o1", "b1"]
    message = batches[0]["messages"][0]
    assert batches[0]["subscription"] == "to-hub"
    assert message["properties"]["aeg-compatibility-mode-enabled"] == "false"
    system = state["system_topics"]["storage"]
    assert system["source"] == STORAGE_ACCOUNT
    assert [item["id"] for item in system["published"]] == ["b1"]
    assert list(system["subscriptions"]) == ["to-orders"]


def test_timeline_is_the_journal_in_json(server: EventGridServer) -> None:
    with publisher(server) as sender, consumer(server) as receiver, admin(server) as client:
        sender.send(order(1))
        receiver.receive(max_events=1, max_wait_time=10)
        timeline = client.get("timeline").json()["timeline"]
    operations = [entry["operation"] for entry in timeline]
    assert operations[-2:] == ["publish", "receive"]
    publish, receive = timeline[-2:]
    assert (publish["topic"], publish["status"], publish["events"][0]["id"]) == (
        "orders",
        200,
        "o1",
    )
    assert receive["subscription"] == "billing"
    assert receive["items"][0]["event_id"] == "o1"
    assert receive["items"][0]["lock_token"]
    assert len(timeline) == len(server.eventgrid.timeline)


# -- reset and topology -----------------------------------------------------------------


def test_reset_empties_everything_and_reapplies_the_config(server: EventGridServer) -> None:
    before = server.eventgrid
    with publisher(server) as sender, admin(server) as client:
        sender.send(order(1))
        server.eventgrid.topic("scratch")
        response = client.post("reset")
        state = client.get("state").json()
    assert response.status_code == 200
    assert response.json() == {
        "status": "reset",
        "topology": {"topic": "orders", "subscription": "billing"},
    }
    assert server.eventgrid is not before
    [home] = state["namespaces"].values()
    assert list(home["topics"]) == ["orders"]  # scratch is gone, orders/billing is back
    assert billing(state)["available"] == []
    assert home["topics"]["orders"]["published"] == []


def test_put_topology_replaces_the_settings_and_resets(server: EventGridServer) -> None:
    topology = {
        "topic": "payments",
        "subscription": "audit",
        "topics": {"payments": {"ledger": {"lock_duration": 120}}},
        "basic_topics": {"news": "cloudevents"},
    }
    with admin(server) as client:
        response = client.put("topology", json=topology)
        state = client.get("state").json()
        current = client.get("topology").json()
    assert response.json() == {"status": "reset", "topology": topology}
    assert current == {"topology": topology}
    assert server.settings == topology
    [home] = state["namespaces"].values()
    assert list(home["topics"]) == ["payments"]
    subscriptions = home["topics"]["payments"]["subscriptions"]
    assert sorted(subscriptions) == ["audit", "ledger"]
    assert subscriptions["ledger"]["settings"]["lock_duration"] == 120.0
    assert list(state["basic_topics"]) == ["news"]
    with (
        EventGridPublisherClient(
            server.endpoint, server.credential, namespace_topic="payments"
        ) as sender,
        EventGridConsumerClient(
            server.endpoint, server.credential, namespace_topic="payments", subscription="ledger"
        ) as receiver,
    ):
        sender.send(order(1))
        [received] = receiver.receive(max_events=1, max_wait_time=10)
    assert received.event.id == "o1"
    assert server.eventgrid.subscription("ledger", topic="payments").settings.lock_duration == 120


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"[1, 2]", ["The topology is list"]),
        (b"topic=orders", ["not JSON"]),
        (b'{"topic": "orders", "lanes": 2}', ["Unknown topology key(s): lanes", "basic_topics"]),
        (b'{"clock": "virtual"}', ["clock: set when the server starts"]),
        (b'{"autojump": false}', ["topology: autojump", "no autojump"]),
        (b'{"lock_duration": 5}', ["lock_duration"]),
        (b'{"max_delivery_count": 20}', ["max_delivery_count"]),
    ],
)
def test_a_bad_topology_is_400_and_changes_nothing(
    server: EventGridServer, body: bytes, words: list[str]
) -> None:
    before = server.eventgrid
    with admin(server) as client:
        response = client.put("topology", content=body)
    assert_refused(response, 400, *words)
    assert server.eventgrid is before
    assert server.settings == {"topic": "orders", "subscription": "billing"}


# -- the clock --------------------------------------------------------------------------


def test_advancing_the_clock_makes_a_lock_expire(virtual_server: EventGridServer) -> None:
    server = virtual_server
    with publisher(server) as sender, consumer(server) as receiver, admin(server) as client:
        sender.send(order(1))
        [first] = receiver.receive(max_events=1, max_wait_time=10)
        assert ids(billing(client.get("state").json())["locked"]) == ["o1"]
        response = client.post("clock/advance", json={"seconds": 61})
        assert ids(billing(client.get("state").json())["available"]) == ["o1"]
        [again] = receiver.receive(max_events=1, max_wait_time=10)
    assert response.status_code == 200
    assert response.json()["now"] == 61.0
    assert response.json()["mode"] == "virtual"
    assert again.broker_properties.delivery_count == 2
    assert again.broker_properties.lock_token != first.broker_properties.lock_token


def test_advancing_the_clock_answers_a_waiting_receive(virtual_server: EventGridServer) -> None:
    server = virtual_server
    answers: list[list[ReceiveDetails]] = []
    with publisher(server) as sender, consumer(server) as receiver:
        sender.send(order(1))
        [first] = receiver.receive(max_events=1, max_wait_time=10)
        receiver.release(lock_tokens=tokens([first]), release_delay=10)
    waiting = threading.Thread(
        target=lambda: answers.append(_receive(server, max_wait_time=60)), daemon=True
    )
    waiting.start()
    waiting.join(timeout=0.3)
    assert waiting.is_alive(), "the receive should wait: the virtual clock stands still"
    started = time.monotonic()
    with admin(server) as client:
        client.post("clock/advance", json={"seconds": 10})
    waiting.join(timeout=HANG_GUARD)
    assert not waiting.is_alive()
    assert time.monotonic() - started < HANG_GUARD / 2
    assert [ids_of(answer) for answer in answers] == [["o1"]]


def _receive(server: EventGridServer, *, max_wait_time: int) -> list[ReceiveDetails]:
    with consumer(server) as receiver:
        return receiver.receive(max_events=1, max_wait_time=max_wait_time)


def ids_of(received: list[ReceiveDetails]) -> list[str]:
    return [detail.event.id for detail in received]


def test_advancing_a_real_clock_moves_it_at_once(server: EventGridServer) -> None:
    with admin(server) as client:
        response = client.post("clock/advance", json={"seconds": 3600})
    assert response.json()["now"] >= 3600
    assert server.eventgrid.clock.now() >= 3600


# -- faults and chaos -------------------------------------------------------------------


def test_posted_faults_reach_the_sdk_clients(server: EventGridServer) -> None:
    faults = [
        {"operation": "publish", "status": 503, "message": "Busy"},
        {"operation": "receive", "short_receive": 1, "times": 2, "optional": True},
    ]
    with admin(server) as client:
        response = client.post("faults", json=faults)
        with publisher(server, retry_total=0) as sender:
            with pytest.raises(HttpResponseError) as caught:
                sender.send(order(1))
            sender.send(order(2))
        listed = client.get("faults").json()["faults"]
    assert response.status_code == 200
    added = response.json()["added"]
    assert [fault["fault"] for fault in added] == [
        fault.describe() for fault in server.eventgrid.faults
    ]
    assert added[1]["times"] == 2
    assert added[1]["optional"] is True
    assert caught.value.status_code == 503
    assert [(fault["operation"], fault["fired"]) for fault in listed] == [
        ("publish", 1),
        ("receive", 0),
    ]
    assert ids(billing(_state(server))["available"]) == ["o2"]


def _state(server: EventGridServer) -> dict[str, Any]:
    with admin(server) as client:
        return client.get("state").json()  # type: ignore[no-any-return]


def test_posted_faults_are_all_or_nothing(server: EventGridServer) -> None:
    faults = [{"operation": "publish", "status": 503}, {"operation": "publish", "status": "x"}]
    with admin(server) as client:
        response = client.post("faults", json=faults)
    assert response.status_code == 400
    assert server.eventgrid.faults == []


def test_posted_chaos_reaches_the_sdk_clients_and_false_calms_it(server: EventGridServer) -> None:
    with admin(server) as client, publisher(server) as sender, consumer(server) as receiver:
        chaos = client.post("chaos", json={"token_lost": 1.0})
        sender.send(order(1))
        [first] = receiver.receive(max_events=1, max_wait_time=10)
        lost = receiver.acknowledge(lock_tokens=tokens([first]))
        calm = client.post("chaos", json=False)
        [again] = receiver.receive(max_events=1, max_wait_time=10)
        kept = receiver.acknowledge(lock_tokens=tokens([again]))
        default = client.post("chaos", json=True)
    assert chaos.json()["chaos"]["token_lost"] == 1.0
    assert [failed.lock_token for failed in lost.failed_lock_tokens] == tokens([first])
    assert calm.json()["chaos"] == {
        "duplicates": 0.0,
        "reorder": False,
        "early_lock_expiry": 0.0,
        "short_batches": 0.0,
        "token_lost": 0.0,
    }
    assert kept.succeeded_lock_tokens == tokens([again])
    assert default.json()["chaos"]["reorder"] is True


# -- the key beyond loopback ------------------------------------------------------------


def _own_address() -> str | None:
    """This machine's address on its default route, if it has one beyond loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent for UDP
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


@pytest.fixture
def keyed_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[EventGridServer]:
    """A server whose admin API asks for the key: bound to this machine's own
    non-loopback address when it has one, else on loopback told to ask anyway."""
    address = _own_address()
    if address is not None:
        try:
            with serve(host=address, key="admin-secret", topic="orders") as running:
                assert running.admin_requires_key
                yield running
            return
        except OSError:
            pass  # an address we may not bind: ask on loopback instead
    monkeypatch.setattr(EventGridServer, "admin_requires_key", property(lambda self: True))
    with serve(key="admin-secret", topic="orders") as running:
        yield running


def test_beyond_loopback_the_admin_api_asks_for_the_key(keyed_server: EventGridServer) -> None:
    with admin(keyed_server) as client:
        missing = client.get("state")
        wrong = client.get("health", headers={"aeg-sas-key": "guess"})
        unknown = client.get("nowhere")
    assert_refused(missing, 401, "aeg-sas-key", "SharedAccessKey", keyed_server.host)
    assert_refused(wrong, 401, "aeg-sas-key is not the server's key")
    assert_refused(unknown, 401)  # no list of endpoints before the key


def test_the_key_opens_the_admin_api_in_either_header(keyed_server: EventGridServer) -> None:
    with admin(keyed_server, **{"aeg-sas-key": "admin-secret"}) as client:
        assert client.get("health").status_code == 200
        assert client.post("reset").status_code == 200
    with admin(keyed_server, authorization="SharedAccessKey admin-secret") as client:
        assert client.get("state").status_code == 200
    with admin(keyed_server, authorization="SharedAccessKey guess") as client:
        assert_refused(client.get("state"), 401, "Authorization: SharedAccessKey")


def test_on_loopback_the_admin_api_needs_no_key(server: EventGridServer) -> None:
    assert not server.admin_requires_key
    with admin(server) as client:
        assert client.get("state").status_code == 200
