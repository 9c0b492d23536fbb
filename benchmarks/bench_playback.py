"""Playback of a recorded session, against vcrpy (aio clients)

One session of 333 rounds (publish 1 event, `receive(max_events=1)`, `acknowledge()`
of its lock token) plus a last publish, 1,000 requests in all, is recorded once with
`pytest_eventgrid.recordings.record()` from the real `azure.eventgrid.aio` clients,
answered by the fake (`async_transport=eventgrid.async_transport()`, so nothing
leaves the process). The same interactions are written as a vcrpy YAML cassette
(bodies as text, headers as lists, as vcrpy records them). One sample replays the
whole session with fresh clients built without `transport=`: on one side inside
`async with playback(cassette):`, which intercepts the SDK's transport; on the other
inside vcrpy's `use_cassette(record_mode="none")`, which patches `aiohttp` under the
SDK's default `AioHttpTransport`. Each sample loads its cassette from the file and
checks that every interaction was played, once. vcrpy matches on its default
method, scheme, host, port, path and query; the player also matches bodies (as
JSON, ignoring event ids and times, counting lock tokens). Both look for the first
unplayed match in recording order, so both do more work per request the longer the
cassette. vcrpy runs its matchers on each interaction up to that match, played or
not, twice per request (to check, then to play), and that is where nearly all of its
time goes; the player skips played entries with a set lookup and compares a key
parsed once per entry. A vcrpy sample takes seconds, so a figure is the median of 3
samples after 1 warm-up round, about two minutes in all.

Two more sides keep the comparison honest. vcrpy also replays with
`match_on=("method", "path")`, the cheapest matching that still plays this session
in order, which spares it most of its matcher calls. And the same comparison runs on
a session of 3 rounds and a last publish, 10 interactions, the size of a typical
test's cassette, where neither search is long (the median of 21 samples after 3
warm-up rounds). At that size both runs are mostly the SDK's own work, which the
tools share, so their whole-run ratio cannot go far below the SDK's share of vcrpy's run;
a fourth side measures that floor: the same session with the recorded responses handed
out in order through `transport=` (no matching, no file, no patching). The targeted
figure is then each tool's time over the floor, ours against vcrpy's on method and
path, at both sizes; the 10-interaction whole-run ratios are reported without one.
The benchmark is skipped, with a line that says so, when vcrpy is not installed
(`pip install vcrpy`).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from _common import Figure, NullAsyncTransport, interleaved, print_figures
from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid.aio import EventGridConsumerClient, EventGridPublisherClient

from pytest_eventgrid import EventGrid
from pytest_eventgrid._doors._azure import AzureRequest, FakeAsyncHttpResponse
from pytest_eventgrid._wire import WireResponse
from pytest_eventgrid.recordings import load_cassette, playback, record

TITLE = __doc__.partition("\n")[0]
TARGET = 0.5  # ours at least twice as fast as vcrpy
# Rounds of publish, receive, acknowledge, then one publish: 1,000 and 10 interactions;
# and how many samples each size takes (counted, warm-up).
SIZES = {333: (3, 1), 3: (21, 3)}
OURS, VCRPY, VCRPY_PATH = "pytest-eventgrid", "vcrpy", "vcrpy on method+path"
FLOOR = "recorded answers, no tool"
TARGETED_SIZES = (333,)
DATA = {"order": 1, "lines": ["widget", "gadget"]}
ENDPOINT = "https://test-namespace.westus-1.eventgrid.azure.net"
TOPIC, SUBSCRIPTION = "test-topic", "test-subscription"


# -- the session -----------------------------------------------------------------------------


def interactions(rounds: int) -> int:
    return 3 * rounds + 1


async def session(rounds: int, **client_options: Any) -> None:
    """The session's requests: fresh aio clients with the SDK's default transport (or
    the `transport=` in `client_options`)."""
    credential = AzureKeyCredential("benchmark-key")
    async with (
        EventGridPublisherClient(
            ENDPOINT, credential, namespace_topic=TOPIC, **client_options
        ) as publisher,
        EventGridConsumerClient(
            ENDPOINT, credential, namespace_topic=TOPIC, subscription=SUBSCRIPTION, **client_options
        ) as consumer,
    ):
        for _ in range(rounds):
            await publisher.send(
                CloudEvent(source="/benchmarks", type="Benchmarks.Played", data=DATA)
            )
            [detail] = await consumer.receive(max_events=1, max_wait_time=10)
            await consumer.acknowledge(lock_tokens=[detail.broker_properties.lock_token])
        await publisher.send(CloudEvent(source="/benchmarks", type="Benchmarks.Played", data=DATA))


async def record_session(path: Path, rounds: int) -> None:
    """Record the session into a native cassette, the fake answering."""
    eventgrid = EventGrid()
    if eventgrid.endpoint != ENDPOINT:
        raise RuntimeError(f"the fake's endpoint is {eventgrid.endpoint}, not {ENDPOINT}")
    async with record(path, mode="rewrite", async_transport=eventgrid.async_transport()):
        await session(rounds)


# -- the vcrpy cassette ------------------------------------------------------------------------


def vcrpy_cassette(native: Path, path: Path) -> None:
    """The native cassette's interactions as a vcrpy (version 1) YAML cassette."""
    import yaml

    interactions: list[dict[str, Any]] = []
    for entry in load_cassette(native).entries:
        request, response = entry.request, entry.response
        interactions.append(
            {
                "request": {
                    "body": request.body.decode("utf-8") or None,
                    "headers": {name: [value] for name, value in request.headers.items()},
                    "method": request.method,
                    "uri": request.url,
                },
                "response": {
                    "body": {"string": response.body.decode("utf-8")},
                    "headers": {name: [value] for name, value in response.headers.items()},
                    "status": {"code": response.status, "message": "OK"},
                },
            }
        )
    dumper = getattr(yaml, "CDumper", yaml.Dumper)
    path.write_text(yaml.dump({"interactions": interactions, "version": 1}, Dumper=dumper))


# -- the sides -------------------------------------------------------------------------------


class RecordedAnswers(NullAsyncTransport):
    """The floor of any replay: the recorded responses, handed out in order with no
    matching, no file to read and no patching, through `transport=`."""

    def __init__(self, cassette: Path) -> None:
        self._answers = [
            WireResponse(entry.response.status, dict(entry.response.headers), entry.response.body)
            for entry in load_cassette(cassette).entries
        ]
        self._next = iter(self._answers)

    def rewind(self) -> None:
        self._next = iter(self._answers)

    async def send(self, request: AzureRequest, **kwargs: Any) -> FakeAsyncHttpResponse:
        return FakeAsyncHttpResponse(request, next(self._next))


def floor_side(cassette: Path, rounds: int) -> Any:
    transport = RecordedAnswers(cassette)

    async def replay() -> None:
        transport.rewind()
        await session(rounds, transport=transport)

    return replay


async def ours(cassette: Path, rounds: int) -> None:
    async with playback(cassette) as player:
        await session(rounds)
    if player.unused or player.mismatches or len(player.played) != interactions(rounds):
        raise RuntimeError(f"playback left {len(player.unused)} unused: {player.mismatches[:1]}")


def vcrpy_side(cassette: Path, rounds: int, **options: Any) -> Any:
    import vcr

    replayer = vcr.VCR(record_mode="none", **options)

    async def replay() -> None:
        with replayer.use_cassette(str(cassette)) as played:
            await session(rounds)
        if not played.all_played or played.play_count != interactions(rounds):
            raise RuntimeError(f"vcrpy played {played.play_count} of {interactions(rounds)}")

    return replay


async def measure_size(folder: Path, rounds: int) -> list[Figure]:
    count = interactions(rounds)
    native, yaml_cassette = folder / f"session-{count}.json", folder / f"session-{count}.yaml"
    await record_session(native, rounds)
    recorded = len(json.loads(native.read_text(encoding="utf-8"))["interactions"])
    if recorded != count:
        raise RuntimeError(f"recorded {recorded} interactions, not {count}")
    vcrpy_cassette(native, yaml_cassette)
    repeat, warmup = SIZES[rounds]
    seconds = await interleaved(
        {
            OURS: lambda: ours(native, rounds),
            VCRPY: vcrpy_side(yaml_cassette, rounds),
            VCRPY_PATH: vcrpy_side(yaml_cassette, rounds, match_on=("method", "path")),
            FLOOR: floor_side(native, rounds),
        },
        per_sample=1,
        repeat=repeat,
        warmup=warmup,
    )
    what = f"replay {count:,} interactions"
    # Whole-run ratios carry a target only where the tools' own work outweighs the SDK's.
    whole = TARGET if rounds in TARGETED_SIZES else None
    floor = seconds[FLOOR]
    return [
        Figure(f"{what}, {side}", seconds[side] * 1e3, "ms")
        for side in (OURS, VCRPY, VCRPY_PATH, FLOOR)
    ] + [
        Figure(f"{what}, {OURS} / {VCRPY}", seconds[OURS] / seconds[VCRPY], "x", whole),
        Figure(f"{what}, {OURS} / {VCRPY_PATH}", seconds[OURS] / seconds[VCRPY_PATH], "x", whole),
        Figure(
            f"{what}, over the floor, {OURS} / {VCRPY_PATH}",
            (seconds[OURS] - floor) / (seconds[VCRPY_PATH] - floor),
            "x",
            TARGET,
        ),
    ]


async def measure() -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        return [figure for rounds in SIZES for figure in await measure_size(Path(folder), rounds)]


def run() -> list[Figure]:
    try:
        import vcr  # noqa: F401
    except ImportError:
        print("\nplayback benchmark: vcrpy not installed: skipped (pip install vcrpy)")
        return []
    return asyncio.run(measure())


if __name__ == "__main__":
    print_figures(TITLE, run())
