"""Every test gets its own fake: no topics, events, ids or clock time leak between tests."""

from __future__ import annotations

import json

import pytest

from ._support import ASYNC, SYNC, run

HEADER = """
import json
import os

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ServiceRequestError
from azure.core.messaging import CloudEvent
from azure.core.pipeline.transport import HttpTransport
from azure.eventgrid import EventGridPublisherClient


def record(request, token):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open("tokens.jsonl", "a") as tokens:
        tokens.write(json.dumps([request.node.nodeid, worker, token]) + "\\n")
"""

FRESH_FAKE = """
$asyncio_mark
@pytest.mark.parametrize("n", [1, 2])
$def test_fresh_fake_$flavour(request, eventgrid, $publisher, $consumer, n):
    assert eventgrid.clock.now() == 0
    assert [topic.name for topic in eventgrid.namespace().topics] == ["test-topic"]
    operations = [entry.operation for entry in eventgrid.timeline]
    assert operations == ["create_topic", "create_subscription"]
    assert eventgrid.topic("test-topic").published == []

    eventgrid.topic(f"side-$flavour-{n}").subscription("audit")
    event = CloudEvent(id=f"$flavour-{n}", source="shop", type="Order.Created", data={})
    ${await}${publisher}.send([event])
    [detail] = ${await}${consumer}.receive(max_events=10, max_wait_time=10)
    assert detail.event.id == f"$flavour-{n}"
    eventgrid.clock.advance(100)
    record(request, detail.broker_properties.lock_token)
"""

NO_FIXTURE = """

class Offline(HttpTransport):
    def send(self, request, **kwargs):
        raise ServiceRequestError("offline")

    def open(self):
        pass

    def close(self):
        pass

    def __exit__(self, *args):
        pass


def test_without_the_fixture_no_fake_answers():
    client = EventGridPublisherClient(
        "https://test-namespace.westus-1.eventgrid.azure.net",
        AzureKeyCredential("any-key"),
        namespace_topic="test-topic",
        transport=Offline(),
        retry_total=0,
    )
    with pytest.raises(ServiceRequestError, match="offline"):
        client.send([CloudEvent(source="shop", type="Order.Created", data={})])
"""


@pytest.fixture(autouse=True)
def _not_an_xdist_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inner sessions name their worker; this session may run on one itself."""
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)


@pytest.fixture
def tests(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(
        HEADER
        + SYNC.render(FRESH_FAKE, flavour="sync")
        + ASYNC.render(FRESH_FAKE, flavour="async")
        + NO_FIXTURE
    )
    return pytester


def recorded(pytester: pytest.Pytester) -> tuple[dict[str, str], set[str]]:
    """The first lock token of each test, and the workers the tests ran on; then forget."""
    path = pytester.path / "tokens.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    path.unlink()
    return {nodeid: token for nodeid, _, token in rows}, {worker for _, worker, _ in rows}


def test_tests_in_one_file_do_not_share_state(tests: pytest.Pytester) -> None:
    run(tests).assert_outcomes(passed=5)

    tokens, workers = recorded(tests)
    assert (len(tokens), workers) == (4, {"main"})
    # Each test's ids come from a seed of its own.
    assert len(set(tokens.values())) == 4


def test_tests_on_xdist_workers_do_not_share_state(tests: pytest.Pytester) -> None:
    run(tests).assert_outcomes(passed=5)
    in_one_process, _ = recorded(tests)

    result = tests.runpytest_subprocess("-p", "no:cacheprovider", "-p", "xdist", "-n", "2")

    result.assert_outcomes(passed=5)
    on_two_workers, workers = recorded(tests)
    assert workers == {"gw0", "gw1"}
    # A test's ids depend on nothing but the test, not on what ran before it.
    assert on_two_workers == in_one_process
