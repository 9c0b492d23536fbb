"""The kernel every layer may import: the `UsageError` the toolkit raises when it is
misused, the one helper that builds it (with the docs anchor that explains it), the
argument checks of the public API, and `NOT_GIVEN`, the one marker of a value left out.

Each check returns the value (converted where it says so) or raises the `UsageError`
that names the argument, what was given, what was expected and the docs anchor.
"""

from __future__ import annotations

import difflib
import enum
import math
import os
from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta
from typing import Any, overload

DOCS_URL = "https://pytest-eventgrid.readthedocs.io/en/latest"


class NotGiven(enum.Enum):
    """The type of `NOT_GIVEN`; `isinstance(value, NotGiven)` narrows a type to it."""

    NOT_GIVEN = enum.auto()

    def __repr__(self) -> str:
        return "<not given>"


# Typed Any so that a keyword of any type may default to it (`type: str = NOT_GIVEN`).
NOT_GIVEN: Any = NotGiven.NOT_GIVEN
"""The one marker of a value left out (a keyword not given, a key not there), where
None is a value of its own."""


def docs(anchor: str) -> str:
    """The documentation address for `anchor` ("page/#section")."""
    return f"{DOCS_URL}/{anchor}"


class UsageError(Exception):
    """The toolkit was called in a way it does not support.

    The message says what was seen, what is allowed, and where the docs are.
    """


UsageError.__module__ = "pytest_eventgrid"  # its public home, as tracebacks show it


@overload
def usage_error(what: str, given: object, expected: str, anchor: str, /) -> UsageError: ...


@overload
def usage_error(message: str, /, *, anchor: str) -> UsageError: ...


def usage_error(
    what: str,
    given: object = None,
    expected: str | None = None,
    page: str | None = None,
    /,
    *,
    anchor: str | None = None,
) -> UsageError:
    """The one builder of `UsageError`s; every message ends with its docs address.

    `usage_error(what, given, expected, anchor)`, for an argument (`what`, as the caller
    wrote it) given a wrong value: "<what>: got <given!r>. Expected <expected>. See <url>".
    `usage_error(message, anchor=anchor)`, for any other misuse: "<message> See <url>".
    """
    address = docs(anchor or page or "")
    if expected is None:
        return UsageError(f"{what} See {address}")
    return UsageError(f"{what}: got {given!r}. Expected {expected}. See {address}")


def in_context(where: str, error: UsageError) -> UsageError:
    """`error` again, its message prefixed with `where` it was found (the marker, say)."""
    return UsageError(f"{where}: {error}")


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


# -- argument checks --------------------------------------------------------------------


def is_number(value: object) -> bool:
    """An int or a float, but not a bool (which Python counts as an int)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def seconds(what: str, value: object, anchor: str, *, timedeltas: bool = True) -> float:
    """A finite duration >= 0, in seconds: a number, or (with `timedeltas`) a `timedelta`."""
    kinds = "a number of seconds or a timedelta" if timedeltas else "a number of seconds"
    if timedeltas and isinstance(value, timedelta):
        duration = value.total_seconds()
    elif is_number(value):
        duration = float(value)  # type: ignore[arg-type]
    else:
        raise usage_error(what, value, f"{kinds}, finite and >= 0", anchor)
    if not math.isfinite(duration) or duration < 0:
        raise usage_error(what, value, f"{kinds}, finite and >= 0", anchor)
    return duration


def positive_number(what: str, value: object, anchor: str) -> float:
    """A finite number above 0."""
    if not is_number(value) or not math.isfinite(value) or value <= 0:  # type: ignore[arg-type, operator]
        raise usage_error(what, value, "a finite number above 0", anchor)
    return float(value)  # type: ignore[arg-type]


def instant(what: str, value: object, anchor: str) -> float:
    """A finite number (of seconds on the virtual clock)."""
    if not is_number(value) or not math.isfinite(value):  # type: ignore[arg-type]
        raise usage_error(what, value, "a finite number of seconds", anchor)
    return float(value)  # type: ignore[arg-type]


def chance(what: str, value: object, anchor: str, *, zero: bool = True) -> float:
    """A probability: from 0 to 1, or (without `zero`) above 0 and at most 1."""
    expected = "a number from 0 to 1" if zero else "a number above 0 and at most 1"
    if not is_number(value) or not (0 <= value <= 1) or (not zero and value == 0):  # type: ignore[operator]
        raise usage_error(what, value, expected, anchor)
    return float(value)  # type: ignore[arg-type]


def integer(what: str, value: object, anchor: str, *, low: int, high: int | None = None) -> int:
    """An int (not a bool) from `low` to `high` (no upper bound when None)."""
    expected = f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or value < low
        or (high is not None and value > high)
    ):
        raise usage_error(what, value, expected, anchor)
    return value


def flag(what: str, value: object, anchor: str) -> bool:
    """True or False."""
    if not isinstance(value, bool):
        raise usage_error(what, value, "True or False", anchor)
    return value


def name(what: str, value: object, anchor: str, *, expected: str = "a non-empty string") -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value:
        raise usage_error(what, value, expected, anchor)
    return value


def optional_name(what: str, value: object, anchor: str) -> str | None:
    """A non-empty string, or None for the default."""
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise usage_error(what, value, "a non-empty string, or None for the default", anchor)
    return value


def optional_text(what: str, value: object, anchor: str) -> str | None:
    """Any string, or None."""
    if value is not None and not isinstance(value, str):
        raise usage_error(what, value, "a string or None", anchor)
    return value


def strings(what: str, value: object, anchor: str) -> tuple[str, ...]:
    """A list (or tuple or set) of strings; a lone string is refused, not split."""
    if (
        isinstance(value, str | bytes)
        or not isinstance(value, Collection)
        or not all(isinstance(item, str) for item in value)
    ):
        raise usage_error(what, value, "a list of strings", anchor)
    return tuple(value)


PATH = "a file path (a str or os.PathLike)"


def path(what: str, value: object, anchor: str, *, expected: str = PATH) -> str:
    """A file path, a str or an `os.PathLike` (a `pathlib.Path`), as a str."""
    given = os.fspath(value) if isinstance(value, os.PathLike) else value
    if not isinstance(given, str) or not given:
        raise usage_error(what, value, expected, anchor)
    return given


def function(what: str, value: object, anchor: str) -> Callable[..., Any]:
    """A callable."""
    if not callable(value):
        raise usage_error(what, value, "a callable", anchor)
    return value


def seed(what: str, value: object, anchor: str) -> int | str:
    """A seed: an int or a string."""
    if not isinstance(value, int | str) or isinstance(value, bool):
        raise usage_error(what, value, "an int or a string", anchor)
    return value


def aware_datetime(what: str, value: object, anchor: str) -> datetime | None:
    """A timezone-aware `datetime`, or None."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise usage_error(
            what, value, "a timezone-aware datetime (datetime(..., tzinfo=timezone.utc))", anchor
        )
    return value
