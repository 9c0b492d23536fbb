"""Run the benchmarks, print their figures, and (with --write-docs) rewrite docs/benchmarks.md.

    python benchmarks/run.py                    # every benchmark
    python benchmarks/run.py publish intercept  # some of them
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
import bench_playback
import bench_publish
import bench_receive
import bench_scale
from _common import REPEAT, WARMUP, Figure, print_figures

BENCHMARKS: dict[str, ModuleType] = {
    "publish": bench_publish,
    "receive": bench_receive,
    "scale": bench_scale,
    "intercept": bench_intercept,
    "playback": bench_playback,
}
DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"

PAGE = """\
# Benchmarks

<!-- Written by `python benchmarks/run.py --write-docs`: edit benchmarks/run.py instead. -->

What does it cost to answer the real `azure-eventgrid` clients from an in-memory Event
Grid? Does the fake stay cheap when a queue gets deep? What does interception add to a
client built without `transport=`, and do the SDK's retries cost real time? How does
replaying a recorded session compare with vcrpy replaying the same one? Each figure
below compares timings taken in the same run, sample by sample in turn, against a
baseline measured alongside it. The ratios are what carry from one machine to another;
the absolute timings are there to give them a scale.

## Running them

```
tox -e bench
python benchmarks/run.py                    # every benchmark, about two minutes
python benchmarks/run.py publish intercept  # some of them
python benchmarks/run.py playback           # needs vcrpy: pip install vcrpy
python benchmarks/run.py --write-docs       # every benchmark, then rewrite this page
python benchmarks/bench_intercept.py        # one script on its own
```

The scripts print figures and assert nothing. They need no network and no Azure account.

## Method

- Each sample times a few calls in a row with `time.perf_counter` and divides by their
  number. The operations of one comparison take turns, sample by sample, so that drift in
  the machine's speed hits them alike. The first {warmup} rounds are warm-up and are not
  counted; a figure is the median of the next {repeat} samples.
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
- A figure with a target in seconds or milliseconds (the retries) is a wall time, not a
  ratio: it depends on the machine, and its target leaves a wide margin for that.

## What each benchmark measures

{descriptions}

## Results

Measured on {date}: {machine}; Python {python}; azure-eventgrid {eventgrid},
azure-core {core}. {verdict}

| Figure | Measured | Target | Met |
|---|---:|---|---|
{rows}

## Where a publish's time goes

The publish target (the fake at most 1.2 times a transport that does nothing) is missed
narrowly: 1.21 to 1.27 times over quiet runs. On its own, outside the SDK's pipeline,
the fake's transport adds about 25 µs to a publish: parsing the JSON body (the SDK sends
a batch), validating and storing each CloudEvent, fanning it out to the subscription's
queue, the journal entry, and the answer. Inside the pipeline the gap is about twice
that, because the fake keeps every event it is given (the topic's history, the queue,
the journal) and so touches more memory than a transport that keeps nothing. The
request-routing work is cached per URL, and timestamps already in the service's form are
kept as they are. What remains is the work of a broker that keeps what it is given; we
did not trade the failure report or the views for the last few microseconds.
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
