"""Record and replay Event Grid traffic through the real clients.

```python
from pytest_eventgrid.recordings import playback, record

with record("cassettes/orders.json", mode="once") as recorder:
    run_the_code_under_test()  # real traffic, recorded (sanitised) the first time
with playback("recordings/TestReleaseEvents.json") as player:
    run_the_code_under_test()  # its clients get the recorded answers
assert player.unused == []
```

`playback()` reads native cassettes and the Azure SDK's test-proxy recordings. The
guide's "Playback" page explains the matching rules, the format and the record modes.
"""

from ._doors._playback import Player, playback
from ._doors._recorder import (
    RECORD_MODES,
    SANITIZED,
    SANITIZED_HEADERS,
    SANITIZED_NAMESPACE,
    Recorder,
    Sanitizer,
    record,
)
from ._doors._recording import (
    CASSETTE_VERSION,
    RecordedEntry,
    RecordedRequest,
    RecordedResponse,
    Recording,
    convert_test_proxy,
    load_cassette,
    load_recording,
    load_test_proxy,
    save_cassette,
)
from ._wire._matching import IGNORED_EVENT_FIELDS, MATCH_ON, MATCHABLE, Matching

__all__ = [
    "CASSETTE_VERSION",
    "IGNORED_EVENT_FIELDS",
    "MATCHABLE",
    "MATCH_ON",
    "RECORD_MODES",
    "SANITIZED",
    "SANITIZED_HEADERS",
    "SANITIZED_NAMESPACE",
    "Matching",
    "Player",
    "RecordedEntry",
    "RecordedRequest",
    "RecordedResponse",
    "Recorder",
    "Recording",
    "Sanitizer",
    "convert_test_proxy",
    "load_cassette",
    "load_recording",
    "load_test_proxy",
    "playback",
    "record",
    "save_cassette",
]
