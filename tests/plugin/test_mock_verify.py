"""Outside pytest's fixture, `mock_eventgrid()` checks at exit what the `eventgrid`
fixture checks at teardown: every scripted fault fired, every cassette request got an
answer. A block that raised is left with its own error."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.eventgrid import EventGridConsumerClient

from pytest_eventgrid import UsageError, mock_eventgrid
from pytest_eventgrid.recordings import convert_test_proxy

from .test_cassettes import RECORDING

UNFIRED = [{"operation": "publish", "status": 503}]
NEVER_FIRED = r"1 scripted fault\(s\) never fired"
ENDPOINT = "https://fakeresource.eastus-1.eventgrid.azure.net/api/events"


def receive(topic: str = "faketopic") -> None:
    """What the recording holds: a receive from a topic that does not exist."""
    with EventGridConsumerClient(
        ENDPOINT,
        AzureKeyCredential("key"),
        namespace_topic=topic,
        subscription="fakesub",
        api_version="2023-10-01-preview",
    ) as consumer:
        consumer.receive()


@pytest.fixture
def cassette(tmp_path: Path) -> Path:
    path = tmp_path / "missing-topic.json"
    convert_test_proxy(RECORDING, path)
    return path


def test_a_fault_that_never_fired_fails_the_block_at_exit() -> None:
    with pytest.raises(AssertionError, match=NEVER_FIRED), mock_eventgrid(faults=UNFIRED):
        pass


def test_an_optional_fault_may_stay_unfired() -> None:
    with mock_eventgrid(faults=[{**UNFIRED[0], "optional": True}]) as eventgrid:
        pass

    assert [fault.fired for fault in eventgrid.faults] == [0]


def test_a_block_that_raised_keeps_its_own_error() -> None:
    with pytest.raises(KeyError), mock_eventgrid(faults=UNFIRED):
        raise KeyError("the code under test failed first")


def test_async_with_and_the_decorator_verify_too() -> None:
    async def block() -> None:
        async with mock_eventgrid(faults=UNFIRED):
            pass

    @mock_eventgrid(faults=UNFIRED)
    def decorated() -> None:
        pass

    with pytest.raises(AssertionError, match=NEVER_FIRED):
        asyncio.run(block())
    with pytest.raises(AssertionError, match=NEVER_FIRED):
        decorated()


def test_stop_verifies_only_when_asked() -> None:
    mock = mock_eventgrid(faults=UNFIRED)
    mock.start()
    mock.stop()  # ends quietly

    mock.start()
    with pytest.raises(AssertionError, match=NEVER_FIRED):
        mock.stop(verify=True)
    assert mock.recorder is None
    mock.verify()  # nothing is active: nothing to check


def test_the_cassette_answers_the_code_under_test(cassette: Path) -> None:
    with (
        mock_eventgrid(cassette=cassette) as eventgrid,
        pytest.raises(ResourceNotFoundError, match="Topic 'faketopic' is not found"),
    ):
        receive()

    eventgrid.calls.assert_not_called()  # the cassette answered, not the fake


def test_a_request_the_cassette_did_not_answer_fails_the_block_at_exit(cassette: Path) -> None:
    mock = mock_eventgrid(cassette=cassette)
    mock.start()
    with pytest.raises(HttpResponseError):
        receive("other-topic")

    with pytest.raises(AssertionError, match="other-topic"):
        mock.stop(verify=True)


def test_the_cassette_keywords_are_checked_at_the_call(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"cassette: got True\. Expected a file path"):
        mock_eventgrid(cassette=True)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match=r"record_mode: got 'replay'\. Expected one of none"):
        mock_eventgrid(cassette=tmp_path / "c.json", record_mode="replay")
    with pytest.raises(UsageError, match=r"cassette_options: got \['mode'\]"):
        mock_eventgrid(cassette=tmp_path / "c.json", cassette_options={"mode": "all"})
