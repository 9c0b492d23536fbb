"""In a test marked `cassette=`, the client fixtures meet the cassette too: recording,
they talk to the live namespace (here the fake wire served over loopback HTTP, standing
in for Azure); replaying, they need nothing but the cassette."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.doors.cassettes._support import SUBSCRIPTION, TOPIC, loopback

from ._support import FLAVOURS, SYNC, Flavour, run, use_asyncio_mode

ROUND_TRIP = """
import pytest
from azure.core.messaging import CloudEvent


@pytest.mark.eventgrid(cassette="round-trip"$names)
$asyncio_mark
$def test_round_trip(eventgrid, $publisher, $consumer):
    ${await}$publisher.send(CloudEvent(source="/orders", type="Order.Placed", data={"n": 1}))
    [detail] = ${await}$consumer.receive(max_events=1, max_wait_time=10)
    result = ${await}$consumer.acknowledge(lock_tokens=[detail.broker_properties.lock_token])
    assert detail.event.data == {"n": 1}
    assert len(result.succeeded_lock_tokens) == 1
    eventgrid.calls.assert_not_called()  # the fake saw none of it
"""
MARKER_NAMES = f", topic={TOPIC!r}, subscription={SUBSCRIPTION!r}"
SETTINGS = ("ENDPOINT", "KEY", "TOPIC", "SUBSCRIPTION")
CASSETTE = Path("cassettes/test_orders/round-trip.json")


@pytest.fixture(autouse=True)
def no_live_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTINGS:
        monkeypatch.delenv(f"EVENTGRID_{name}", raising=False)


def record(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *names: str) -> list[str]:
    """Run the project once recording, against a namespace served over loopback; the
    requests that namespace answered. `names` are the settings given to the run."""
    with loopback() as service, monkeypatch.context() as live:
        given = {
            "ENDPOINT": service.endpoint,
            "KEY": service.key,
            "TOPIC": TOPIC,
            "SUBSCRIPTION": SUBSCRIPTION,
        }
        for name in names:
            live.setenv(f"EVENTGRID_{name}", given[name])
        run(pytester, "--eventgrid-record-mode=once").assert_outcomes(passed=1)
        return [request.partition("?")[0] for request in service.requests]


@FLAVOURS
def test_the_client_fixtures_record_against_the_live_namespace_then_replay_offline(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, flavour: Flavour
) -> None:
    use_asyncio_mode(pytester, "strict")
    pytester.makepyfile(test_orders=flavour.render(ROUND_TRIP, names=MARKER_NAMES))

    sent = record(pytester, monkeypatch, *SETTINGS)

    assert sent == [
        f"POST /topics/{TOPIC}:publish",
        f"POST /topics/{TOPIC}/eventsubscriptions/{SUBSCRIPTION}:receive",
        f"POST /topics/{TOPIC}/eventsubscriptions/{SUBSCRIPTION}:acknowledge",
    ]
    recorded = json.loads((pytester.path / CASSETTE).read_text())
    assert len(recorded["interactions"]) == 3

    # Offline: the loopback namespace is gone, no EVENTGRID_* is set, mode "none".
    run(pytester).assert_outcomes(passed=1)


def test_replay_takes_the_names_from_the_live_settings_when_they_are_set(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The marker names nothing: the names come from the ini, the secrets from the env.
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        f"eventgrid_topic = {TOPIC}\neventgrid_subscription = {SUBSCRIPTION}\n"
    )
    pytester.makepyfile(test_orders=SYNC.render(ROUND_TRIP, names=""))

    assert len(record(pytester, monkeypatch, "ENDPOINT", "KEY")) == 3

    run(pytester).assert_outcomes(passed=1)


def test_recording_with_no_live_settings_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_orders=SYNC.render(ROUND_TRIP, names=MARKER_NAMES))

    result = run(pytester, "--eventgrid-record-mode=once", "--tb=short")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*UsageError: The client fixtures record the cassette *round-trip.json (record "
            "mode 'once') against a real namespace, which needs EVENTGRID_ENDPOINT, "
            "EVENTGRID_KEY (environment variables, or the eventgrid_* ini keys)*",
        ]
    )
    assert not (pytester.path / CASSETTE).exists()
