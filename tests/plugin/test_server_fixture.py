"""The `eventgrid_server` fixture: a real server per test, or per session reset between
tests, configured by `eventgrid_server_settings`."""

from __future__ import annotations

import pytest

from ._support import run

ROUND_TRIPS = """
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridConsumerClient, EventGridPublisherClient

SEEN = []


def round_trip(server, kind):
    SEEN.append(server)
    assert server.running
    assert server.endpoint.startswith("http://127.0.0.1:")
    assert server.eventgrid.topic("$topic").published == []  # nothing left from before
    with EventGridPublisherClient(
        server.endpoint, server.credential, namespace_topic="$topic"
    ) as publisher, EventGridConsumerClient(
        server.endpoint, server.credential, namespace_topic="$topic", subscription="$subscription"
    ) as consumer:
        publisher.send(CloudEvent(source="tests", type=kind, data={}))
        [detail] = consumer.receive(max_events=5, max_wait_time=10)
    assert detail.event.type == kind
    server.eventgrid.assert_published(type=kind)


def test_first(eventgrid_server):
    round_trip(eventgrid_server, "First")


def test_second(eventgrid_server):
    round_trip(eventgrid_server, "Second")


def test_after():
    first, second = SEEN
    $expectation
"""

PER_TEST = """\
assert first is not second
    assert not first.running  # stopped at its test's teardown"""
PER_SESSION = """\
assert first is second
    assert first.running  # until the session ends"""


def _round_trips(
    expectation: str, topic: str = "test-topic", subscription: str = "test-subscription"
) -> str:
    from string import Template

    return Template(ROUND_TRIPS).substitute(
        expectation=expectation, topic=topic, subscription=subscription
    )


def test_each_test_gets_a_started_server_of_its_own(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(_round_trips(PER_TEST))

    run(pytester).assert_outcomes(passed=3)


def test_the_option_makes_one_server_per_session_reset_between_tests(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(_round_trips(PER_SESSION))

    run(pytester, "--eventgrid-server-scope=session").assert_outcomes(passed=3)


def test_the_ini_makes_one_server_per_session(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
        "eventgrid_server_scope = session\n"
    )
    pytester.makepyfile(_round_trips(PER_SESSION))

    run(pytester).assert_outcomes(passed=3)


def test_the_command_line_wins_over_the_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
        "eventgrid_server_scope = session\n"
    )
    pytester.makepyfile(_round_trips(PER_TEST))

    run(pytester, "--eventgrid-server-scope=function").assert_outcomes(passed=3)


def test_the_settings_fixture_configures_the_server(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def eventgrid_server_settings():
            return {"topic": "orders", "subscription": "billing", "key": "secret",
                    "basic_topics": {"shop": "cloudevents"}, "clock": "virtual"}
        """
    )
    pytester.makepyfile(
        _round_trips(PER_SESSION, topic="orders", subscription="billing")
        + """

def test_the_settings_are_the_servers(eventgrid_server):
    assert eventgrid_server.key == "secret"
    assert eventgrid_server.clock_mode == "virtual"
    assert eventgrid_server.basic_endpoint("shop").endswith("/basic/shop/api/events")
"""
    )

    run(pytester, "--eventgrid-server-scope=session").assert_outcomes(passed=4)


def test_bad_settings_are_said_to_be_the_settings_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def eventgrid_server_settings():
            return {"lock_duration": "a minute"}
        """
    )
    pytester.makepyfile("def test_it(eventgrid_server):\n    pass\n")

    result = run(pytester)

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*UsageError: eventgrid_server_settings: lock_duration: got 'a minute'*"]
    )


def test_a_bad_scope_is_refused_with_the_choices_by_the_tests_that_use_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        "def test_it(eventgrid_server):\n    pass\n\n\ndef test_other():\n    pass\n"
    )

    result = run(pytester, "--eventgrid-server-scope=sesion")

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*--eventgrid-server-scope / eventgrid_server_scope: got 'sesion'*did you mean*"]
    )


def test_a_session_server_is_set_up_only_for_the_tests_that_ask(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def test_without():
            pass


        def test_with(eventgrid_server):
            pass
        """
    )

    result = run(pytester, "--eventgrid-server-scope=session", "--setup-show")

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_without*",
            "SETUP    S eventgrid_server_settings",
            "SETUP    S _eventgrid_server_running*",
            "*SETUP    F eventgrid_server*",
            "*test_with*",
        ],
        consecutive=False,
    )
