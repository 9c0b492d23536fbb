"""`POST /api/events` straight through the wire: schemas, validation, limits, answers.

Messages marked REC are the real service's (tests/fidelity/recordings, or quoted in
the SDK issues named); the others are the fake's documented guesses.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from pytest_eventgrid import EventGrid

from ._support import (
    API,
    CLOUDEVENT_SINGLE,
    CLOUDEVENTS_BATCH,
    EVENTGRID_JSON,
    SUBSCRIPTION_PATH,
    BasicWire,
    bad_request,
    basic_error,
    cloud_event,
    eventgrid_event,
    expected_error,
    omit,
)

MAX_REQUEST = 1_536_000
MAX_EVENT = 1_049_600
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def compact(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def event_of_size(size: int, *, filler: str = "x", **fields: Any) -> dict[str, Any]:
    """An EventGridEvent whose compact JSON is exactly `size` bytes (UTF-8)."""
    event = eventgrid_event(data="", **fields)
    room = size - len(compact(event))
    width = len(filler.encode())
    return {**event, "data": "x" * (room % width) + filler * (room // width)}


# -- success -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "content_type", "event"),
    [
        (None, EVENTGRID_JSON, eventgrid_event()),
        (None, CLOUDEVENTS_BATCH, cloud_event()),
        ("custom", "application/json", {"anything": ["goes"]}),
    ],
    ids=["eventgrid", "cloudevents", "custom"],
)
def test_a_publish_is_answered_200_with_an_empty_body(
    eventgrid: EventGrid, schema: str | None, content_type: str, event: dict[str, Any]
) -> None:
    wire = BasicWire(eventgrid, eventgrid.basic_topic("orders", schema=schema))

    response = wire.publish([event], content_type=content_type)

    assert (response.status, response.body) == (200, b"")
    headers = dict(response.headers)
    assert GUID.fullmatch(headers.pop("x-ms-request-id"))
    assert headers.pop("Date").endswith(" GMT")
    # REC: every recorded Basic 200 (test_eg_publisher_client..., CanPublish...).
    assert headers == {
        "api-supported-versions": API,
        "Content-Length": "0",
        "Server": "Microsoft-HTTPAPI/2.0",
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    }


def test_an_eventgrid_event_is_stored_as_the_service_stamps_it(wire: BasicWire) -> None:
    wire.publish([eventgrid_event(eventTime="2030-01-01T02:00:00.1234560+02:00")])

    [stored] = wire.topic._topic.published
    assert stored.schema == "eventgrid"
    assert stored.event == {
        **eventgrid_event(),
        "eventTime": "2030-01-01T00:00:00.123456Z",
        "topic": f"{SUBSCRIPTION_PATH}/topics/orders",
        "metadataVersion": "1",
    }


def test_a_cloud_event_is_stored_with_its_time_in_utc(wire: BasicWire) -> None:
    wire.publish(
        [cloud_event(time="2030-01-01T02:00:00+02:00", ext1="x")], content_type=CLOUDEVENTS_BATCH
    )

    [stored] = wire.topic._topic.published
    assert stored.schema == "cloudevents"
    assert stored.event == cloud_event(time="2030-01-01T00:00:00Z", ext1="x")


@pytest.mark.parametrize("content_type", [EVENTGRID_JSON, CLOUDEVENTS_BATCH])
def test_basic_data_keeps_the_order_it_was_sent_in(wire: BasicWire, content_type: str) -> None:
    # Unlike a namespace receive (REC: sorted keys), nothing shows the Basic tier
    # re-sorting `data` for push delivery: the fake keeps it as sent (UNCONFIRMED).
    data = {"b": 1, "a": {"d": 1, "c": 2}}
    event = eventgrid_event(data=data) if content_type == EVENTGRID_JSON else cloud_event(data=data)

    wire.publish([event], content_type=content_type)

    [stored] = wire.topic._topic.published
    assert (list(stored.event["data"]), list(stored.event["data"]["a"])) == (["b", "a"], ["d", "c"])


def test_a_request_may_carry_many_events_and_keeps_their_order(wire: BasicWire) -> None:
    events = [eventgrid_event(id=f"e{n}") for n in range(50)]

    assert wire.publish(events).status == 200

    assert [item.event["id"] for item in wire.topic._topic.published] == [
        f"e{n}" for n in range(50)
    ]


# -- validation ----------------------------------------------------------------------------

EVENTGRID_ERRORS = [
    # REC arcus-azure/arcus.eventgrid#145: a single object instead of an array.
    pytest.param(
        eventgrid_event(),
        "Unexpected token when reading JSON. Expected: StartArray, actual: StartObject.",
        id="object, not array",
    ),
    pytest.param(
        "events",
        "Unexpected token when reading JSON. Expected: StartArray, actual: String.",
        id="string, not array",
    ),
    pytest.param(
        7, "Unexpected token when reading JSON. Expected: StartArray, actual: Integer.", id="number"
    ),
    pytest.param(
        None, "Unexpected token when reading JSON. Expected: StartArray, actual: Null.", id="null"
    ),
    pytest.param(
        [eventgrid_event(), "e2"],
        "Unexpected token when reading JSON. Expected: StartObject, actual: String. Path '[1]'.",
        id="string as event",
    ),
    *(
        pytest.param(
            [eventgrid_event(**{name: omit})],
            f"Required property '{name}' not found in JSON. Path '[0]'.",
            id=f"no {name}",
        )
        for name in ("id", "subject", "data", "eventType", "eventTime", "dataVersion")
    ),
    *(
        pytest.param(
            [eventgrid_event(), eventgrid_event(**{name: ""})],
            f"Property '{name}' must be a non-empty string. Path '[1]'.",
            id=f"empty {name}",
        )
        for name in ("id", "eventType", "dataVersion")
    ),
    pytest.param(
        [eventgrid_event(subject=7)],
        "Property 'subject' must be a non-empty string. Path '[0]'.",
        id="number subject",
    ),
    pytest.param(
        [eventgrid_event(eventTime="yesterday")],
        "Property 'eventTime' must be an RFC 3339 date-time. Path '[0]'.",
        id="bad eventTime",
    ),
    pytest.param(
        [eventgrid_event(metadataVersion="2")],
        "Property 'metadataVersion' must be '1'. Path '[0]'.",
        id="metadataVersion 2",
    ),
    # REC microsoft/onefuzz#3285: a property the schema does not have.
    pytest.param(
        [eventgrid_event(sas_url="https://x")],
        "This resource is configured for 'EventGridEvent' schema. Received unexpected "
        "property 'sas_url' in JSON which does not conform to the expected schema.",
        id="unexpected property",
    ),
    pytest.param(
        b"[{not json",
        "The request body is not valid JSON: Expecting property name enclosed in double "
        "quotes: line 1 column 3 (char 2)",
        id="malformed JSON",
    ),
]


@pytest.mark.parametrize(("body", "message"), EVENTGRID_ERRORS)
def test_a_bad_eventgrid_request_is_refused_whole(
    wire: BasicWire, body: object, message: str
) -> None:
    response = wire.publish(body)

    assert basic_error(response) == bad_request(message)
    assert wire.topic.published == []


@pytest.mark.parametrize(
    ("event", "message"),
    [
        *(
            pytest.param(
                cloud_event(**{name: omit}), f"`{name}` attribute is required. Path '[0]'.", id=name
            )
            for name in ("id", "source", "type", "specversion")
        ),
        pytest.param(
            cloud_event(specversion="0.3"), "`specversion` must be 1.0. Path '[0]'.", id="0.3"
        ),
        pytest.param(
            cloud_event(data_base64="YQ=="),
            "`data` and `data_base64` cannot both be present. Path '[0]'.",
            id="data and data_base64",
        ),
    ],
)
def test_a_bad_cloud_event_is_refused(wire: BasicWire, event: dict[str, Any], message: str) -> None:
    response = wire.publish([event], content_type=CLOUDEVENTS_BATCH)

    assert basic_error(response) == bad_request(message)
    assert wire.topic.published == []


def test_a_cloud_event_on_an_eventgrid_schema_topic_fails_on_its_first_foreign_property(
    eventgrid: EventGrid,
) -> None:
    wire = BasicWire(eventgrid, eventgrid.basic_topic("orders", schema="eventgrid"))

    response = wire.publish([cloud_event()], content_type=CLOUDEVENTS_BATCH)

    # REC azure-sdk-for-python#16055: the service reads the body in the topic's schema.
    assert basic_error(response) == bad_request(
        "This resource is configured for 'EventGridEvent' schema. Received unexpected "
        "property 'source' in JSON which does not conform to the expected schema."
    )


@pytest.mark.parametrize("content_type", [EVENTGRID_JSON, "application/json", None])
def test_a_cloudevents_topic_refuses_what_is_not_sent_as_cloudevents(
    eventgrid: EventGrid, content_type: str | None
) -> None:
    wire = BasicWire(eventgrid, eventgrid.basic_topic("orders", schema="cloudevents"))

    response = wire.publish([eventgrid_event()], content_type=content_type)

    # REC azure-sdk-for-python#15941: an EventGridEvent batch to a CloudEvents topic.
    assert basic_error(response) == bad_request(
        "This resource is configured to receive event in 'CloudEventV10' schema. The JSON "
        "received does not conform to the expected schema. Token Expected: StartObject, "
        "Actual Token Received: StartArray."
    )


@pytest.mark.parametrize(
    ("schema", "content_type"),
    [
        (None, CLOUDEVENT_SINGLE),
        ("cloudevents", CLOUDEVENT_SINGLE),
        ("cloudevents", EVENTGRID_JSON),
    ],
    ids=["cloudevents+json", "cloudevents topic", "cloudevents topic, application/json"],
)
def test_one_cloud_event_may_come_alone_in_structured_mode(
    eventgrid: EventGrid, schema: str | None, content_type: str
) -> None:
    # UNCONFIRMED for Basic: the CloudEvents HTTP binding's structured mode.
    wire = BasicWire(eventgrid, eventgrid.basic_topic("payments", schema=schema))

    assert wire.publish(cloud_event(), content_type=content_type).status == 200
    assert basic_error(wire.publish([cloud_event()], content_type=content_type)) == bad_request(
        "This resource is configured to receive event in 'CloudEventV10' schema. The JSON "
        "received does not conform to the expected schema. Token Expected: StartObject, "
        "Actual Token Received: StartArray."
    )
    assert [event.id for event in wire.topic.published] == ["c1"]


def test_a_cloudevents_batch_must_be_an_array(wire: BasicWire) -> None:
    response = wire.publish(cloud_event(), content_type=CLOUDEVENTS_BATCH)

    assert basic_error(response) == bad_request(
        "Unexpected token when reading JSON. Expected: StartArray, actual: StartObject."
    )


@pytest.mark.parametrize("content_type", [EVENTGRID_JSON, CLOUDEVENTS_BATCH])
def test_a_custom_schema_topic_takes_any_objects_in_any_content_type(
    eventgrid: EventGrid, content_type: str
) -> None:
    wire = BasicWire(eventgrid, eventgrid.basic_topic("audit", schema="custom"))

    assert wire.publish([{"user": "ada"}, {}], content_type=content_type).status == 200
    assert basic_error(wire.publish([{"user": "ada"}, 7])) == bad_request(
        "Unexpected token when reading JSON. Expected: StartObject, actual: Integer. Path '[1]'."
    )
    assert wire.topic.published == [{"user": "ada"}, {}]


def test_without_a_fixed_schema_the_content_type_decides(wire: BasicWire) -> None:
    assert wire.publish([cloud_event()], content_type=CLOUDEVENTS_BATCH).status == 200
    assert wire.publish([eventgrid_event()], content_type="application/json").status == 200
    assert wire.publish([eventgrid_event()], content_type=None).status == 200

    assert [item.schema for item in wire.topic._topic.published] == [
        "cloudevents",
        "eventgrid",
        "eventgrid",
    ]


# -- the api-version and the path -----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message", "detail"),
    [
        (None, "An API version is required, but was not specified.", "ApiVersionUnspecified"),
        (
            "api-version=2019-01-01",
            "The HTTP resource that matches the request URI "
            "'https://orders.westus-1.eventgrid.azure.net/api/events?api-version=2019-01-01' "
            "does not support the API version '2019-01-01'.",
            "UnsupportedApiVersion",
        ),
    ],
    ids=["missing", "unsupported"],
)
def test_the_api_version_must_be_2018_01_01(
    wire: BasicWire, query: str | None, message: str, detail: str
) -> None:
    response = wire.publish([eventgrid_event()], url=wire.url(query=query))

    assert basic_error(response) == expected_error(400, "BadRequest", message, detail)
    assert wire.topic.published == []


@pytest.mark.parametrize("path", ["/", "/api", "/api/event", "/events"])
def test_a_wrong_path_on_a_basic_host_is_404(wire: BasicWire, path: str) -> None:
    url = wire.url(path=path)

    response = wire.publish([eventgrid_event()], url=url)

    # REC CannotPublishEventMissingApiEventsPathFromUri.json (POST /): no
    # api-supported-versions, detail code ResourceNotFound.
    assert basic_error(response) == expected_error(
        404,
        "NotFound",
        f"No HTTP resource was found that matches the request URI '{url}'.",
        "ResourceNotFound",
        versions=False,
    )


def test_an_error_names_its_request_as_the_report_does(wire: BasicWire) -> None:
    response = wire.publish({"not": "an array"})

    report = re.search(r"Report '([0-9a-f-]{36}):0:", json.loads(response.body)["error"]["message"])
    assert report is not None
    assert response.headers["x-ms-request-id"] == report[1]


def test_the_report_gives_the_virtual_time_in_the_services_format(
    eventgrid: EventGrid, wire: BasicWire
) -> None:
    start = eventgrid.clock.utcnow()
    elapsed_today = start.hour * 3600 + start.minute * 60 + start.second
    eventgrid.clock.advance((13 * 3600 - elapsed_today) % 86400)  # to 1 PM
    now = eventgrid.clock.utcnow()

    message = json.loads(wire.publish({}).body)["error"]["message"]

    assert f":0:{now.month}/{now.day}/{now.year} 1:00:00 PM (UTC)' to our forums" in message


# -- limits --------------------------------------------------------------------------------


def too_large(limit: int) -> dict[str, Any]:
    # REC test_raise_on_large_payload (semantics §3.3): no "Report" sentence.
    return expected_error(
        413,
        "RequestEntityTooLarge",
        f"The maximum size ({limit}) has been exceeded.",
        "PayloadTooLarge",
    )


# "é" is 2 bytes in UTF-8: an event of it has far fewer characters than bytes.
@pytest.mark.parametrize("filler", ["x", "é"])
def test_an_event_may_be_1049600_bytes_of_utf8(wire: BasicWire, filler: str) -> None:
    assert wire.publish([event_of_size(MAX_EVENT, filler=filler)]).status == 200


@pytest.mark.parametrize("filler", ["x", "é"])
def test_an_event_over_1049600_bytes_is_413(wire: BasicWire, filler: str) -> None:
    too_big = event_of_size(MAX_EVENT + len(filler.encode()), filler=filler)

    response = wire.publish([eventgrid_event(id="small"), too_big])

    assert basic_error(response) == too_large(MAX_EVENT)
    assert wire.topic.published == []


def test_a_request_may_be_1536000_bytes(wire: BasicWire) -> None:
    first = event_of_size(1_000_000, id="e1")
    second = event_of_size(MAX_REQUEST - 3 - 1_000_000, id="e2")
    body = compact([first, second])
    assert len(body) == MAX_REQUEST

    assert wire.publish(body).status == 200
    assert len(wire.topic.published) == 2


def test_a_request_over_1536000_bytes_is_413_before_it_is_read(wire: BasicWire) -> None:
    body = b"[" + b" " * (MAX_REQUEST - 1)  # not even JSON

    assert wire.publish(body).status == 400
    assert basic_error(wire.publish(body + b" ")) == too_large(MAX_REQUEST)
