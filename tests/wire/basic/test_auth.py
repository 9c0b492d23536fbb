"""Basic authentication with `key=` set: keys, SAS tokens from `generate_sas`, Bearer.

Through the wire (every header and the query form), then through the real SDK
clients, sync and async. The 401's reasons for a wrong key that is base64, and for
every token failure, are the fake's guesses (semantics §3.2: UNCONFIRMED); the one
for a key that is not base64 is the service's (REC test_raise_on_auth_error).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from azure.core.credentials import AzureKeyCredential, AzureSasCredential
from azure.core.exceptions import ClientAuthenticationError
from azure.eventgrid import EventGridEvent, generate_sas

from pytest_eventgrid import EventGrid

from ._support import KEY, BasicDoor, BasicWire, basic_error, eventgrid_event, unauthorized

pytestmark = pytest.mark.eventgrid(key=KEY)

HOST = "orders.westus-1.eventgrid.azure.net"
ENDPOINT = f"https://{HOST}/api/events"
OTHER_KEY = "b3RoZXIta2V5LW9mLWFub3RoZXItdG9waWM="
NOT_BASE64 = (
    "The input is not a valid Base-64 string as it contains a non-base 64 character, more "
    "than two padding characters, or an illegal character among the padding characters"
)


def sas(
    eventgrid: EventGrid, *, key: str = KEY, endpoint: str = ENDPOINT, minutes: int = 10
) -> str:
    """A token from the SDK's `generate_sas`, expiring `minutes` from now on the fake clock."""
    return generate_sas(endpoint, key, eventgrid.clock.utcnow() + timedelta(minutes=minutes))


# -- the wire ------------------------------------------------------------------------------


def test_a_key_is_accepted_as_header_or_query(wire: BasicWire) -> None:
    by_header = wire.publish([eventgrid_event(id="e1")], headers={"aeg-sas-key": KEY})
    by_query = wire.publish(
        [eventgrid_event(id="e2")],
        url=wire.url(query=f"api-version=2018-01-01&aeg-sas-key={quote(KEY, safe='')}"),
    )

    assert (by_header.status, by_query.status) == (200, 200)
    assert [event.id for event in wire.topic.published] == ["e1", "e2"]


@pytest.mark.parametrize("header", ["aeg-sas-token", "Authorization"])
def test_a_sas_token_is_accepted_in_either_header(
    eventgrid: EventGrid, wire: BasicWire, header: str
) -> None:
    token = sas(eventgrid)
    value = token if header == "aeg-sas-token" else f"SharedAccessSignature {token}"

    assert wire.publish([eventgrid_event()], headers={header: value}).status == 200


def test_any_bearer_token_is_accepted(wire: BasicWire) -> None:
    # The fake has no Entra ID to check a token against.
    response = wire.publish([eventgrid_event()], headers={"Authorization": "Bearer eyJ0eXAi"})

    assert response.status == 200


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        pytest.param({}, "No authorization key or token was provided", id="nothing"),
        pytest.param(
            {"aeg-sas-key": OTHER_KEY},
            "The key does not match the topic's access key",
            id="another key",
        ),
        pytest.param({"aeg-sas-key": "bad credential"}, NOT_BASE64, id="key not base64"),
        pytest.param(
            {"Authorization": f"SharedAccessKey {KEY}"},
            "No authorization key or token was provided",
            id="namespace scheme",
        ),
        pytest.param(
            {"Authorization": "Bearer "}, "No authorization key or token was provided", id="no jwt"
        ),
    ],
)
def test_a_request_without_the_key_is_401(
    wire: BasicWire, headers: dict[str, str], reason: str
) -> None:
    response = wire.publish([eventgrid_event()], headers=headers)

    assert basic_error(response) == unauthorized(HOST, reason)
    assert wire.topic.published == []


@pytest.mark.parametrize(
    ("make_token", "reason"),
    [
        pytest.param(
            lambda eventgrid: sas(eventgrid, key=OTHER_KEY),
            "the signature does not match",
            id="forged",
        ),
        pytest.param(
            lambda eventgrid: sas(eventgrid).replace("&s=", "&s=A"),
            "the signature does not match",
            id="tampered",
        ),
        pytest.param(
            lambda eventgrid: sas(eventgrid, endpoint="https://other.westus-1.eventgrid.azure.net"),
            "the token was signed for another resource",
            id="another topic",
        ),
        pytest.param(
            lambda eventgrid: "r=x&e=y",
            "the token is not of the form r=...&e=...&s=...",
            id="not a token",
        ),
    ],
)
def test_a_bad_sas_token_is_401(
    eventgrid: EventGrid, wire: BasicWire, make_token: object, reason: str
) -> None:
    token = make_token(eventgrid)  # type: ignore[operator]

    response = wire.publish([eventgrid_event()], headers={"aeg-sas-token": token})

    assert basic_error(response) == unauthorized(HOST, reason, token=True)


def test_a_sas_token_expires_on_the_virtual_clock(eventgrid: EventGrid, wire: BasicWire) -> None:
    token = sas(eventgrid, minutes=10)
    expiry = eventgrid.clock.utcnow() + timedelta(minutes=10)

    eventgrid.clock.advance(timedelta(minutes=10) - timedelta(microseconds=1))
    before = wire.publish([eventgrid_event()], headers={"aeg-sas-token": token})
    eventgrid.clock.advance(timedelta(microseconds=1))
    at_expiry = wire.publish([eventgrid_event()], headers={"aeg-sas-token": token})

    assert before.status == 200
    assert basic_error(at_expiry) == unauthorized(
        HOST, f"the token expired at {expiry.isoformat()}", token=True
    )


def test_a_token_for_the_host_covers_its_paths(eventgrid: EventGrid, wire: BasicWire) -> None:
    token = sas(eventgrid, endpoint=f"https://{HOST}")

    assert wire.publish([eventgrid_event()], headers={"aeg-sas-token": token}).status == 200


@pytest.mark.eventgrid(key=None)
def test_without_a_key_every_request_passes(wire: BasicWire) -> None:
    assert wire.publish([eventgrid_event()]).status == 200
    assert wire.publish([eventgrid_event()], headers={"aeg-sas-key": "anything"}).status == 200


# -- the SDK -------------------------------------------------------------------------------


def order() -> EventGridEvent:
    return EventGridEvent(subject="orders/1", event_type="Order.Created", data={}, data_version="1")


@pytest.mark.asyncio
async def test_the_sdk_publishes_with_the_key(eventgrid: EventGrid, door: BasicDoor) -> None:
    orders = eventgrid.basic_topic("orders")
    publisher = await door.publisher("orders", AzureKeyCredential(KEY))

    await publisher.send(order())

    assert len(orders.published) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("key", "reason"),
    [(OTHER_KEY, "The key does not match the topic's access key"), ("bad credential", NOT_BASE64)],
    ids=["another key", "not base64"],
)
async def test_the_sdk_raises_client_authentication_error_for_a_wrong_key(
    eventgrid: EventGrid, door: BasicDoor, key: str, reason: str
) -> None:
    orders = eventgrid.basic_topic("orders")
    publisher = await door.publisher("orders", AzureKeyCredential(key))

    with pytest.raises(ClientAuthenticationError) as raised:
        await publisher.send(order())

    assert raised.value.status_code == 401
    assert raised.value.error is not None
    assert raised.value.error.code == "Unauthorized"
    assert raised.value.error.message.startswith(
        f"The request authorization key is not authorized for {HOST.upper()}. "
        f"This is due to the reason: {reason}. Report '"
    )
    assert orders.published == []


@pytest.mark.asyncio
async def test_the_sdk_publishes_with_a_sas_token_until_it_expires(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    orders = eventgrid.basic_topic("orders")
    publisher = await door.publisher("orders", AzureSasCredential(sas(eventgrid, minutes=10)))

    await publisher.send(order())
    eventgrid.clock.advance(timedelta(minutes=10))
    with pytest.raises(ClientAuthenticationError, match="This is due to the reason: the token"):
        await publisher.send(order())

    assert len(orders.published) == 1


@pytest.mark.asyncio
async def test_the_sdk_publishes_with_an_entra_id_token(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    orders = eventgrid.basic_topic("orders")
    credential = door.token_credential()
    publisher = await door.publisher("orders", credential)

    await publisher.send(order())

    assert len(orders.published) == 1
    assert credential.scopes == [("https://eventgrid.azure.net/.default",)]


@pytest.mark.asyncio
@pytest.mark.eventgrid(key="topic-key")
async def test_a_sas_token_signed_with_a_key_that_is_not_strict_base64_is_accepted(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    # generate_sas decodes the key as base64.b64decode does by default: characters
    # outside the alphabet are dropped, so "topic-key" signs as "topickey".
    orders = eventgrid.basic_topic("orders")
    token = sas(eventgrid, key="topic-key")
    publisher = await door.publisher("orders", AzureSasCredential(token))

    await publisher.send(order())

    assert len(orders.published) == 1


@pytest.mark.asyncio
@pytest.mark.eventgrid(key="topic-key")
async def test_a_sas_token_signed_with_another_lenient_key_is_refused(
    eventgrid: EventGrid, door: BasicDoor
) -> None:
    orders = eventgrid.basic_topic("orders")
    publisher = await door.publisher("orders", AzureSasCredential(sas(eventgrid, key="other-key")))

    with pytest.raises(ClientAuthenticationError, match="the signature does not match"):
        await publisher.send(order())

    assert orders.published == []
