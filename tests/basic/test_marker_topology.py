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
    with pytest.raises(UsageError, match=r"basic_topics=\{'t': .*give a schema name"):
        EventGrid(basic_topics={"t": declaration})


def test_a_bad_schema_is_a_usage_error():
    with pytest.raises(UsageError, match="schema must be one of eventgrid, cloudevents, custom"):
        EventGrid(basic_topics={"t": "xml"})
