"""`:publish`: CloudEvents validation, content modes, `time` normalisation and limits.

Messages marked REC are the real service's (see tests/fidelity/recordings); the
others are the fake's documented guesses (semantics reference §8).
"""

from __future__ import annotations

import base64
import json

import pytest

from ._support import (
    BATCH,
    REQUIRED,
    SINGLE,
    Wire,
    cloud_event,
    error_view,
    omit,
    service_error,
)

MAX_BYTES = 1_048_576
BINARY_HEADERS = {
    "ce-id": "e1",
    "ce-source": "/orders",
    "ce-type": "Order.Created",
    "ce-specversion": "1.0",
}


def bad_request(message: str) -> dict[str, object]:
    return service_error(400, "BadRequest", message)


INVALID_BATCHES = [
    pytest.param(
        b"not json",
        "The request body is not valid JSON: Expecting value: line 1 column 1 (char 0)",
        id="malformed JSON",
    ),
    pytest.param(
        b"",
        "The request body is not valid JSON: Expecting value: line 1 column 1 (char 0)",
        id="empty body",
    ),
    pytest.param(
        b'[{"id": "e1", "source": "/orders", "type": "T", "specversion": "1.0", "data": NaN}]',
        "The request body is not valid JSON: NaN is not a JSON value",
        id="NaN is not JSON",
    ),
    pytest.param(cloud_event(), "A CloudEvents batch must be a JSON array", id="object as batch"),
    pytest.param(["e1"], "Each CloudEvent must be a JSON object", id="string as event"),
    *(
        pytest.param([cloud_event(**{name: omit})], f"`{name}` attribute is required", id=name)
        for name in REQUIRED
    ),
    # REC: TestSimpleErrors.json sends every required attribute empty and gets the id one.
    *(
        pytest.param(
            [cloud_event(**{name: ""})], f"`{name}` must be non-empty string", id=f"empty {name}"
        )
        for name in REQUIRED
    ),
    pytest.param([cloud_event(id=None)], "`id` attribute is required", id="null id"),
    pytest.param([cloud_event(id=7)], "`id` must be non-empty string", id="number id"),
    pytest.param(
        [cloud_event(specversion="0.3")], "`specversion` must be 1.0", id="wrong specversion"
    ),
    pytest.param(
        [cloud_event(data="a", data_base64="YQ==")],
        "`data` and `data_base64` cannot both be present",
        id="data and data_base64",
    ),
    pytest.param(
        [cloud_event(data_base64="not base64!")],
        "`data_base64` must be a base64 string",
        id="bad base64",
    ),
    pytest.param(
        [cloud_event(data_base64=12)], "`data_base64` must be a base64 string", id="number base64"
    ),
    *(
        pytest.param(
            [cloud_event(**{name: "x"})],
            f"Extension attribute name '{name}' is invalid: use 1 to 20 lower-case letters "
            "or digits",
            id=f"extension {name}",
        )
        for name in ("Tenant", "tenant_id", "tenant-id", "a" * 21)
    ),
    pytest.param(
        [cloud_event(tenant={"id": 1})],
        "Extension attribute 'tenant' must be a string, number or boolean",
        id="object extension",
    ),
    *(
        pytest.param([cloud_event(**{name: 5})], f"`{name}` must be a string", id=f"number {name}")
        for name in ("subject", "datacontenttype", "dataschema")
    ),
    *(
        pytest.param(
            [cloud_event(time=time)], "`time` must be a valid RFC 3339 timestamp", id=f"time {time}"
        )
        for time in (
            "yesterday",
            5,
            "2024-01-01",
            "2024-01-01T00:00:00",
            "2024-13-01T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01T00:00:00+01:60",
            "9999-12-31T23:00:00-01:00",
            "\u0662\u0660\u0662\u0664-01-01T00:00:00Z",
        )
    ),
    pytest.param(
        [cloud_event(id="fine"), cloud_event(id="broken", source=omit)],
        "`source` attribute is required",
        id="one bad event in a batch",
    ),
]


@pytest.mark.parametrize(("body", "message"), INVALID_BATCHES)
def test_an_invalid_batch_is_refused_and_nothing_is_published(
    wire: Wire, body: object, message: str
) -> None:
    wire.seed()
    before = wire.state()

    response = wire.publish(body)

    assert error_view(response) == bad_request(message)
    assert wire.state() == before


def test_the_service_reports_the_first_missing_attribute_it_checks(wire: Wire) -> None:
    # REC: test_publish_cloud_event_bad_request.json (no `source`).
    event = cloud_event(source=omit, data="{'itemSku': 'Contoso Item SKU #1'}")

    response = wire.publish([event])

    assert error_view(response) == bad_request("`source` attribute is required")


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        pytest.param(None, [cloud_event()], "CONTENT-TYPE is not provided", id="no content type"),
        *(
            pytest.param(
                media,
                [cloud_event()],
                f"Content-Type '{media}' is not supported: send application/cloudevents+json, "
                "application/cloudevents-batch+json, or binary mode with ce-* headers",
                id=media,
            )
            for media in ("application/json", "text/plain")
        ),
        pytest.param(
            SINGLE, [cloud_event()], "Each CloudEvent must be a JSON object", id="array as single"
        ),
    ],
)
def test_a_content_type_that_is_no_cloudevents_mode_is_refused(
    wire: Wire, content_type: str | None, body: object, message: str
) -> None:
    wire.seed()
    before = wire.state()

    response = wire.publish(body, content_type=content_type)

    assert error_view(response) == bad_request(message)
    assert wire.state() == before


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param(SINGLE, cloud_event(), id="single"),
        pytest.param(BATCH, [cloud_event()], id="batch"),
        pytest.param("Application/CloudEvents+JSON", cloud_event(), id="media type case"),
    ],
)
def test_structured_events_are_published_with_an_empty_json_answer(
    wire: Wire, content_type: str, body: object
) -> None:
    response = wire.publish(body, content_type=content_type)

    assert (response.status, response.headers, response.body) == (
        200,
        {"Content-Type": "application/json", "Content-Length": "2", "Date": wire.http_date()},
        b"{}",
    )
    assert wire.published() == [cloud_event()]


def test_extensions_and_null_data_are_stored_as_sent(wire: Wire) -> None:
    event = cloud_event(data=None, tenant="t1", priority=3, urgent=True, subject="s")

    wire.publish([event])

    assert wire.receive_event() == event


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        # REC: dotnet/ReleaseWithDelay.json
        ("2024-04-10T10:12:57.7986078-07:00", "2024-04-10T17:12:57.7986078Z"),
        # REC: dotnet/PublishBinaryModeEvent.json (trailing zero of the fraction dropped)
        ("2024-04-10T10:12:46.2525140-07:00", "2024-04-10T17:12:46.252514Z"),
        # REC: python test_publish_binary_mode_cloud_event.json (space separator)
        ("2023-11-05 19:18:58.193769+00:00", "2023-11-05T19:18:58.193769Z"),
        ("2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00Z"),
        ("2024-01-01T00:00:00.123456789Z", "2024-01-01T00:00:00.1234567Z"),
        ("2024-01-01T23:30:00+05:30", "2024-01-01T18:00:00Z"),
        ("2024-12-31T23:30:00.5-01:00", "2025-01-01T00:30:00.5Z"),
        ("2024-01-01t00:00:00z", "2024-01-01T00:00:00Z"),
        ("0999-01-01T00:00:00Z", "0999-01-01T00:00:00Z"),
    ],
)
def test_time_is_stored_in_utc_z_form(wire: Wire, sent: str, stored: str) -> None:
    wire.publish([cloud_event(time=sent)])

    assert wire.receive_event()["time"] == stored


# -- binary mode -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body", "data"),
    [
        # REC: python test_publish_binary_mode_cloud_event.json, .._xml.json
        ("text/plain", b"this is binary data", {"data": "this is binary data"}),
        ("text/xml", b"<a>1</a>", {"data": "<a>1</a>"}),
        # REC: dotnet/PublishBinaryModeEvent.json: JSON text sent as text/plain stays text
        ("text/plain", b'{"Name":"Bob","Age":18}', {"data": '{"Name":"Bob","Age":18}'}),
        # Guesses from the docs: */json and */*+json come back as a JSON value.
        ("application/json", b'{"a": [1, 2]}', {"data": {"a": [1, 2]}}),
        ("application/vnd.orders+json; charset=utf-8", b"[true]", {"data": [True]}),
        ("application/xml", b"<a/>", {"data": "<a/>"}),
        # REC: go TestPublishCloudEvent_binaryMode.json
        ("application/customcontenttype", b"\x01\x02\x03", {"data_base64": "AQID"}),
        ("application/octet-stream", b"\xff\x00", {"data_base64": "/wA="}),
        ("application/octet-stream", b"", {}),
    ],
)
def test_binary_mode_stores_the_body_by_media_type(
    wire: Wire, content_type: str, body: bytes, data: dict[str, object]
) -> None:
    response = wire.publish(body, content_type=content_type, headers=BINARY_HEADERS)

    assert response.status == 200
    assert wire.receive_event() == {
        **cloud_event(),
        "datacontenttype": content_type,
        **data,
    }


def test_binary_mode_headers_become_attributes_and_extensions_stay_strings(wire: Wire) -> None:
    # REC: go TestPublishCloudEvent_binaryModeUseOptionalValues.json
    headers = {
        "Ce-Id": "e1",
        "Ce-Source": "/orders",
        "Ce-Type": "Order.Created",
        "Ce-Specversion": "1.0",
        "Ce-Subject": "my subject",
        "Ce-Dataschema": "https://microsoft.com",
        "Ce-Time": "2006-01-02T15:04:05+01:00",
        "Ce-Extensiondataint": "101",
        "Ce-Extensiondatatime": "2006-01-02T15:04:05+01:00",
        "ce-label": "caf%C3%A9",
    }

    wire.publish(b"\x01\x02\x03", content_type="application/customcontenttype", headers=headers)

    assert wire.receive_event() == {
        **cloud_event(),
        "subject": "my subject",
        "dataschema": "https://microsoft.com",
        "time": "2006-01-02T14:04:05Z",
        "extensiondataint": "101",
        "extensiondatatime": "2006-01-02T15:04:05+01:00",
        "label": "café",
        "datacontenttype": "application/customcontenttype",
        "data_base64": "AQID",
    }


@pytest.mark.parametrize(
    ("content_type", "headers", "body", "message"),
    [
        # REC: go TestPublishCloudEvent_binaryModeNoContentType*.json
        (None, BINARY_HEADERS, b"\x01\x02\x03", "CONTENT-TYPE is not provided"),
        (
            "text/plain",
            {**BINARY_HEADERS, "ce-datacontenttype": "text/plain"},
            b"x",
            "`ce-datacontenttype` must not be sent in binary mode",
        ),
        (
            "application/json",
            BINARY_HEADERS,
            b"{",
            "The request body is not valid JSON: Expecting property name enclosed in double "
            "quotes: line 1 column 2 (char 1)",
        ),
        (
            "text/plain",
            {**BINARY_HEADERS, "ce-source": ""},
            b"x",
            "`source` must be non-empty string",
        ),
        (
            "text/plain",
            {key: value for key, value in BINARY_HEADERS.items() if key != "ce-type"},
            b"x",
            "`type` attribute is required",
        ),
        (
            "text/plain",
            {**BINARY_HEADERS, "ce-specversion": "0.3"},
            b"x",
            "`specversion` must be 1.0",
        ),
        (
            "text/plain",
            {**BINARY_HEADERS, "ce-time": "soon"},
            b"x",
            "`time` must be a valid RFC 3339 timestamp",
        ),
        (
            "text/plain",
            {**BINARY_HEADERS, "ce-tenant_id": "t1"},
            b"x",
            "Extension attribute name 'tenant_id' is invalid: use 1 to 20 lower-case letters "
            "or digits",
        ),
    ],
    ids=[
        "no content type",
        "ce-datacontenttype",
        "bad JSON",
        "empty source",
        "no type",
        "wrong specversion",
        "bad time",
        "bad extension name",
    ],
)
def test_an_invalid_binary_mode_event_is_refused(
    wire: Wire,
    content_type: str | None,
    headers: dict[str, str],
    body: bytes,
    message: str,
) -> None:
    wire.seed()
    before = wire.state()

    response = wire.publish(body, content_type=content_type, headers=headers)

    assert error_view(response) == bad_request(message)
    assert wire.state() == before


# -- limits ----------------------------------------------------------------------------


def padded_batch(size: int) -> bytes:
    """A one-event batch of exactly `size` bytes."""
    empty = json.dumps([cloud_event(data="")]).encode()
    return json.dumps([cloud_event(data="x" * (size - len(empty)))]).encode()


def test_a_request_of_exactly_the_size_limit_is_published(wire: Wire) -> None:
    body = padded_batch(MAX_BYTES)
    assert len(body) == MAX_BYTES

    assert wire.publish(body).status == 200
    assert len(wire.published()) == 1


@pytest.mark.parametrize(
    ("content_type", "headers", "body"),
    [
        pytest.param(BATCH, {}, padded_batch(MAX_BYTES + 1), id="request over 1 MiB"),
        pytest.param(
            "application/octet-stream",
            BINARY_HEADERS,
            b"\x00" * 800_000,
            id="event over 1 MiB once base64-encoded",
        ),
        pytest.param(
            "application/octet-stream",
            BINARY_HEADERS,
            b"\x00" * (MAX_BYTES + 1),
            id="binary request over 1 MiB",
        ),
    ],
)
def test_an_oversize_publish_is_refused_with_413(
    wire: Wire, content_type: str, headers: dict[str, str], body: bytes
) -> None:
    wire.seed()
    before = wire.state()

    response = wire.publish(body, content_type=content_type, headers=headers)

    assert error_view(response) == service_error(
        413, "RequestEntityTooLarge", f"The maximum size ({MAX_BYTES}) has been exceeded."
    )
    assert wire.state() == before


def test_a_batch_of_1000_events_is_published_and_1001_are_refused(wire: Wire) -> None:
    events = [cloud_event(id=str(number)) for number in range(1001)]

    refused = wire.publish(events)
    accepted = wire.publish(events[:1000])

    assert error_view(refused) == bad_request("A request may hold at most 1000 events; got 1001")
    assert accepted.status == 200
    assert [event["id"] for event in wire.published()] == [str(n) for n in range(1000)]


def test_an_empty_batch_publishes_nothing(wire: Wire) -> None:
    response = wire.publish([])

    assert (response.status, response.body) == (200, b"{}")
    assert wire.published() == []


def test_binary_data_round_trips_through_base64(wire: Wire) -> None:
    data = bytes(range(256))

    wire.publish(data, content_type="application/octet-stream", headers=BINARY_HEADERS)

    assert base64.b64decode(wire.receive_event()["data_base64"]) == data
