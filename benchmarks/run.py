"""Run the benchmarks, print their figures, and (with --write-docs) rewrite docs/benchmarks.md.

    python benchmarks/run.py                    # every benchmark
    python benchmarks/run.py startup pertest    # some of them
    python benchmarks/run.py --write-docs       # every benchmark, then rewrite the page

The figures are printed, never asserted: the exit status is 0 whatever they are.
"""

from __future__ import annotations

import argparse
import datetime
import inspect
import os
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path
from types import ModuleType

import bench_intercept
import bench_pertest
import bench_playback
import bench_publish
import bench_receive
import bench_scale
import bench_server
import bench_startup
from _common import REPEAT, WARMUP, Figure, print_figures

BENCHMARKS: dict[str, ModuleType] = {
    "startup": bench_startup,
    "pertest": bench_pertest,
    "publish": bench_publish,
    "receive": bench_receive,
    "scale": bench_scale,
    "intercept": bench_intercept,
    "playback": bench_playback,
    "server": bench_server,
}
DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"

PAGE = """\
# Benchmarks

<!-- Written by `python benchmarks/run.py --write-docs`: edit benchmarks/run.py instead. -->

What does the plugin cost every pytest run that has it installed, and every test that
asks for the fake? What does it cost to answer the real `azure-eventgrid` clients from
an in-memory Event Grid? Does the fake stay cheap when a queue gets deep? What does
interception add to a client built without `transport=`, and do the SDK's retries cost
real time? How does replaying a recorded session compare with vcrpy replaying the same
one? What does the emulator add over HTTP to a bare server, and how fast does a waiting
receive wake? Each figure below compares timings taken in the same run, sample by sample in
turn, against a baseline measured alongside it. The ratios are what carry from one
machine to another; the absolute timings are there to give them a scale.

## Running them

```
tox -e bench
python benchmarks/run.py                    # every benchmark, about four minutes
python benchmarks/run.py startup pertest    # some of them
python benchmarks/run.py playback           # needs vcrpy: pip install vcrpy
python benchmarks/run.py --write-docs       # every benchmark, then rewrite this page
python benchmarks/bench_intercept.py        # one script on its own
python benchmarks/bench_pertest.py --profile  # where the fixture's time goes
python benchmarks/bench_publish.py --profile  # where the fake's side of a publish goes
```

The scripts print figures and assert nothing. They need no network and no Azure account.

## Method

- Each sample times a few calls in a row in CPU time (`time.process_time`, so that other
  processes on the machine do not count) and divides by their number. The operations of
  one comparison take turns, sample by sample, in an order that rotates by one every
  round, so that drift in the machine's speed, and whatever the side before left in the
  caches, hit them alike. The first {warmup} rounds are warm-up and are not counted; a
  figure is the median of the next {repeat} samples.
- The start-up and per-test benchmarks time whole `pytest` runs in child processes of
  the same interpreter and environment, with the package installed as from a wheel;
  a run's CPU time is `resource.getrusage(RUSAGE_CHILDREN)`'s user + system time. Their
  figures are milliseconds added, against the same runs without the plugin.
- The garbage collector is paused while a sample runs, as `timeit` does.
- The **null transport** (`benchmarks/_common.py`) is an azure-core `AsyncHttpTransport`
  with no logic: it answers each operation with a canned 200 body (`{{}}` for a publish,
  100 events for a receive, 100 succeeded tokens for an acknowledge), wrapped in the same
  response class as the fake's. It does no I/O, so it is cheaper than any real
  transport: against `aiohttp` and a real network, the fake's share would be smaller.
- Queues are filled through the broker, without HTTP, and topped up between samples,
  untimed.
- Interception is switched off and on again between samples, untimed, where a side of
  a comparison runs without it.
- The playback benchmark compares with vcrpy, which pytest-eventgrid does not depend
  on: `pip install vcrpy` first. Without it, the benchmark prints `vcrpy not installed:
  skipped` and its figures are left out of the table.
- The retry figure is the one in wall time (`time.perf_counter`), because CPU time would
  not count a real back-off's sleep; it is a ratio too.
- A target in milliseconds (start-up, per test) is in CPU time on the machine below: a
  slower machine pays more, and so the figure may move with it.
- The emulator's figures (`bench_server.py`) go over real loopback TCP to uvicorn on a
  thread of the same process. Its publish ratios are CPU time of the whole process, so
  the server thread counts on both sides; the wake-up latency and the throughput are
  wall time (`time.perf_counter`), since waiting is what they measure; memory and
  threads are read from `/proc` for an emulator run as a separate process.

## What each benchmark measures

{descriptions}

## Results

Measured on {date}: {machine}; Python {python}; azure-eventgrid {eventgrid},
azure-core {core}. {verdict}

| Figure | Measured | Target | Met |
|---|---:|---|---|
{rows}

## Where the time goes

**Start-up.** Loading the plugin imports pytest and the standard library only:
`pytest_eventgrid.plugin` registers its options, marker and fixtures, and the library
(azure-eventgrid, azure-core, faker, respx, httpx) is imported by a fixture or hook the
first time a test uses it. `pytest_eventgrid/__init__.py` imports a public name from its
module on first use (a module `__getattr__`). What the plugin adds to a run is a few
milliseconds, with or without bytecode caching. The "not installed" figures are higher
by what faker and respx, both dependencies, cost on their own: each registers a pytest
plugin, which imports faker, respx and httpx in every pytest run whether
pytest-eventgrid's plugin is loaded or not (about 110 ms). No change to the plugin's
code can remove that; making faker and respx optional extras, or interception not
depend on respx, can.

**Per test.** The marker is read once per test and only when the test has one; a
marked test gets the `eventgrid` fixture added to its fixtures at collection, so no
autouse fixture runs for every test. What the plugin costs a test that does not use it
is within the noise. Interception is installed once per session, with its first fake,
and removed when the session ends (`hold_interception()`); each test's fake only switches
which fake answers. Before that, `mock_eventgrid()` installed the patches on entry and
removed them on exit, every test, and starting the respx router (which patches httpx's
transports with `unittest.mock` objects built with a spec) was about two thirds of the
fixture's time. What remains is building the `EventGrid` (about 45 µs) and the
fixture's own bookkeeping (`python benchmarks/bench_pertest.py --profile`).

**Publish.** Publishing one event through the real aio client costs about 29 µs more on
the fake than on the null transport (about 215 µs against 186 µs of CPU time). The fake's
`send()` alone costs about 12.5 µs in a tight loop, but inside the SDK's pipeline its
code and data start cold each time, and the same work costs about twice that. Swapping
one stage per sample inside one run puts about half of the gap in parsing and validating
the CloudEvents batch (`_wire/_cloudevents.py`, about 14 µs) and about 7 µs in storing
the event (`_broker/_namespace.py` `publish`: the queue entry and the journal entry);
routing and the azure-core conversion make up the rest, and the `Date` header costs
nothing measurable. Keeping each event (about 1.3 KB in about 13 objects) costs CPU time
of its own: about 0.36 minor page faults per publish, where the null transport keeps
nothing. Taking passes out of that path moved the ratio from 1.25x to 1.15-1.17x (one
pass of validation for the common CloudEvent shape, a fast path for compact JSON, `data`
re-sorted only when it is not sorted, headers lowered in one pass, journal items built
on first read, one broker lookup per request). Trimming further (key interning,
merged parse-and-validate, fewer calls in routing) cut a fifth of the opcodes per
publish with no measurable effect. Switching off one stage at a time (in separate runs)
priced them inside the pipeline: storing the event at all about 0.05 of the ratio,
validating it about 0.03, the queue entry about 0.02 and the journal entry about 0.01.
A queue now keeps an event that was never delivered in two first-in-first-out queues
(publish order, and time-to-live order while the time-to-live does not shrink) instead
of an entry in each of two heaps: a third less memory per queued event (the broker's
share went from 327 to 207 bytes) and flat receives at a depth of a million; with the
journal entry's fields written straight into its dictionary, the publish ratio went
from 1.15-1.17x to 1.145-1.16x. Validation used to copy each event, naming its
attributes with shared strings; it now keeps the object the wire parsed, which takes
about 0.01 off the ratio (1.135-1.155x, median 1.14x) and costs about 300 bytes per event
published alone (the strings of its attribute names; a batch's events share them
already, so the 1 KB figure below does not move). What is left is the queue entry and
the journal entry: objects that the fake's assertions and views read.

**Push delivery's hidden cost.** A publish offers each event to the topic's push
subscriptions after its queue subscriptions; a topic without any pays one test of an
empty dict. The fake finds a topic's push subscriptions in the topic itself, so ten
webhooks, an event hub and a route on other topics cost nothing to a topic that has
none: the "push elsewhere / fake" ratio stays within the noise of 1.00x, and the
fake/null ratio is where it was before push delivery came (1.15-1.17x).

**The emulator.** Over loopback HTTP the emulator adds little to what uvicorn and the
SDK cost on their own (the canned `{{}}` server). A waiting receive is answered about
two milliseconds after the publish that wakes it starts, most of which is the publish's
own trip through the SDK and the server: the wake-up goes from the broker's listener to
the server's event loop with `call_soon_threadsafe`, and the receive's answer often
reaches the client before the publish's does. (Measured from the publish's answer, as
this benchmark first did, that latency came out near zero or negative; and a receive
that found events left by the publish benchmark did not wait at all. The benchmark now
resets the server first and refuses a receive that did not wait.) Before the listening socket was
created as TCP (`IPPROTO_TCP`), asyncio did not set `TCP_NODELAY` on its connections,
and an answer written in two parts (head, then body) waited out the client's delayed
ACK: about 40 ms per wake-up. Each waiting receive is two asyncio tasks on the server's
loop (the request and its disconnect watch) and no thread.
"""


def machine() -> str:
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores"


def description(module: ModuleType) -> str:
    """A benchmark's docstring without its first line, its title."""
    _, _, body = (module.__doc__ or "").partition("\n")
    return inspect.cleandoc(body)


def verdict(figures: list[Figure]) -> str:
    targeted = [figure for figure in figures if figure.target is not None]
    missed = [figure.name for figure in targeted if not figure.met]
    text = f"{len(targeted) - len(missed)} of {len(targeted)} targets met."
    return text + (f" Missed: {'; '.join(missed)}." if missed else "")


def page(results: dict[str, list[Figure]]) -> str:
    figures = [figure for group in results.values() for figure in group]
    descriptions = "\n\n".join(
        f"### {module.TITLE}\n\n{description(module)}" for module in BENCHMARKS.values()
    )
    rows = "\n".join(
        f"| {figure.name} | {figure.shown} | {figure.target_shown} | {figure.verdict} |"
        for figure in figures
    )
    return PAGE.format(
        warmup=WARMUP,
        repeat=REPEAT,
        descriptions=descriptions,
        date=datetime.date.today().isoformat(),
        machine=machine(),
        python=platform.python_version(),
        eventgrid=version("azure-eventgrid"),
        core=version("azure-core"),
        verdict=verdict(figures),
        rows=rows,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="name", help=", ".join(BENCHMARKS))
    parser.add_argument(
        "--write-docs", action="store_true", help=f"rewrite docs/{DOCS.name} from the figures"
    )
    arguments = parser.parse_args(argv)
    names = arguments.names or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(
            f"no benchmark named {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
    if arguments.write_docs and names != list(BENCHMARKS):
        parser.error("--write-docs runs every benchmark: name none")

    results: dict[str, list[Figure]] = {}
    started = time.perf_counter()
    for name in names:
        module = BENCHMARKS[name]
        results[name] = module.run()
        print_figures(module.TITLE, results[name])
    figures = [figure for group in results.values() for figure in group]
    print(f"\n{verdict(figures)} ({time.perf_counter() - started:.0f} s)")
    if arguments.write_docs:
        DOCS.parent.mkdir(exist_ok=True)
        DOCS.write_text(page(results), encoding="utf-8")
        print(f"wrote docs/{DOCS.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
