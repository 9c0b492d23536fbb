"""Comparing expected values (plain, or matchers) with actual ones, difference by difference."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .._errors import NOT_GIVEN

LONG_REPR = 200


@dataclass(frozen=True)
class Difference:
    """One place where an actual value does not match what was expected.

    `kind` is "value" (both present, not matching), "missing" (expected, not
    there) or "unexpected" (there, not expected by an exact match).
    """

    path: str
    expected: object
    actual: object
    kind: str = "value"
    note: str = ""

    def render(self) -> list[str]:
        """The difference as indented report lines."""
        if self.kind == "missing":
            return [f"  {self.path}: missing, expected {describe(self.expected)}"]
        if self.kind == "unexpected":
            return [f"  {self.path}: not expected, got {short(self.actual)}"]
        lines = [
            f"  {self.path}:",
            f"    expected: {describe(self.expected)}",
            f"    got:      {short(self.actual)}",
        ]
        if self.note:
            lines.append(f"    ({self.note})")
        return lines

    @property
    def field(self) -> str:
        """The top-level field the difference is in ("data" for "data['total']")."""
        return self.path.split("[", 1)[0]


class Matcher:
    """Base class of matchers: values that decide whether an actual value matches.

    Subclasses implement `matches()` and `__repr__()`. A matcher also compares
    equal to every value it matches, so it works inside plain `==` comparisons.
    """

    def matches(self, actual: object) -> bool:
        """Whether `actual` matches."""
        raise NotImplementedError

    def differences(self, actual: object, path: str) -> list[Difference]:
        """How `actual` fails to match, as `Difference`s under `path` (empty if it matches)."""
        return [] if self.matches(actual) else [Difference(path, self, actual)]

    def __eq__(self, other: object) -> bool:
        return self.matches(other)

    def __ne__(self, other: object) -> bool:
        return not self.matches(other)

    __hash__ = None  # type: ignore[assignment]


def short(value: object, limit: int = LONG_REPR) -> str:
    """`repr(value)`, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def describe(expected: object) -> str:
    """How an expected value reads in a failure message."""
    if isinstance(expected, re.Pattern):
        return f"re.compile({expected.pattern!r})"
    if isinstance(expected, type):
        return f"an instance of {expected.__qualname__}"
    if callable(expected) and not isinstance(expected, Matcher):
        return f"a value for which {_callable_name(expected)} is true"
    return short(expected)


def _callable_name(function: Callable[..., object]) -> str:
    name = getattr(function, "__qualname__", None) or repr(function)
    if name.endswith("<lambda>"):
        code = getattr(function, "__code__", None)
        if code is not None:
            return f"<lambda at {Path(code.co_filename).name}:{code.co_firstlineno}>"
    return f"{name}()"


def compare(
    expected: object, actual: object, path: str, *, partial: bool = False
) -> list[Difference]:
    """Every difference between `expected` and `actual`.

    `expected` may hold matchers, compiled regular expressions (searched in
    strings), types (an `isinstance` check) and callables (a predicate) at any
    depth. Mappings must have the same keys, unless `partial`: then keys of
    `actual` that `expected` does not name are ignored, at every depth.
    """
    if isinstance(expected, Matcher):
        return expected.differences(actual, path)
    if isinstance(expected, re.Pattern):
        ok = isinstance(actual, str) and expected.search(actual) is not None
        return [] if ok else [Difference(path, expected, actual)]
    if isinstance(expected, type):
        return [] if isinstance(actual, expected) else [Difference(path, expected, actual)]
    if callable(expected):
        return _check_predicate(expected, actual, path)
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return _compare_mappings(expected, actual, path, partial=partial)
    if _is_sequence(expected) and _is_sequence(actual):
        return _compare_sequences(expected, actual, path, partial=partial)  # type: ignore[arg-type]
    return [] if expected == actual else [Difference(path, expected, actual)]


def _check_predicate(
    predicate: Callable[[object], object], actual: object, path: str
) -> list[Difference]:
    try:
        ok = bool(predicate(actual))
    except Exception as error:  # a predicate that raises does not match
        return [Difference(path, predicate, actual, note=f"it raised {error!r}")]
    return [] if ok else [Difference(path, predicate, actual)]


def _is_sequence(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray)


def _compare_mappings(
    expected: Mapping[object, object],
    actual: Mapping[object, object],
    path: str,
    *,
    partial: bool,
) -> list[Difference]:
    found: list[Difference] = []
    for key, value in expected.items():
        where = f"{path}[{key!r}]"
        if key not in actual:
            found.append(Difference(where, value, NOT_GIVEN, kind="missing"))
        else:
            found.extend(compare(value, actual[key], where, partial=partial))
    if not partial:
        found.extend(
            Difference(f"{path}[{key!r}]", NOT_GIVEN, value, kind="unexpected")
            for key, value in actual.items()
            if key not in expected
        )
    return found


def _compare_sequences(
    expected: Sequence[object], actual: Sequence[object], path: str, *, partial: bool
) -> list[Difference]:
    found: list[Difference] = []
    for index in range(max(len(expected), len(actual))):
        where = f"{path}[{index}]"
        if index >= len(actual):
            found.append(Difference(where, expected[index], NOT_GIVEN, kind="missing"))
        elif index >= len(expected):
            found.append(Difference(where, NOT_GIVEN, actual[index], kind="unexpected"))
        else:
            found.extend(compare(expected[index], actual[index], where, partial=partial))
    return found
