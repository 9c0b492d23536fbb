"""Recording through the client's own transport; sanitizing by JSON path and by host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceNotFoundError

from pytest_eventgrid import UsageError
from pytest_eventgrid.recordings import SANITIZED, load_cassette, playback, record

from ._support import Loopback, event, publish_and_receive, transports

NAMESPACE = "contoso-orders"
AZURE_ENDPOINT = f"https://{NAMESPACE}.westus-1.eventgrid.azure.net"
RESOURCE_ID = (
    "/subscriptions/0000/resourceGroups/shop/providers/Microsoft.EventGrid/"
    f"namespaces/{NAMESPACE}/topics/orders"
)
EMAIL = "jane@contoso.example"


@pytest.mark.asyncio
async def test_recording_goes_through_the_clients_own_transport(
    service: Loopback, flavour: str, tmp_path: Path
) -> None:
    sent: list[str] = []
    with record(tmp_path / "c.json", hosts=["127.0.0.1"]) as recorder:
        data = await publish_and_receive(
            flavour, service.endpoint, service.key, (1, 2), transport=transports(flavour, sent)
        )

    assert data == [{"number": 1}, {"number": 2}]
    assert [url.rpartition(":")[2].split("?")[0] for url in sent] == [
        "publish",
        "receive",
        "acknowledge",
    ]
    assert len(recorder.recorded) == len(service.requests) == 3


@pytest.mark.asyncio
async def test_a_transport_given_to_the_recorder_wins_over_the_clients_own(
    service: Loopback, flavour: str, tmp_path: Path
) -> None:
    own: list[str] = []
    given: list[str] = []
    make_given = transports(flavour, given)
    chosen = {"transport": make_given()} if flavour == "sync" else {"async_transport": make_given()}
    with record(tmp_path / "c.json", hosts=["127.0.0.1"], **chosen):
        await publish_and_receive(
            flavour, service.endpoint, service.key, transport=transports(flavour, own)
        )

    assert (len(own), len(given)) == (0, 3)


@pytest.mark.asyncio
async def test_json_paths_and_the_namespace_never_reach_the_cassette(
    service: Loopback, flavour: str, tmp_path: Path
) -> None:
    cassette = tmp_path / "c.json"
    options = {"sanitize_json": ["$..data.email"], "sanitize_hosts": True}
    sent: list[str] = []
    reroute = transports(flavour, sent, reroute=service.endpoint)
    events = [event(1, source=RESOURCE_ID, email=EMAIL)]

    with record(cassette, **options) as recorder:  # type: ignore[arg-type]
        live = await publish_and_receive(
            flavour, AZURE_ENDPOINT, service.key, events=events, transport=reroute
        )

    assert live == [{"number": 1, "email": EMAIL}]
    text = cassette.read_text(encoding="utf-8")
    assert NAMESPACE not in text
    assert EMAIL not in text
    publish, receive, _ = load_cassette(cassette).entries
    assert publish.request.url.startswith("https://sanitized.westus-1.eventgrid.azure.net/")
    [published] = json.loads(publish.request.body)
    assert published["data"] == {"number": 1, "email": SANITIZED}
    assert published["source"] == RESOURCE_ID.replace(NAMESPACE, "sanitized")
    [received] = json.loads(receive.response.body)["value"]
    assert received["event"]["data"]["email"] == SANITIZED
    assert all(NAMESPACE not in str(e) for e in recorder.recorded)

    # Replaying with the same options sanitizes each request before comparing it.
    with record(cassette, mode="none", **options) as replay:  # type: ignore[arg-type]
        again = await publish_and_receive(flavour, AZURE_ENDPOINT, "any", events=events)
    assert replay.mismatches == []
    assert again == [{"number": 1, "email": SANITIZED}]
    assert len(service.requests) == 3

    # Without them, the real namespace and address no longer match what was recorded.
    with playback(cassette) as bare, pytest.raises(ResourceNotFoundError):
        await publish_and_receive(flavour, AZURE_ENDPOINT, "any", events=events)
    assert "at '[0].data.email'" in bare.mismatches[0]


def test_a_bad_json_path_is_refused_when_the_recorder_is_made(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as raised:
        record(tmp_path / "c.json", sanitize_json=["$..["])

    assert str(raised.value).startswith("sanitize_json=: '$..[' is not a JSON path (")
    assert str(raised.value).endswith("guide/playback/#sanitizing")


def test_the_namespace_is_replaced_in_hosts_and_resource_ids_only() -> None:
    from pytest_eventgrid.recordings import Sanitizer

    sanitizer = Sanitizer(hosts=True)
    sanitizer.note("https://orders.westus-1.eventgrid.azure.net/topics/orders:publish")
    sanitizer.note("https://127.0.0.1:8080/topics/other:publish")  # not Event Grid: kept

    assert sanitizer.text(
        "https://orders.westus-1.eventgrid.azure.net/topics/orders:publish "
        "/namespaces/orders/topics/orders /namespaces/orders-2 orders.example.com"
    ) == (
        "https://sanitized.westus-1.eventgrid.azure.net/topics/orders:publish "
        "/namespaces/sanitized/topics/orders /namespaces/orders-2 orders.example.com"
    )
    assert Sanitizer().text("https://orders.westus-1.eventgrid.azure.net") == (
        "https://orders.westus-1.eventgrid.azure.net"
    )


def test_json_paths_apply_to_json_bodies_only() -> None:
    from pytest_eventgrid.recordings import Sanitizer

    sanitizer = Sanitizer(json_paths=["password", "$..token"])

    assert json.loads(sanitizer.body(b'{"password": "p", "a": [{"token": 1}], "b": 2}')) == {
        "password": SANITIZED,
        "a": [{"token": SANITIZED}],
        "b": 2,
    }
    assert sanitizer.body(b'{"b": 2}') == b'{"b": 2}'  # nothing matched: bytes untouched
    assert sanitizer.body(b"password=p") == b"password=p"
    assert sanitizer.body(b"\xff\x00") == b"\xff\x00"


def test_a_lone_pattern_is_one_pattern_not_one_per_character() -> None:
    from pytest_eventgrid.recordings import Sanitizer

    assert Sanitizer(r"order-\d+").text("see order-42 and or") == f"see {SANITIZED} and or"
    assert Sanitizer([r"order-\d+"]).text("order-7") == SANITIZED


def test_a_lone_host_is_one_host_not_one_per_character(tmp_path: Path) -> None:
    recorder = record(tmp_path / "c.json", hosts="Events.Contoso.com")

    assert recorder.serves("events.contoso.com")
    assert not recorder.serves("e")
