"""`:acknowledge`, `:release`, `:reject`, `:renewLock`: bodies, options and versions."""

from __future__ import annotations

import pytest

from ._support import Wire, error_view, service_error

OPERATIONS = ("acknowledge", "release", "reject", "renewLock")
TOKENS_MESSAGE = "`lockTokens` must be a non-empty array of strings"


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({}, TOKENS_MESSAGE, id="no lockTokens"),
        pytest.param({"lockTokens": []}, TOKENS_MESSAGE, id="empty lockTokens"),
        pytest.param({"lockTokens": "token"}, TOKENS_MESSAGE, id="string lockTokens"),
        pytest.param({"lockTokens": [7]}, TOKENS_MESSAGE, id="number token"),
        pytest.param({"lockTokens": None}, TOKENS_MESSAGE, id="null lockTokens"),
        pytest.param(["token"], TOKENS_MESSAGE, id="array body"),
        pytest.param(
            b"",
            "The request body is not valid JSON: Expecting value: line 1 column 1 (char 0)",
            id="empty body",
        ),
    ],
)
def test_a_settlement_without_a_list_of_tokens_is_refused(
    wire: Wire, operation: str, body: object, message: str
) -> None:
    wire.seed()
    before = wire.state()

    response = wire.operation(operation, body=body)

    assert error_view(response) == service_error(400, "BadRequest", message)
    assert wire.state() == before


@pytest.mark.parametrize(
    ("delay", "expected"),
    [
        ("5", service_error(400, "ArgumentInvalid", "Invalid releaseDelayInSeconds parameter")),
        ("30", service_error(400, "ArgumentInvalid", "Invalid releaseDelayInSeconds parameter")),
        ("7200", service_error(400, "ArgumentInvalid", "Invalid releaseDelayInSeconds parameter")),
        ("-10", service_error(400, "BadRequest", "Error parsing query parameters")),
        ("ten", service_error(400, "BadRequest", "Error parsing query parameters")),
    ],
)
def test_a_release_delay_outside_the_allowed_values_is_refused(
    wire: Wire, delay: str, expected: dict[str, object]
) -> None:
    token = wire.seed()
    before = wire.state()

    response = wire.settle("release", [token], query={"releaseDelayInSeconds": delay})

    assert error_view(response) == expected
    assert wire.state() == before


@pytest.mark.parametrize("delay", [0, 10, 60, 600, 3600])
def test_each_allowed_release_delay_is_accepted(wire: Wire, delay: int) -> None:
    token = wire.seed()

    response = wire.settle("release", [token], query={"releaseDelayInSeconds": str(delay)})

    assert response.json() == {"succeededLockTokens": [token], "failedLockTokens": []}
    subscription = wire.eventgrid.subscription()
    waiting = subscription.delayed if delay else subscription.available
    assert "first" in [event.id for event in waiting]


@pytest.mark.parametrize("version", ["2023-06-01-preview", "2023-11-01"])
def test_versions_without_renew_lock_and_release_delay_refuse_them(
    wire: Wire, version: str
) -> None:
    token = wire.seed()
    before = wire.state()

    renew = wire.settle("renewLock", [token], api_version=version)
    release = wire.settle(
        "release", [token], api_version=version, query={"releaseDelayInSeconds": "10"}
    )

    assert error_view(renew) == service_error(
        404, "NotFound", f"The renewLock operation is not available in api-version {version}"
    )
    assert error_view(release) == service_error(
        400, "BadRequest", f"releaseDelayInSeconds is not supported in api-version {version}"
    )
    assert wire.state() == before


@pytest.mark.parametrize(
    ("version", "failure"),
    [
        # REC: python *_invalid_token.json at assets commit 06179e90 (2023-06-01-preview)
        (
            "2023-06-01-preview",
            {"errorCode": "BadToken", "errorDescription": "Cannot decode lockToken"},
        ),
        # REC: python *_invalid_token.json at f155c8ac (2023-10-01-preview)
        (
            "2023-10-01-preview",
            {"error": {"code": "BadToken", "message": "Cannot decode lockToken"}},
        ),
        ("2023-11-01", {"error": {"code": "BadToken", "message": "Cannot decode lockToken"}}),
        ("2024-06-01", {"error": {"code": "BadToken", "message": "Cannot decode lockToken"}}),
    ],
)
def test_failed_tokens_take_the_shape_of_the_api_version(
    wire: Wire, version: str, failure: dict[str, object]
) -> None:
    token = wire.seed()

    response = wire.settle("acknowledge", [token, "faketoken"], api_version=version)

    assert (response.status, response.headers["Content-Type"]) == (200, "application/json")
    assert response.json() == {
        "succeededLockTokens": [token],
        "failedLockTokens": [{"lockToken": "faketoken", **failure}],
    }


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_settled_token_is_lost_for_every_operation(wire: Wire, operation: str) -> None:
    # REC: go TestFailedAck.json (acknowledge, reject, release after an acknowledge)
    token = wire.seed()
    wire.settle("acknowledge", [token])

    response = wire.settle(operation, [token])

    assert response.json() == {
        "succeededLockTokens": [],
        "failedLockTokens": [
            {"lockToken": token, "error": {"code": "TokenLost", "message": "Token has expired."}}
        ],
    }
