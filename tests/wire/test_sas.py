"""SAS tokens made by azure.eventgrid.generate_sas, checked as the service checks them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from azure.eventgrid import generate_sas

from pytest_eventgrid._wire._sas import check_sas_token

KEY = "cHl0ZXN0LWV2ZW50Z3JpZC1mYWtlLWtleQ=="
ENDPOINT = "https://topic.westus-1.eventgrid.azure.net/api/events"
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
EXPIRY = NOW + timedelta(hours=1)


def token(key: str = KEY, endpoint: str = ENDPOINT, expiry: datetime = EXPIRY) -> str:
    return generate_sas(endpoint, key, expiry)


def test_a_token_from_the_sdk_is_valid():
    check = check_sas_token(token(), key=KEY, url=f"{ENDPOINT}?api-version=2018-01-01", now=NOW)
    assert check.valid
    assert check.reason is None


@pytest.mark.parametrize(
    ("sas", "url", "now", "reason"),
    [
        (token(key="aGVsbG8="), ENDPOINT, NOW, "the signature does not match"),
        (token(), ENDPOINT, EXPIRY, "the token expired at 2026-01-01T01:00:00+00:00"),
        (
            token(),
            "https://other.westus-1.eventgrid.azure.net/api/events",
            NOW,
            "the token was signed for another resource",
        ),
        ("not a token", ENDPOINT, NOW, "the token is not of the form r=...&e=...&s=..."),
        (token().replace("&s=", "&s=x"), ENDPOINT, NOW, "the signature does not match"),
    ],
)
def test_forged_expired_and_misdirected_tokens_are_refused(
    sas: str, url: str, now: datetime, reason: str
):
    assert check_sas_token(sas, key=KEY, url=url, now=now).reason == reason


def test_a_key_that_is_not_base64_cannot_verify_anything():
    assert check_sas_token(token(), key="not base64!", url=ENDPOINT, now=NOW).reason == (
        "the access key is not valid base64"
    )


def test_a_token_covers_every_resource_below_the_signed_one():
    root = generate_sas("https://topic.westus-1.eventgrid.azure.net", KEY, EXPIRY)
    assert check_sas_token(root, key=KEY, url=ENDPOINT, now=NOW).valid
