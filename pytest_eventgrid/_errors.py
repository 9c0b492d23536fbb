"""Errors the toolkit raises when it is misused, and where the docs explain them."""

from __future__ import annotations

DOCS_URL = "https://pytest-eventgrid.readthedocs.io/en/latest"


def docs(anchor: str) -> str:
    """The documentation address for `anchor` ("page/#section")."""
    return f"{DOCS_URL}/{anchor}"


class UsageError(Exception):
    """The toolkit was called in a way it does not support.

    The message says what was seen, what is allowed, and where the docs are.
    """


UsageError.__module__ = "pytest_eventgrid"  # its public home, as tracebacks show it
