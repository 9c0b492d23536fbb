"""Each test's factories and ids come from its seed: the same on every run and on every
xdist worker, different under another seed, and printed when the test fails."""

from __future__ import annotations

import json

import pytest

from pytest_eventgrid.plugin._seed import node_seed
from tests.plugin._support import run

VALUES = """
import json
import os

import pytest


def record(request, **values):
    with open("values.jsonl", "a") as out:
        out.write(json.dumps([request.node.nodeid, values], default=str) + "\\n")


@pytest.mark.parametrize("n", [1, 2])
def test_orders(request, n, eventgrid, cloud_event_factory, eventgrid_event_factory):
    events = cloud_event_factory.batch(2)
    with eventgrid.publisher() as publisher, eventgrid.consumer() as consumer:
        publisher.send(events)
        [detail] = consumer.receive(max_events=1)
    record(
        request,
        cloud=[[e.id, e.type, e.source, e.subject, e.time, e.data] for e in events],
        grid=[eventgrid_event_factory().id, eventgrid_event_factory.blob_created().data],
        token=detail.broker_properties.lock_token,
    )
    assert os.environ.get("FAIL") != request.node.name


@pytest.mark.eventgrid(seed="pinned")
def test_pinned(request, cloud_event_factory):
    record(request, cloud=cloud_event_factory().id)
"""


def recorded(pytester: pytest.Pytester) -> dict[str, object]:
    """What each test of VALUES recorded, by node id; then forget it."""
    path = pytester.path / "values.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    path.unlink()
    return dict(rows)


def values(
    pytester: pytest.Pytester, *args: str, subprocess: bool = False, passed: int = 3
) -> dict[str, object]:
    """What each test of VALUES recorded in one passing run with `args`."""
    if subprocess:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    else:
        result = run(pytester, *args)
    result.assert_outcomes(passed=passed)
    return recorded(pytester)


@pytest.fixture
def tests(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_values=VALUES)
    return pytester


def test_each_test_gets_the_same_values_on_every_run(tests: pytest.Pytester) -> None:
    first, second = values(tests), values(tests)

    assert first == second
    one, two = first["test_values.py::test_orders[1]"], first["test_values.py::test_orders[2]"]
    assert one != two  # the seed is the test's own


def test_another_seed_gives_other_values_and_the_marker_wins(tests: pytest.Pytester) -> None:
    default, seeded = values(tests), values(tests, "--eventgrid-seed=1234")

    assert seeded == values(tests, "--eventgrid-seed=1234")
    for nodeid in ("test_values.py::test_orders[1]", "test_values.py::test_orders[2]"):
        for key in ("cloud", "grid", "token"):
            assert seeded[nodeid][key] != default[nodeid][key]
    # Under one seed, every test starts from the same values.
    assert seeded["test_values.py::test_orders[1]"] == seeded["test_values.py::test_orders[2]"]
    assert seeded["test_values.py::test_pinned"] == default["test_values.py::test_pinned"]


def test_xdist_workers_give_each_test_the_same_values(tests: pytest.Pytester) -> None:
    in_one_process = values(tests)

    on_two_workers = values(tests, "-p", "xdist", "-n", "2", subprocess=True)

    assert on_two_workers == in_one_process


def test_a_failing_test_prints_the_seed_that_reproduces_it(
    tests: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL", "test_orders[2]")
    nodeid = "test_values.py::test_orders[2]"

    result = run(tests, "--tb=short")

    result.assert_outcomes(passed=2, failed=1)
    seed = node_seed(nodeid)
    result.stdout.fnmatch_lines(
        [
            "*- eventgrid timeline -*",
            f"seed: {seed} (run again with --eventgrid-seed={seed} for the same ids and data)",
            "t=    0.000s  create_topic        test-topic",
        ],
        consecutive=True,
    )
    failed = recorded(tests)[nodeid]
    monkeypatch.delenv("FAIL")
    again = values(tests, f"--eventgrid-seed={seed}", "-k", "test_orders and 2", passed=1)
    assert again == {nodeid: failed}


def test_a_seed_that_is_not_a_number_is_quoted_in_the_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "def test_fails(cloud_event_factory):\n    assert cloud_event_factory() is None\n"
    )

    result = run(pytester, "--eventgrid-seed=my seed")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["seed: 'my seed' (run again with '--eventgrid-seed=my seed' for the same ids and data)"]
    )
