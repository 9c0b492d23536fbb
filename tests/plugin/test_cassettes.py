"""`@pytest.mark.eventgrid(cassette=...)`: a test's own clients meet its cassette, and
the record mode comes from the command line, the marker or the ini, in that order."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_eventgrid.recordings import convert_test_proxy

from ._support import run

RECORDING = (
    Path(__file__).parents[1]
    / "fidelity/recordings/python"
    / "test_eg_client_exceptions.pyTestEGClientExceptionstest_receive_cloud_event_not_found.json"
)
VALID = "valid modes: none, once, new_episodes, all, rewrite."

TEST = """
import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ResourceNotFoundError
from azure.eventgrid import EventGridConsumerClient

ENDPOINT = "https://fakeresource.eastus-1.eventgrid.azure.net/api/events"


@pytest.mark.eventgrid(cassette={cassette!r}{extra})
def test_receive_from_a_missing_topic(eventgrid):
    # The code under test builds its own client: it meets the cassette, not the fake.
    with EventGridConsumerClient(
        ENDPOINT,
        AzureKeyCredential("key"),
        namespace_topic="faketopic",
        subscription="fakesub",
        api_version="2023-10-01-preview",
    ) as consumer:
        with pytest.raises(ResourceNotFoundError, match="Topic 'faketopic' is not found"):
            consumer.receive()
    eventgrid.calls.assert_not_called()  # the fake saw nothing
"""


def project(pytester: pytest.Pytester, cassette: object, extra: str = "") -> None:
    module = pytester.makepyfile(test_orders=TEST.format(cassette=cassette, extra=extra))
    target = module.parent / "cassettes" / "test_orders"
    target.mkdir(parents=True)
    convert_test_proxy(RECORDING, target / "missing-topic.json")
    convert_test_proxy(RECORDING, target / "test_receive_from_a_missing_topic.json")


@pytest.mark.parametrize("cassette", ["missing-topic", True])
def test_a_marked_test_replays_its_cassette_by_default(
    pytester: pytest.Pytester, cassette: object
) -> None:
    project(pytester, cassette)

    run(pytester).assert_outcomes(passed=1)


def test_a_missing_cassette_fails_the_request_in_the_default_mode(
    pytester: pytest.Pytester,
) -> None:
    project(pytester, "nowhere")

    result = run(pytester, "--tb=short")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*No cassette at *nowhere.json: record mode 'none' only replays. Record it with*"]
    )


SWALLOWED = """
import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError
from azure.eventgrid import EventGridConsumerClient


@pytest.mark.eventgrid(cassette="missing-topic")
def test_code_that_swallows_errors():
    consumer = EventGridConsumerClient(
        "https://fakeresource.eastus-1.eventgrid.azure.net",
        AzureKeyCredential("key"),
        namespace_topic="faketopic",
        subscription="fakesub",
        api_version="2023-10-01-preview",
    )
    for _ in range(2):
        try:
            consumer.receive()
        except HttpResponseError:
            pass  # the code under test logs and carries on


@pytest.mark.eventgrid(cassette="never-recorded")
def test_a_test_that_sends_nothing_needs_no_cassette():
    pass
"""


def test_a_request_the_cassette_could_not_answer_fails_the_test_at_teardown(
    pytester: pytest.Pytester,
) -> None:
    project(pytester, "missing-topic")
    pytester.makepyfile(test_orders=SWALLOWED)

    result = run(pytester, "--tb=short")

    # The recorded 404 answered the first receive; nothing answered the second.
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_code_that_swallows_errors*",
            "*AssertionError: 1 request had no answer in *missing-topic.json:",
            "*pytest-eventgrid playback has no recorded answer for POST https://fakeresource*",
            "*already played (each recorded entry answers once)*",
        ]
    )


SUITE = """
import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.eventgrid(cassette=True))
"""


def test_a_conftest_hook_opts_a_whole_suite_in(pytester: pytest.Pytester) -> None:
    project(pytester, "missing-topic")
    module = pytester.path / "test_orders.py"
    module.write_text(
        module.read_text().replace("@pytest.mark.eventgrid(cassette='missing-topic')", "")
    )
    pytester.makeconftest(SUITE)

    run(pytester).assert_outcomes(passed=1)  # replays test_receive_from_a_missing_topic.json


@pytest.mark.parametrize(
    ("arguments", "ini", "extra", "source"),
    [
        (
            ["--eventgrid-record-mode=bogus"],
            "once",
            ", record_mode='none'",
            "--eventgrid-record-mode",
        ),
        ([], "once", ", record_mode='bogus'", "record_mode="),
        ([], "bogus", "", "the ini"),
    ],
    ids=["cli-over-marker", "marker-over-ini", "ini"],
)
def test_the_record_mode_comes_from_cli_then_marker_then_ini(
    pytester: pytest.Pytester, arguments: list[str], ini: str, extra: str, source: str
) -> None:
    project(pytester, "missing-topic", extra)
    pytester.makeini(
        f"[pytest]\neventgrid_record_mode = {ini}\nasyncio_default_fixture_loop_scope = function\n"
    )

    result = run(pytester, "--tb=short", *arguments)

    result.assert_outcomes(errors=1)
    expected = f"*Unknown record mode 'bogus' (from {source}); {VALID}*"
    if source == "record_mode=":  # the marker's own check comes first
        expected = "*@pytest.mark.eventgrid(...): record_mode: got 'bogus'. Expected one of*"
    result.stdout.fnmatch_lines([expected])


OPTIONS = """
import pytest


@pytest.fixture
def eventgrid_cassette_options():
    return {options}
"""


def test_the_cassette_options_fixture_configures_the_recorder(pytester: pytest.Pytester) -> None:
    project(pytester, "missing-topic")
    module = pytester.path / "test_orders.py"
    module.write_text(module.read_text().replace("2023-10-01-preview", "2024-06-01"))

    run(pytester).assert_outcomes(failed=1)  # another api-version: no recorded answer

    pytester.makeconftest(
        OPTIONS.format(options='{"match_on": ["method", "path", "operation", "body"]}')
    )
    run(pytester).assert_outcomes(passed=1)


def test_the_cassette_options_fixture_cannot_set_the_mode_or_the_path(
    pytester: pytest.Pytester,
) -> None:
    project(pytester, "missing-topic")
    pytester.makeconftest(OPTIONS.format(options='{"mode": "all", "sanitize_hosts": True}'))

    result = run(pytester, "--tb=short")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*UsageError: eventgrid_cassette_options returned mode, which it cannot set; it "
            "takes sanitize, sanitize_json, sanitize_hosts, hosts, match_on, ignore.*"
        ]
    )


def test_the_cassette_options_must_be_a_dict() -> None:
    from pytest_eventgrid import UsageError
    from pytest_eventgrid.plugin._cassettes import cassette_options

    with pytest.raises(UsageError, match=r"must return a dict of record\(\) keywords, not \[\]"):
        cassette_options([])


def test_a_marked_test_meets_its_cassette_without_asking_for_the_fixture(
    pytester: pytest.Pytester,
) -> None:
    project(pytester, "missing-topic")
    module = pytester.path / "test_orders.py"
    text = module.read_text().replace("(eventgrid):", "():")
    module.write_text(text.replace("    eventgrid.calls.assert_not_called()", ""))

    run(pytester).assert_outcomes(passed=1)
