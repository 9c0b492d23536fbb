"""Every namespace and Basic recording replays through the real clients, sync and async.

Each step's SDK result is checked against the recorded response as it goes (see
`_driver.py`); the transcripts below pin what the recordings say, from the table in
`tests/fidelity/recordings/README.md`. A recording not listed is one Basic publish,
answered 200.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_eventgrid.recordings import load_test_proxy, playback

from ._driver import FILES, Clients, Session, file_id, steps_of

EXPECTED: dict[str, tuple[str, ...]] = {
    "dotnet/Acknowledge": (
        "publish",
        "receive dc=[1]",
        "acknowledge ok=1",
    ),
    "dotnet/CannotPublishEventMissingApiEventsPathFromUri": ("basic 404 NotFound",),
    "dotnet/PublishBinaryModeEvent": (
        "publish",
        "receive dc=[1]",
    ),
    "dotnet/Reject": (
        "publish",
        "receive dc=[1]",
        "reject ok=1",
    ),
    "dotnet/ReleaseWithDelay": (
        "publish",
        "receive dc=[1]",
        "release ok=1",
    ),
    "dotnet/RenewLocks": (
        "publish",
        "receive dc=[1]",
        "renewLock ok=1",
    ),
    "go/TestClients_UsingSASKey": (
        "publish",
        "receive dc=[1]",
        "acknowledge ok=1",
    ),
    "go/TestFailedAck": (
        "publish",
        "receive dc=[1]",
        "acknowledge ok=1",
        "acknowledge ok=0 failed=TokenLost",
        "reject ok=0 failed=TokenLost",
        "release ok=0 failed=TokenLost",
    ),
    "go/TestPartialAckFailure": (
        "publish",
        "receive dc=[1, 1]",
        "acknowledge ok=1",
        "acknowledge ok=1 failed=TokenLost",
    ),
    "go/TestPublishCloudEvent_binaryMode": (
        "publish",
        "receive dc=[1]",
        "acknowledge ok=1",
    ),
    "go/TestPublishCloudEvent_binaryModeNoContentType": ("publish 400 BadRequest",),
    "go/TestPublishCloudEvent_binaryModeNoContentTypeFails": ("publish 400 BadRequest",),
    "go/TestPublishCloudEvent_binaryModeUseOptionalValues": (
        "publish",
        "receive dc=[1]",
        "acknowledge ok=1",
    ),
    "go/TestPublishCloudEvent_worksSameInBinaryVsNonBinaryMode": (
        "publish",
        "publish",
        "receive dc=[1, 1]",
        "acknowledge ok=2",
    ),
    "go/TestReject": (
        "publish",
        "receive dc=[1]",
        "reject ok=1",
        "receive dc=[]",
    ),
    "go/TestRejectEvents": (
        "publish",
        "receive dc=[1]",
        "reject ok=1",
        "receive dc=[]",
    ),
    "go/TestReleaseEvents": (
        "publish",
        "receive dc=[1]",
        "release ok=1",
        "receive dc=[2]",
        "acknowledge ok=1",
    ),
    "go/TestReleaseWithDelay": (
        "publish",
        "receive dc=[1]",
        "release ok=1",
        "receive dc=[2]",
        "acknowledge ok=1",
    ),
    "go/TestRenewCloudEventLocks": (
        "publish",
        "receive dc=[1]",
        "renewLock ok=1",
        "acknowledge ok=1",
    ),
    "go/TestRenewEventLocks": (
        "publish",
        "receive dc=[1]",
        "renewLock ok=1",
        "acknowledge ok=1",
    ),
    "go/TestSendEventsAndReceiveEvents": (
        "publish",
        "receive dc=[1, 1]",
        "acknowledge ok=1",
        "acknowledge ok=1",
    ),
    "go/TestSimpleErrors": ("publish 400 BadRequest",),
    "python/test_eg_client::test_publish_binary_mode_cloud_event": (
        "publish",
        "receive dc=[1]",
        "reject ok=1",
    ),
    "python/test_eg_client::test_publish_binary_mode_combinations": (
        "publish",
        "publish",
        "receive dc=[1]",
        "reject ok=1",
    ),
    "python/test_eg_client::test_publish_binary_mode_xml": (
        "publish",
        "receive dc=[1]",
        "reject ok=1",
    ),
    "python/test_eg_client::test_publish_receive_cloud_event": (
        "publish",
        "receive dc=[1]",
        "acknowledge ok=1",
    ),
    "python/test_eg_client::test_publish_release_cloud_event": (
        "publish",
        "receive dc=[1]",
        "release ok=1",
        "receive dc=[2]",
    ),
    "python/test_eg_client_exceptions::test_acknowledge_cloud_event_invalid_token": (
        "acknowledge ok=0 failed=BadToken",
    ),
    "python/test_eg_client_exceptions::test_acknowledge_cloud_event_not_found": (
        "acknowledge 404 NotFound",
    ),
    "python/test_eg_client_exceptions::test_publish_cloud_event_bad_request": (
        "publish 400 BadRequest",
    ),
    "python/test_eg_client_exceptions::test_publish_cloud_event_not_found": (
        "publish 404 NotFound",
    ),
    "python/test_eg_client_exceptions::test_receive_cloud_event_max_events_negative": (
        "receive 400 BadRequest",
    ),
    "python/test_eg_client_exceptions::test_receive_cloud_event_not_found": (
        "receive 404 NotFound",
    ),
    "python/test_eg_client_exceptions::test_receive_cloud_event_timeout_max_value": (
        "receive 400 ArgumentInvalid",
    ),
    "python/test_eg_client_exceptions::test_receive_cloud_event_timeout_min_value": (
        "receive 400 ArgumentInvalid",
    ),
    "python/test_eg_client_exceptions::test_receive_cloud_event_timeout_negative": (
        "receive 400 BadRequest",
    ),
    "python/test_eg_client_exceptions::test_reject_cloud_event_invalid_token": (
        "reject ok=0 failed=BadToken",
    ),
    "python/test_eg_client_exceptions::test_reject_cloud_event_not_found": ("reject 404 NotFound",),
    "python/test_eg_client_exceptions::test_release_cloud_event_invalid_token": (
        "release ok=0 failed=BadToken",
    ),
    "python/test_eg_client_exceptions::test_release_cloud_event_not_found": (
        "release 404 NotFound",
    ),
    "python/test_exceptions::test_raise_on_auth_error": ("basic 401 Unauthorized",),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("path", FILES, ids=file_id)
async def test_the_recorded_session_replays_through_the_sdk(clients: Clients, path: Path) -> None:
    recording = load_test_proxy(path)

    async with playback(recording) as player:
        transcript = await Session(clients, recording).run(steps_of(path))

    assert tuple(transcript) == EXPECTED.get(file_id(path), ("basic",))
    assert player.mismatches == []
    assert player.unused == []
    assert [entry.index for entry in player.played] == list(range(len(recording.entries)))


def test_every_recording_is_driven() -> None:
    assert len(FILES) == 62
    assert set(EXPECTED) <= {file_id(path) for path in FILES}
