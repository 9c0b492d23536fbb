"""Record modes: none, once, new_episodes, all, rewrite."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.core.exceptions import ResourceNotFoundError

from pytest_eventgrid import UsageError
from pytest_eventgrid.recordings import load_cassette, record

from ._support import Loopback, publish_and_receive


async def _session(service: Loopback, cassette: Path, mode: str, numbers: tuple[int, ...]) -> None:
    with record(cassette, mode=mode, hosts=["127.0.0.1"]):
        await publish_and_receive("sync", service.endpoint, service.key, numbers)


def _published(cassette: Path) -> list[object]:
    return [
        e.request.body
        for e in load_cassette(cassette).entries
        if e.request.url.split("?")[0].endswith(":publish")
    ]


def test_an_unknown_mode_lists_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as error:
        record(tmp_path / "c.json", mode="sometimes")
    assert str(error.value).startswith(
        "record(mode=): got 'sometimes'. Expected one of none, once, new_episodes, all, rewrite."
    )


@pytest.mark.asyncio
async def test_mode_none_answers_every_request_with_a_404_when_the_cassette_is_missing(
    service: Loopback, flavour: str, tmp_path: Path
) -> None:
    cassette = tmp_path / "c.json"
    with record(cassette, mode="none", hosts=["127.0.0.1"]) as recorder:
        with pytest.raises(ResourceNotFoundError):
            await publish_and_receive(flavour, service.endpoint, service.key)
        with pytest.raises(AssertionError) as unanswered:
            recorder.assert_all_answered()

    assert service.requests == []
    assert not cassette.exists()
    [message] = recorder.mismatches
    assert message.endswith(
        "The recording has no entries.\n"
        f"No cassette at {cassette}: record mode 'none' only replays. Record it with "
        "mode='once' (in pytest, --eventgrid-record-mode=once).\n"
        "See https://pytest-eventgrid.readthedocs.io/en/latest/guide/playback/#mismatches"
    )
    assert str(unanswered.value) == f"1 request had no answer in {cassette}:\n\n{message}"


@pytest.mark.asyncio
async def test_once_replays_an_existing_cassette_without_the_network(
    service: Loopback, flavour: str, tmp_path: Path
) -> None:
    cassette = tmp_path / "c.json"
    await _session(service, cassette, "once", (1,))
    written = cassette.read_bytes()
    for mode in ("once", "none"):
        with record(cassette, mode=mode) as recorder:
            data = await publish_and_receive(flavour, service.endpoint, "other-key", (1,))
        assert data == [{"number": 1}]
        assert len(recorder.played) == 3
        assert recorder.recorded == []
    assert len(service.requests) == 3
    assert cassette.read_bytes() == written


@pytest.mark.asyncio
async def test_once_with_a_cassette_refuses_a_new_request(
    service: Loopback, tmp_path: Path
) -> None:
    cassette = tmp_path / "c.json"
    await _session(service, cassette, "once", (1,))
    with record(cassette) as recorder, pytest.raises(ResourceNotFoundError):
        await publish_and_receive("sync", service.endpoint, service.key, (1, 2))
    assert "mode='new_episodes' to add this request" in recorder.mismatches[0]


@pytest.mark.asyncio
async def test_new_episodes_replays_what_matches_and_records_the_rest(
    service: Loopback, tmp_path: Path
) -> None:
    cassette = tmp_path / "c.json"
    await _session(service, cassette, "once", (1,))
    await _session(service, cassette, "new_episodes", (1,))  # all replayed
    assert len(service.requests) == 3
    await _session(service, cassette, "new_episodes", (2, 3))  # all new
    assert len(service.requests) == 6
    assert len(_published(cassette)) == 2


@pytest.mark.asyncio
@pytest.mark.parametrize(("mode", "kept"), [("all", 2), ("rewrite", 1)])
async def test_all_appends_and_rewrite_starts_afresh(
    service: Loopback, tmp_path: Path, mode: str, kept: int
) -> None:
    cassette = tmp_path / "c.json"
    await _session(service, cassette, "once", (1,))
    await _session(service, cassette, mode, (1,))
    assert len(service.requests) == 6  # never replayed
    assert len(_published(cassette)) == kept
