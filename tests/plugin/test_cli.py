"""What `pytest --markers`, `--help` and `--fixtures` say about the plugin."""

from __future__ import annotations

import pytest

from ._support import run

FIXTURES = {
    "eventgrid": "The fake Event Grid of this test, configured by `@pytest.mark.eventgrid`.",
    "eventgrid_publisher": (
        "An `azure.eventgrid.aio.EventGridPublisherClient` for the default topic."
    ),
    "eventgrid_consumer": (
        "An `azure.eventgrid.aio.EventGridConsumerClient` for the default subscription."
    ),
    "eventgrid_publisher_sync": "A sync `EventGridPublisherClient` for the default topic.",
    "eventgrid_consumer_sync": "A sync `EventGridConsumerClient` for the default subscription.",
    "cloud_event_factory": (
        "Builds `CloudEvent`s with realistic fake values, seeded per test; `.batch(n)`."
    ),
    "eventgrid_event_factory": (
        "Builds `EventGridEvent`s with realistic fake values, seeded per test; `.batch(n)`."
    ),
}


def test_markers_lists_the_eventgrid_signature(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--markers")

    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.eventgrid(topic='test-topic', subscription='test-subscription', "
            "topics=None, basic_topics=None, system_topics=None, faults=None, chaos=None, "
            "cassette=None, record_mode=None, lock_duration=60, "
            "max_delivery_count=10, time_to_live=604800, "
            "dead_letter=True, event_retention_in_days=7, key=None, auto_create=True, "
            "autojump=True, intercept=True, "
            "namespace='test-namespace', region='westus', seed=None): configure the fake Event "
            "Grid of this test (seed: by default from the test's node id, or --eventgrid-seed). "
            "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/#the-marker"
        ]
    )


def test_help_shows_the_option_group(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")

    result = run(pytester, "--help")

    result.stdout.fnmatch_lines(
        [
            "fake Azure Event Grid (pytest-eventgrid):",
            "  --eventgrid-no-report",
            "    *Leave the 'eventgrid timeline' section (seed and timeline) out of failure*",
            "  --eventgrid-record-mode=MODE",
            "    *Record mode of tests marked with cassette=: none (default), once, new_episodes,*",
            "  --eventgrid-live*Run the client fixtures against the real namespace in*",
            "  --eventgrid-seed=SEED",
            "    *Seed the ids and factories of every test (default: from each test's node id).",
            "  --eventgrid-server-scope=SCOPE",
            "    *How long one eventgrid_server lives: function (default: one per test) or*",
            "",
        ],
        consecutive=True,
    )


def test_fixtures_lists_each_fixture_with_its_docstring(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--fixtures")

    result.stdout.fnmatch_lines(["*- fixtures defined from pytest_eventgrid.plugin -*"])
    for name, docstring in FIXTURES.items():
        # Each fixture's block on its own: pytest orders them by "__init__.py:<line>" text.
        header = next(i for i, line in enumerate(result.outlines) if line.startswith(f"{name} -- "))
        assert "plugin/__init__.py:" in result.outlines[header]
        assert result.outlines[header + 1] == f"    {docstring}"
