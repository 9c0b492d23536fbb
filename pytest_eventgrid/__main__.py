"""`python -m pytest_eventgrid serve`: the emulator's command line."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run the command line (`pytest-eventgrid serve --help`)."""
    from ._api.cli import run

    status: int = run(sys.argv[1:] if argv is None else argv)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
