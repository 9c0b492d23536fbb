"""Errors the toolkit raises when it is misused, and where the docs explain them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

DOCS_URL = "https://pytest-eventgrid.readthedocs.io/en/latest"


def docs(anchor: str) -> str:
    """The documentation address for `anchor` ("page/#section")."""
    return f"{DOCS_URL}/{anchor}"


class UsageError(Exception):
    """The toolkit was called in a way it does not support.

    The message says what was seen, what is allowed, and where the docs are.
    """


UsageError.__module__ = "pytest_eventgrid"  # its public home, as tracebacks show it


def usage_error(what: str, given: object, expected: str, anchor: str) -> UsageError:
    """The `UsageError` for `what` (an argument, as the caller wrote it) given `given`:
    "<what>: got <given!r>. Expected <expected>. See <docs url>"."""
    return UsageError(f"{what}: got {given!r}. Expected {expected}. See {docs(anchor)}")


def one_of(choices: Iterable[object], given: object = None) -> str:
    """ "one of a, b, c", with a "did you mean" hint when `given` is a near miss."""
    names = [str(choice) for choice in choices]
    return f"one of {', '.join(names)}{did_you_mean(given, names)}"


def did_you_mean(given: object, choices: Iterable[object]) -> str:
    """ " (did you mean 'x'?)" when `given` is close to one of `choices`, else ""."""
    if not isinstance(given, str):
        return ""
    close = difflib.get_close_matches(given, [str(choice) for choice in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
