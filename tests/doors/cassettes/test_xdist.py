"""Cassettes are written atomically: xdist workers recording the same cassette at once
leave one whole, valid cassette, never a torn one or a stray temporary file."""

from __future__ import annotations

import json

import pytest

from ._support import Loopback

WORKER_TESTS = """
import os

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridPublisherClient

from pytest_eventgrid.recordings import record

ENDPOINT = os.environ["LOOPBACK_ENDPOINT"]
KEY = os.environ["LOOPBACK_KEY"]
CASSETTE = os.environ["SHARED_CASSETTE"]


@pytest.mark.parametrize("number", range(8))
def test_record_into_the_shared_cassette(number):
    with record(CASSETTE, mode="all", hosts=["127.0.0.1"]):
        with EventGridPublisherClient(
            ENDPOINT, AzureKeyCredential(KEY), namespace_topic="orders"
        ) as publisher:
            publisher.send(
                [CloudEvent(source="/orders", type="Order.Placed", data={"n": number})] * 20
            )
"""


def test_workers_recording_one_cassette_leave_it_whole(
    pytester: pytest.Pytester, service: Loopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    cassette = pytester.path / "cassettes" / "shared.json"
    cassette.parent.mkdir()
    monkeypatch.setenv("LOOPBACK_ENDPOINT", service.endpoint)
    monkeypatch.setenv("LOOPBACK_KEY", service.key)
    monkeypatch.setenv("SHARED_CASSETTE", str(cassette))
    pytester.makepyfile(test_workers=WORKER_TESTS)

    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "2", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=8)
    document = json.loads(cassette.read_text(encoding="utf-8"))
    assert document["version"] == 1
    assert 1 <= len(document["interactions"]) <= 8  # whole writes, the last ones kept
    assert [path.name for path in cassette.parent.iterdir()] == ["shared.json"]
    assert len(service.requests) == 8
