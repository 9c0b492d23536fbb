"""`@pytest.mark.eventgrid`: merging from module, class and function, and misuse."""

from __future__ import annotations

import pytest

from ._support import run

ALLOWED = (
    "Allowed keys: auto_create, autojump, basic_topics, cassette, chaos, dead_letter, faults, "
    "key, lock_duration, max_delivery_count, namespace, record_mode, region, seed, "
    "subscription, time_to_live, topic, topics. "
    "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/#the-marker"
)
TOPOLOGY_DOCS = "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/#topology"


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
            f"Unknown @pytest.mark.eventgrid key(s): Topic, lock_time. {ALLOWED}",
        ),
        (
            'eventgrid("orders", "billing")',
            "@pytest.mark.eventgrid takes keyword arguments only, got ('orders', 'billing'). "
            f"{ALLOWED}",
        ),
        (
            "eventgrid(lock_duration=5)",
            "lock_duration must be between 60 and 300 seconds, as on the service; got 5. "
            f"{TOPOLOGY_DOCS}",
        ),
        (
            "eventgrid(max_delivery_count=11)",
            "max_delivery_count must be an integer from 1 to 10, as on the service; got 11. "
            f"{TOPOLOGY_DOCS}",
        ),
        (
            "eventgrid(time_to_live=30)",
            "time_to_live must be between 60 seconds and 7 days, as on the service; "
            f"got 30 seconds. {TOPOLOGY_DOCS}",
        ),
        (
            'eventgrid(lock_duration="90")',
            "lock_duration takes seconds or a timedelta, got '90'.",
        ),
        (
            'eventgrid(topics={"orders": "billing"})',
            "topics={'orders': 'billing'}: give a list of subscription names "
            f"or a mapping of name to settings. {TOPOLOGY_DOCS}",
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
            "E   pytest_eventgrid.UsageError: "
            f"Unknown @pytest.mark.eventgrid key(s): lock_tim. {ALLOWED}"
        ]
    )
