"""Playback of the Azure SDK's own test-proxy recordings, through the real clients.

```python
from pytest_eventgrid.recordings import playback

with playback("recordings/TestReleaseEvents.json") as player:
    run_the_code_under_test()  # its clients get the recorded answers
assert player.unused == []
```

The guide's "Playback" page explains the matching rules.
"""

from ._doors._playback import (
    Player,
    RecordedEntry,
    RecordedRequest,
    RecordedResponse,
    Recording,
    load_test_proxy,
    playback,
)

__all__ = [
    "Player",
    "RecordedEntry",
    "RecordedRequest",
    "RecordedResponse",
    "Recording",
    "load_test_proxy",
    "playback",
]
