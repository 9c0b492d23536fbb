"""Subscription settings are checked against the service's ranges."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from pytest_eventgrid import SubscriptionSettings, UsageError

DOCS = "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/#topology"
SETTINGS_DOCS = "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/#subscription-settings"


def test_the_defaults_are_the_services() -> None:
    settings = SubscriptionSettings()

    assert (settings.lock_duration, settings.max_delivery_count) == (60, 10)
    assert (settings.time_to_live, settings.dead_letter) == (7 * 24 * 3600, True)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"lock_duration": 60}, SubscriptionSettings(lock_duration=60)),
        ({"lock_duration": timedelta(minutes=5)}, SubscriptionSettings(lock_duration=300)),
        ({"max_delivery_count": 1}, SubscriptionSettings(max_delivery_count=1)),
        ({"time_to_live": timedelta(minutes=1)}, SubscriptionSettings(time_to_live=60)),
        ({"time_to_live": timedelta(days=7)}, SubscriptionSettings(time_to_live=604800)),
        ({"dead_letter": False}, SubscriptionSettings(dead_letter=False)),
    ],
)
def test_values_in_range_are_kept_in_seconds(
    changes: dict[str, object], expected: SubscriptionSettings
) -> None:
    assert SubscriptionSettings().updated(**changes) == expected


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"lock_duration": 59},
            f"lock_duration must be between 60 and 300 seconds, as on the service; got 59. {DOCS}",
        ),
        (
            {"lock_duration": timedelta(minutes=6)},
            f"lock_duration must be between 60 and 300 seconds, as on the service; got 360. {DOCS}",
        ),
        (
            {"lock_duration": "60"},
            "lock_duration: got '60'. Expected a number of seconds or a timedelta, finite and "
            f">= 0. {SETTINGS_DOCS}",
        ),
        (
            {"max_delivery_count": 0},
            f"max_delivery_count must be an integer from 1 to 10, as on the service; got 0. {DOCS}",
        ),
        (
            {"max_delivery_count": 11},
            f"max_delivery_count must be an integer from 1 to 10, as on the service; got 11. "
            f"{DOCS}",
        ),
        (
            {"max_delivery_count": 2.0},
            f"max_delivery_count must be an integer from 1 to 10, as on the service; got 2.0. "
            f"{DOCS}",
        ),
        (
            {"max_delivery_count": True},
            f"max_delivery_count must be an integer from 1 to 10, as on the service; got True. "
            f"{DOCS}",
        ),
        (
            {"time_to_live": 59},
            "time_to_live must be between 60 seconds and 7 days, as on the service; "
            f"got 59 seconds. {DOCS}",
        ),
        (
            {"time_to_live": timedelta(days=7, seconds=1)},
            "time_to_live must be between 60 seconds and 7 days, as on the service; "
            f"got 604801 seconds. {DOCS}",
        ),
        (
            {"lock_duration": 120, "time_to_live": 90},
            "time_to_live (90 seconds) must be at least the lock_duration (120 seconds), "
            f"as on the service. {DOCS}",
        ),
    ],
)
def test_values_out_of_range_say_what_is_allowed(changes: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError) as error:
        SubscriptionSettings().updated(**changes)

    assert str(error.value) == message


def test_dead_letter_takes_a_bool() -> None:
    with pytest.raises(UsageError, match=r"^dead_letter: got 'no'\. Expected True or False\."):
        SubscriptionSettings().updated(dead_letter="no")


def test_unknown_settings_are_listed_with_the_allowed_ones() -> None:
    expected = (
        "subscription setting(s): got ['lock', 'ttl']. Expected some of dead_letter, filter, "
        f"lock_duration, max_delivery_count, time_to_live. {SETTINGS_DOCS}"
    )

    with pytest.raises(UsageError, match=f"^{re.escape(expected)}$"):
        SubscriptionSettings().updated(ttl=60, lock=60)


def test_direct_construction_is_checked_and_converted_too() -> None:
    two_minutes: float = timedelta(minutes=2)  # type: ignore[assignment]
    assert SubscriptionSettings(lock_duration=two_minutes).lock_duration == 120
    with pytest.raises(UsageError, match=r"^lock_duration must be between 60 and 300 seconds"):
        SubscriptionSettings(lock_duration=301)
