"""Settings come from `ORDERS_*` environment variables."""

from __future__ import annotations

import pytest
from azure.eventgrid.models import ReleaseDelay
from orders import ConfigurationError, Settings

REQUIRED = {
    "ORDERS_EVENTGRID_ENDPOINT": "https://shop.westus-1.eventgrid.azure.net",
    "ORDERS_EVENTGRID_KEY": "secret",
}


def test_defaults_apply_to_what_is_not_set():
    settings = Settings.from_env(REQUIRED)

    assert settings == Settings(
        endpoint="https://shop.westus-1.eventgrid.azure.net",
        key="secret",
        topic="orders-topic",
        subscription="order-processor",
        release_delay=ReleaseDelay.ONE_MINUTE,
        max_events=10,
        max_wait_time=60,
    )
    assert settings.credential.key == "secret"


def test_every_setting_can_be_set():
    settings = Settings.from_env(
        {
            **REQUIRED,
            "ORDERS_EVENTGRID_TOPIC": "orders",
            "ORDERS_EVENTGRID_SUBSCRIPTION": "billing",
            "ORDERS_RELEASE_DELAY_SECONDS": "600",
            "ORDERS_MAX_EVENTS": "100",
            "ORDERS_MAX_WAIT_TIME_SECONDS": "10",
        }
    )

    assert (settings.topic, settings.subscription) == ("orders", "billing")
    assert settings.release_delay is ReleaseDelay.TEN_MINUTES
    assert (settings.max_events, settings.max_wait_time) == (100, 10)


def test_the_process_environment_is_the_default(monkeypatch):
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)

    assert Settings.from_env() == Settings.from_env(REQUIRED)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"ORDERS_EVENTGRID_ENDPOINT": "", "ORDERS_EVENTGRID_KEY": ""},
            "Set the environment variable(s) ORDERS_EVENTGRID_ENDPOINT, ORDERS_EVENTGRID_KEY.",
        ),
        (
            {"ORDERS_RELEASE_DELAY_SECONDS": "30"},
            "ORDERS_RELEASE_DELAY_SECONDS must be one of 0, 10, 60, 600, 3600; got '30'.",
        ),
        (
            {"ORDERS_MAX_EVENTS": "101"},
            "ORDERS_MAX_EVENTS must be an integer from 1 to 100; got '101'.",
        ),
        (
            {"ORDERS_MAX_WAIT_TIME_SECONDS": "soon"},
            "ORDERS_MAX_WAIT_TIME_SECONDS must be an integer from 10 to 120; got 'soon'.",
        ),
    ],
    ids=["missing", "release-delay", "max-events", "max-wait-time"],
)
def test_bad_settings_say_what_to_fix(changes, message):
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({**REQUIRED, **changes})

    assert str(raised.value) == message
