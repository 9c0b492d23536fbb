"""`pytest-eventgrid serve`: the emulator on the command line.

It starts the server, prints where it answers (and the key, the Basic topics and, with
`--https`, the CA file), and serves until Ctrl-C or SIGTERM, which stop it within a
second: waiting receives are answered empty. A bad option or config file is a message
on stderr and exit status 2, with no traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator, Mapping
from types import FrameType
from typing import Any, TextIO

from .._errors import UsageError
from .emulator import CLOCKS, EventGridServer, serve

PROGRAM = "pytest-eventgrid"
USAGE_STATUS = 2
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def parser() -> argparse.ArgumentParser:
    """The command line's parser: `serve` and its options."""
    main = argparse.ArgumentParser(
        prog=PROGRAM, description="A fake Azure Event Grid for tests (pytest-eventgrid)."
    )
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serving = commands.add_parser(
        "serve",
        help="serve a fake Event Grid over HTTP",
        description="Serve a fake Event Grid over HTTP until Ctrl-C or SIGTERM.",
    )
    serving.add_argument(
        "--host", default="127.0.0.1", help="the address to bind (default: 127.0.0.1)"
    )
    serving.add_argument(
        "--port", type=int, default=0, help="the port to bind (default: 0, any free port)"
    )
    serving.add_argument(
        "--config",
        metavar="FILE",
        help="a JSON or TOML file of @pytest.mark.eventgrid's keys (topics, basic_topics, ...)",
    )
    serving.add_argument(
        "--https",
        action="store_true",
        help="serve HTTPS, with a local CA made for this run (its file is printed)",
    )
    serving.add_argument(
        "--seed", type=_seed, help="seed the ids the fake makes (an int, or any text)"
    )
    serving.add_argument(
        "--clock",
        choices=CLOCKS,
        default="real",
        help="real: time passes (default); virtual: it stands still until "
        "POST /_admin/clock/advance",
    )
    serving.add_argument(
        "--time-scale",
        type=float,
        metavar="N",
        help="with the real clock, N seconds pass per real second (default: 1)",
    )
    return main


def _seed(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text


def run(argv: list[str]) -> int:
    """Parse `argv` and run the command; the exit status."""
    arguments = parser().parse_args(argv)
    if arguments.time_scale is not None and arguments.clock == "virtual":
        return _refused("--time-scale is for the real clock; --clock virtual stands still.")
    stopping = threading.Event()
    previous = _on_signals(stopping)
    try:
        try:
            server = serve(
                host=arguments.host,
                port=arguments.port,
                config=arguments.config,
                https=arguments.https,
                seed=arguments.seed,
                clock=arguments.clock,
                time_scale=1.0 if arguments.time_scale is None else arguments.time_scale,
            ).start()
        except UsageError as error:
            return _refused(str(error))
        try:
            write_banner(server, sys.stdout)
            while not stopping.wait(0.25):  # a timeout keeps signals prompt everywhere
                pass
        finally:
            server.stop()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 0


def _refused(message: str) -> int:
    print(f"{PROGRAM} serve: error: {message}", file=sys.stderr, flush=True)
    return USAGE_STATUS


def _on_signals(stopping: threading.Event) -> dict[int, Any]:
    """Make SIGINT and SIGTERM set `stopping`; the handlers they had."""

    def stop(number: int, frame: FrameType | None) -> None:
        stopping.set()

    return {number: signal.signal(number, stop) for number in STOP_SIGNALS}


def write_banner(server: EventGridServer, out: TextIO) -> None:
    """Print where `server` answers, one `name: value` a line, and flush."""
    eventgrid = server.eventgrid
    settings = server.settings
    lines = [
        f"{PROGRAM}: a fake Azure Event Grid, clock {server.clock_mode}"
        + (f" x{server.time_scale:g}" if server.clock_mode == "real" else ""),
        f"namespace endpoint: {server.endpoint}",
        f"namespace: {eventgrid.namespace_name}",
        f"default topic: {eventgrid.default_topic}",
        f"default subscription: {eventgrid.default_subscription}",
        f"key: {server.key}"
        + ("" if settings.get("key") else " (any key is accepted: set key to require one)"),
    ]
    for kind, name in basic_declarations(settings.get("basic_topics") or {}):
        lines.append(f"basic {kind} {name}: {server.basic_endpoint(name)}")
    if server.ca_file is not None:
        lines.append(f"ca file: {server.ca_file}")
    lines.append(f"admin: {server.url}/_admin/")
    lines.append("Ctrl-C stops it.")
    out.write("\n".join(lines) + "\n")
    out.flush()


def basic_declarations(basic_topics: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(kind, name) of each declared Basic topic, domain or partner namespace."""
    for name, declaration in basic_topics.items():
        kind = declaration.get("kind", "topic") if isinstance(declaration, Mapping) else "topic"
        yield ("partner namespace" if kind == "partner" else kind), name
