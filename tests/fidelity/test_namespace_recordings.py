"""The fake answers every recorded namespace request as the real service did."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._replay import Replay, load, namespace_recordings

RECORDINGS = namespace_recordings()


def test_every_namespace_recording_is_replayed() -> None:
    # The Basic (/api/events) recordings are kept beside them for a later issue.
    languages = [path.parent.name for path in RECORDINGS]
    assert {name: languages.count(name) for name in set(languages)} == {
        "python": 18,
        "go": 16,
        "dotnet": 5,
    }


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_the_fake_answers_like_the_recorded_service(path: Path) -> None:
    recording = load(path)
    replay = Replay(recording)
    for number, entry in enumerate(recording.entries, start=1):
        fake, recorded = replay.send(entry)
        assert fake == recorded, f"entry {number}: {entry.method} {entry.url}"
