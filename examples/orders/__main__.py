"""Run the order service, as a deployment does: `python -m orders worker` or `api`.

- `worker` receives `Order.Created` events from the queue subscription and fulfils
  each order (here: it prints `fulfilled <order_id>`), until SIGTERM or Ctrl-C. It then
  finishes the batch in hand (at most `ORDERS_MAX_WAIT_TIME_SECONDS` of waiting) and
  exits 0; a second signal stops it at once.
- `api` serves `POST /orders` (the FastAPI app of `orders.api`) under uvicorn.

Both read their settings from the `ORDERS_*` environment variables (see `Settings`).
A missing or invalid setting exits 2 with the reason on stderr.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from azure.core.exceptions import AzureError

from .errors import ConfigurationError
from .models import Order
from .settings import Settings
from .worker import SyncOrderWorker

logger = logging.getLogger("orders")


def fulfil(order: Order) -> None:
    """Hand the order to the warehouse; here, say so on stdout."""
    print(f"fulfilled {order.order_id}", flush=True)


def run_worker(settings: Settings) -> int:
    """Fulfil orders until SIGTERM or SIGINT; the exit status."""
    stopping = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("%s: stopping after the batch in hand", signal.Signals(signum).name)
        stopping.set()
        signal.signal(signum, signal.SIG_DFL)  # a second one stops at once

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    logger.info("receiving from %s/%s", settings.topic, settings.subscription)
    try:
        with SyncOrderWorker(settings, fulfil) as worker:
            worker.run(stop=stopping.is_set)
    except AzureError as error:  # what waiting cannot cure: a refused key, no such topic
        logger.error("Event Grid refused the worker: %s", error)
        return 1
    logger.info("stopped")
    return 0


def run_api(settings: Settings, host: str, port: int) -> int:
    """Serve the orders API until SIGTERM or SIGINT; the exit status."""
    import uvicorn

    from .api import create_app

    # uvicorn shuts down gracefully on SIGTERM and SIGINT, then raises the signal again
    # for the handler it found: this one, which ends the process with status 0.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_quietly)
    uvicorn.run(create_app(settings), host=host, port=port)
    return 0


def _exit_quietly(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: `python -m orders {worker,api}`."""
    parser = argparse.ArgumentParser(prog="python -m orders", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("worker", help="fulfil the orders of the queue subscription")
    api = commands.add_parser("api", help="serve POST /orders under uvicorn")
    api.add_argument("--host", default="127.0.0.1", help="the address to bind (127.0.0.1)")
    api.add_argument("--port", type=int, default=8000, help="the port to bind (8000)")
    arguments = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("azure").setLevel(logging.WARNING)  # not every request and response
    try:
        settings = Settings.from_env()
    except ConfigurationError as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return 2
    if arguments.command == "worker":
        return run_worker(settings)
    return run_api(settings, arguments.host, arguments.port)


if __name__ == "__main__":
    sys.exit(main())
