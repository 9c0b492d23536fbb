"""`--eventgrid-live`: the client fixtures talk to a real namespace (here the fake wire
served over loopback HTTP, standing in for Azure); tests that need the fake are skipped."""

from __future__ import annotations

import pytest

from tests.doors.cassettes._support import SUBSCRIPTION, TOPIC, loopback

from ._support import run

TESTS = """
import pytest
from azure.core.messaging import CloudEvent


def test_publish_receive_acknowledge(eventgrid_publisher_sync, eventgrid_consumer_sync):
    eventgrid_publisher_sync.send(CloudEvent(source="/live", type="Live.Ping", data={"n": 1}))
    [detail] = eventgrid_consumer_sync.receive(max_events=1, max_wait_time=10)
    result = eventgrid_consumer_sync.acknowledge(
        lock_tokens=[detail.broker_properties.lock_token]
    )
    assert detail.event.data == {"n": 1}
    assert len(result.succeeded_lock_tokens) == 1


def test_needs_the_fake(eventgrid):
    eventgrid.clock.advance(60)
"""


def test_live_mode_runs_the_client_fixtures_against_the_namespace(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(TESTS)
    with loopback() as service:
        monkeypatch.setenv("EVENTGRID_ENDPOINT", service.endpoint)
        monkeypatch.setenv("EVENTGRID_KEY", service.key)
        monkeypatch.setenv("EVENTGRID_TOPIC", TOPIC)
        monkeypatch.setenv("EVENTGRID_SUBSCRIPTION", SUBSCRIPTION)

        result = run(pytester, "--eventgrid-live", "-rs")

        published = service.fake.namespace("127.0.0.1").topic(TOPIC).published

    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*needs the in-memory fake*--eventgrid-live*"])
    assert [event.type for event in published] == ["Live.Ping"]


def test_live_mode_without_settings_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ENDPOINT", "KEY", "TOPIC", "SUBSCRIPTION"):
        monkeypatch.delenv(f"EVENTGRID_{name}", raising=False)
    pytester.makepyfile(TESTS)

    result = run(pytester, "--eventgrid-live", "--tb=short")

    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*UsageError: --eventgrid-live needs EVENTGRID_ENDPOINT, EVENTGRID_KEY, "
            "EVENTGRID_TOPIC, EVENTGRID_SUBSCRIPTION*"
        ]
    )
