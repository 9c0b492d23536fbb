"""Routes, api-versions, unknown topics and subscriptions, and access keys."""

from __future__ import annotations

import pytest

from pytest_eventgrid._wire import WireResponse

from ._support import (
    API,
    ROUTES,
    SUBSCRIPTION,
    TOPIC,
    Wire,
    cloud_event,
    error_view,
    not_served,
    service_error,
)

SETTLEMENTS = ("acknowledge", "release", "reject", "renewLock")
ALL_OPERATIONS = ("publish", "receive", *SETTLEMENTS)


def send(
    wire: Wire,
    operation: str,
    *,
    topic: str = TOPIC,
    subscription: str = SUBSCRIPTION,
    api_version: str | None = API,
    headers: dict[str, str] | None = None,
    token: str = "faketoken",
) -> WireResponse:
    """One well-formed request for `operation`."""
    if operation == "publish":
        return wire.publish([cloud_event()], topic=topic, api_version=api_version, headers=headers)
    return wire.operation(
        operation,
        body=None if operation == "receive" else {"lockTokens": [token]},
        topic=topic,
        subscription=subscription,
        api_version=api_version,
        headers=headers,
    )


@pytest.mark.parametrize("operation", ALL_OPERATIONS)
@pytest.mark.parametrize(
    ("version", "message"),
    [
        (None, "The api-version query parameter is required"),
        (
            "2099-01-01",
            "The api-version '2099-01-01' is not supported. Supported api-versions: "
            "2023-06-01-preview, 2023-10-01-preview, 2023-11-01, 2024-06-01",
        ),
    ],
    ids=["missing", "unknown"],
)
def test_an_unknown_or_missing_api_version_is_refused(
    wire: Wire, operation: str, version: str | None, message: str
) -> None:
    wire.seed()
    before = wire.state()

    response = send(wire, operation, api_version=version)

    assert error_view(response) == service_error(400, "BadRequest", message)
    assert wire.state() == before


@pytest.mark.parametrize("operation", ALL_OPERATIONS)
def test_an_unknown_topic_is_not_found_and_not_created(wire: Wire, operation: str) -> None:
    # REC: python test_{publish,receive,acknowledge,release,reject}_cloud_event_not_found.json
    wire.seed()
    before = wire.state()

    response = send(wire, operation, topic="faketopic")

    assert error_view(response) == service_error(404, "NotFound", "Topic 'faketopic' is not found")
    assert wire.state() == before


@pytest.mark.parametrize("operation", ["receive", *SETTLEMENTS])
def test_an_unknown_subscription_is_not_found_and_not_created(wire: Wire, operation: str) -> None:
    wire.seed()
    before = wire.state()

    response = send(wire, operation, subscription="fakesub")

    assert error_view(response) == service_error(
        404, "NotFound", "Event subscription 'fakesub' is not found"
    )
    assert wire.state() == before


def test_the_python_recordings_api_events_prefix_is_served(wire: Wire) -> None:
    # The Python recordings' endpoint ends in /api/events (semantics §1.7).
    prefix = "/api/events"

    def lock() -> tuple[str, int]:
        answer = wire.operation("receive", prefix=prefix).json()
        (item,) = answer["value"]
        return item["brokerProperties"]["lockToken"], item["brokerProperties"]["deliveryCount"]

    published = wire.publish([cloud_event()], prefix=prefix)
    first, _ = lock()
    settled = [wire.settle(name, [first], prefix=prefix) for name in ("renewLock", "release")]
    second, count = lock()
    rejected = wire.settle("reject", [second], prefix=prefix)

    assert published.status == 200
    assert [answer.json()["succeededLockTokens"] for answer in settled] == [[first], [first]]
    assert count == 2
    assert rejected.json()["succeededLockTokens"] == [second]


# -- access keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Authorization": "SharedAccessKey secret"}, id="SharedAccessKey"),
        pytest.param({"authorization": "sharedaccesskey  secret "}, id="any case and spacing"),
        pytest.param({"aeg-sas-key": "secret"}, id="aeg-sas-key"),
        pytest.param({"Authorization": "Bearer eyJ0eXAi"}, id="any Bearer token"),
    ],
)
@pytest.mark.parametrize("operation", ALL_OPERATIONS)
def test_a_request_with_the_access_key_is_served(headers: dict[str, str], operation: str) -> None:
    wire = Wire(key="secret")
    token = wire.seed()

    response = send(wire, operation, headers=headers, token=token)

    assert response.status == 200


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no credential"),
        pytest.param({"Authorization": "SharedAccessKey wrong"}, id="wrong key"),
        pytest.param({"Authorization": "SharedAccessKey"}, id="no key"),
        pytest.param({"aeg-sas-key": "wrong"}, id="wrong aeg-sas-key"),
        pytest.param({"Authorization": "Bearer "}, id="empty Bearer"),
        pytest.param({"Authorization": "Basic c2VjcmV0"}, id="other scheme"),
    ],
)
@pytest.mark.parametrize("operation", ALL_OPERATIONS)
def test_a_request_without_the_access_key_is_unauthorized(
    headers: dict[str, str], operation: str
) -> None:
    wire = Wire(key="secret")
    token = wire.seed()
    before = wire.state()

    response = send(wire, operation, headers=headers, token=token)

    assert error_view(response) == service_error(
        401,
        "Unauthorized",
        "The request authorization key is not authorized for "
        "TEST-NAMESPACE.WESTUS-1.EVENTGRID.AZURE.NET.",
    )
    assert wire.state() == before


# -- requests the fake does not serve ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/topics/orders:publish"),
        ("PUT", "/topics/orders:publish"),
        ("DELETE", "/topics/orders/eventsubscriptions/billing:receive"),
        ("POST", "/topics/orders:frobnicate"),
        ("POST", "/topics/orders/eventsubscriptions/billing:peek"),
        ("POST", "/topics/orders/eventsubscriptions/billing:Receive"),
        ("POST", "/topics/orders"),
        ("POST", "/api/events"),
        ("POST", "/"),
    ],
)
def test_an_unserved_route_is_a_404_that_lists_what_is_served(
    wire: Wire, method: str, path: str
) -> None:
    wire.seed()
    before = wire.state()
    url = wire.url(path, {"api-version": API})

    response = wire.send(method, url, body=b"{}")

    assert error_view(response) == service_error(
        404, "NotFound", not_served(method, url, wire.host)
    )
    assert wire.state() == before


def test_the_404_message_for_an_unserved_route_reads_in_full(wire: Wire) -> None:
    url = wire.url("/topics/orders:peek")

    message = error_view(wire.send("POST", url))["message"]

    assert message == (
        "pytest-eventgrid cannot serve POST "
        "https://test-namespace.westus-1.eventgrid.azure.net/topics/orders:peek\n"
        "On host 'test-namespace.westus-1.eventgrid.azure.net' the fake Event Grid serves:\n"
        "  - POST /topics/{topic}:publish\n"
        "  - POST /topics/{topic}/eventsubscriptions/{subscription}:receive\n"
        "  - POST /topics/{topic}/eventsubscriptions/{subscription}:acknowledge\n"
        "  - POST /topics/{topic}/eventsubscriptions/{subscription}:release\n"
        "  - POST /topics/{topic}/eventsubscriptions/{subscription}:reject\n"
        "  - POST /topics/{topic}/eventsubscriptions/{subscription}:renewLock\n"
        "See https://pytest-eventgrid.readthedocs.io/en/latest/fidelity/#unsupported-requests"
    )
    assert len(ROUTES) == 6


def test_a_host_that_is_no_event_grid_host_serves_nothing(wire: Wire) -> None:
    before = wire.state()
    url = "https://example.com/topics/orders:publish?api-version=2024-06-01"

    response = wire.send("POST", url, body=b"[]")

    assert error_view(response) == service_error(
        404, "NotFound", not_served("POST", url, "example.com", routes=())
    )
    assert wire.state() == before
