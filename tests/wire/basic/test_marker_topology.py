"""Basic topics, domains and partner namespaces declared in the marker."""

from __future__ import annotations

import pytest

from pytest_eventgrid import EventGrid, UsageError


@pytest.mark.eventgrid(
    basic_topics={
        "orders": "cloudevents",
        "shop": {"kind": "domain", "schema": "eventgrid"},
        "partner": {"kind": "partner"},
        "plain": None,
    }
)
def test_the_marker_declares_basic_topics(eventgrid):
    topics = eventgrid._broker.basic_topics
    declared = {topic.name: (topic.kind, topic.schema) for topic in topics.values()}

    assert declared == {
        "orders": ("topic", "cloudevents"),
        "shop": ("domain", "eventgrid"),
        "partner": ("partner", None),
        "plain": ("topic", None),
    }


@pytest.mark.parametrize(
    "declaration", [{"kind": "queue"}, {"schema": "eventgrid", "lock": 5}], ids=str
)
def test_a_bad_declaration_is_a_usage_error(declaration):
    expected = r"basic_topics=\{'t': \.\.\.\}: got .* Expected a schema name"
    with pytest.raises(UsageError, match=expected):
        EventGrid(basic_topics={"t": declaration})


def test_a_bad_schema_is_a_usage_error():
    expected = r"schema=\): got 'xml'\. Expected one of eventgrid, cloudevents, custom"
    with pytest.raises(UsageError, match=expected):
        EventGrid(basic_topics={"t": "xml"})
