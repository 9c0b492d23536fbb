"""`pytest-eventgrid serve`: the emulator on the command line."""

from __future__ import annotations

import argparse
import threading

from .emulator import serve


def run(argv: list[str]) -> int:
    """Parse `argv` and run the command; the exit status."""
    parser = argparse.ArgumentParser(prog="pytest-eventgrid")
    commands = parser.add_subparsers(dest="command", required=True)
    serving = commands.add_parser("serve", help="serve a fake Event Grid over HTTP")
    serving.add_argument("--host", default="127.0.0.1")
    serving.add_argument("--port", type=int, default=0)
    serving.add_argument("--config")
    arguments = parser.parse_args(argv)
    with serve(host=arguments.host, port=arguments.port, config=arguments.config) as server:
        print(f"endpoint: {server.endpoint}", flush=True)
        threading.Event().wait()
    return 0
