"""`@pytest.mark.eventgrid`: merging from module, class and function, and misuse."""

from __future__ import annotations

import pytest

from pytest_eventgrid.plugin._marker import MARKER_KEYS

from ._support import run

KEYS = ", ".join(MARKER_KEYS)
MARKER_DOCS = "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/#the-marker"
TOPOLOGY_DOCS = "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/#topology"
SETTINGS_DOCS = "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/#subscription-settings"
IN_MARKER = "@pytest.mark.eventgrid(...): "


def test_the_closest_marker_wins_key_by_key(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.eventgrid(
            topic="orders", subscription="billing", lock_duration=120
        )


        def settings(eventgrid):
            subscription = eventgrid.subscription()
            return subscription.topic, subscription.name, subscription.settings.lock_duration


        def test_module(eventgrid):
            assert settings(eventgrid) == ("orders", "billing", 120)


        @pytest.mark.eventgrid(lock_duration=90)
        def test_function(eventgrid):
            assert settings(eventgrid) == ("orders", "billing", 90)


        class TestShipping:
            pytestmark = pytest.mark.eventgrid(subscription="shipping", max_delivery_count=3)

            def test_class(self, eventgrid):
                assert settings(eventgrid) == ("orders", "shipping", 120)
                assert eventgrid.subscription().settings.max_delivery_count == 3

            @pytest.mark.eventgrid(subscription="audit", lock_duration=300)
            def test_function_in_class(self, eventgrid):
                assert settings(eventgrid) == ("orders", "audit", 300)
                assert eventgrid.subscription().settings.max_delivery_count == 3
        """
    )

    run(pytester).assert_outcomes(passed=4)


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            'eventgrid(lock_time=5, Topic="orders")',
            "@pytest.mark.eventgrid key(s): got ['Topic', 'lock_time']. Expected only the "
            f"marker's keys: {KEYS} (did you mean 'topic'?). {MARKER_DOCS}",
        ),
        (
            'eventgrid("orders", "billing")',
            "@pytest.mark.eventgrid positional arguments: got ('orders', 'billing'). "
            f"Expected keyword arguments only, of {KEYS}. {MARKER_DOCS}",
        ),
        (
            "eventgrid(lock_duration=5)",
            f"{IN_MARKER}lock_duration must be between 60 and 300 seconds, as on the service; "
            "got 5. "
            f"{TOPOLOGY_DOCS}",
        ),
        (
            "eventgrid(max_delivery_count=11)",
            f"{IN_MARKER}max_delivery_count must be an integer from 1 to 10, as on the "
            "service; got 11. "
            f"{TOPOLOGY_DOCS}",
        ),
        (
            "eventgrid(time_to_live=30)",
            f"{IN_MARKER}time_to_live must be between 60 seconds and 7 days, as on the "
            f"service; got 30 seconds. {TOPOLOGY_DOCS}",
        ),
        (
            'eventgrid(lock_duration="90")',
            f"{IN_MARKER}lock_duration: got '90'. Expected a number of seconds or a "
            f"timedelta, finite and >= 0. {SETTINGS_DOCS}",
        ),
        (
            'eventgrid(topics={"orders": "billing"})',
            f"{IN_MARKER}topics={{'orders': ...}}: got 'billing'. Expected a list of "
            f"subscription names, or a mapping of name to settings. {TOPOLOGY_DOCS}",
        ),
    ],
    ids=[
        "unknown-key",
        "positional",
        "lock-duration",
        "max-delivery-count",
        "time-to-live",
        "not-seconds",
        "topics-string",
    ],
)
def test_misuse_is_a_usage_error_at_setup(
    pytester: pytest.Pytester, marker: str, message: str
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.{marker}
        def test_it(eventgrid):
            pass
        """
    )

    result = run(pytester, "--tb=short")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ERROR at setup of test_it*"])
    error_lines = [line for line in result.outlines if line.startswith("E   ")]
    assert error_lines == [f"E   pytest_eventgrid.UsageError: {message}"]


def test_an_unknown_key_fails_even_a_test_that_does_not_use_the_fixture(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.eventgrid(lock_tim=5)
        def test_it():
            pass
        """
    )

    result = run(pytester, "--tb=short")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "E   pytest_eventgrid.UsageError: @pytest.mark.eventgrid key(s): got ['lock_tim']. "
            f"Expected only the marker's keys: {KEYS} (did you mean 'lock_duration'?). "
            f"{MARKER_DOCS}"
        ]
    )
