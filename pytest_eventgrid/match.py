r"""Matchers for the `assert_*` helpers: partial dicts, regular expressions, anything.

Every matching keyword of the assertion helpers (`type=`, `source=`, `subject=`,
`data=`, ...) takes either a plain value, matched with `==` (a dict must then
have exactly the same keys), or one of:

- `ANY`: anything at all, `None` included;
- `contains(...)`: a partial dict (`contains(total=10)`), a substring
  (`contains("order")`) or items a list must hold (`contains(["a"])`);
- `regex(pattern)`: a string in which `re.search(pattern)` finds a match (a
  compiled `re.Pattern` works the same);
- a type: an `isinstance()` check (`data=dict`);
- a callable: a predicate, true for a match (`data=lambda d: d["total"] > 10`).

They nest: `data=contains({"customer": {"email": regex(r"@example\.com$")}})`.

    from pytest_eventgrid.match import ANY, contains, regex

    eventgrid.assert_published(type="Order.Created", data=contains(total=10, id=ANY))
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._api.compare import Difference, Matcher, compare, describe
from ._errors import NOT_GIVEN, usage_error

MATCHERS_DOCS = "guide/assertions/#matchers"

__all__ = ["ANY", "Matcher", "contains", "regex"]


class _Any(Matcher):
    def matches(self, actual: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "ANY"


ANY: Matcher = _Any()
"""Matches any value, `None` included."""


class _Contains(Matcher):
    def __init__(self, expected: object) -> None:
        self.expected = expected

    def differences(self, actual: object, path: str) -> list[Difference]:
        expected = self.expected
        if isinstance(expected, Mapping):
            if not isinstance(actual, Mapping):
                return [Difference(path, self, actual)]
            return compare(expected, actual, path, partial=True)
        if isinstance(expected, str):
            ok = isinstance(actual, str) and expected in actual
            return [] if ok else [Difference(path, self, actual)]
        if not isinstance(expected, list | tuple) or not isinstance(actual, list | tuple):
            return [Difference(path, self, actual)]
        return [
            Difference(f"{path} item", item, NOT_GIVEN, kind="missing")
            for item in expected
            if all(compare(item, element, path, partial=True) for element in actual)
        ]

    def matches(self, actual: object) -> bool:
        return not self.differences(actual, "")

    def __repr__(self) -> str:
        return f"contains({describe(self.expected)})"


def contains(expected: object = None, /, **fields: Any) -> Matcher:
    """A partial match.

    - `contains({"total": 10})` or `contains(total=10)`: a dict that has these
      keys with matching values, and maybe more keys. Nested dicts match
      partially too.
    - `contains("text")`: a string with this substring.
    - `contains([item, ...])`: a list that holds a match for each item.
    """
    if fields:
        if expected is not None and not isinstance(expected, Mapping):
            raise usage_error(
                "contains(expected, **fields)",
                expected,
                "a mapping, or keyword arguments, not both",
                MATCHERS_DOCS,
            )
        return _Contains({**(expected or {}), **fields})
    if not isinstance(expected, Mapping | str | list | tuple):
        raise usage_error(
            "contains(expected)",
            expected,
            "a mapping, keyword arguments, a string or a list",
            MATCHERS_DOCS,
        )
    return _Contains(expected)


class _Regex(Matcher):
    def __init__(self, pattern: str | re.Pattern[str], flags: int) -> None:
        self.pattern = re.compile(pattern, flags) if isinstance(pattern, str) else pattern

    def matches(self, actual: object) -> bool:
        return isinstance(actual, str) and self.pattern.search(actual) is not None

    def __repr__(self) -> str:
        return f"regex({self.pattern.pattern!r})"


def regex(pattern: str | re.Pattern[str], flags: int = 0) -> Matcher:
    """A string in which `re.search(pattern, value, flags)` finds a match."""
    if not isinstance(pattern, str | re.Pattern) or (
        isinstance(pattern, re.Pattern) and not isinstance(pattern.pattern, str)
    ):
        raise usage_error(
            "regex(pattern)", pattern, "a string or a compiled str pattern", MATCHERS_DOCS
        )
    if not isinstance(flags, int) or isinstance(flags, bool):
        raise usage_error("regex(flags=)", flags, "re flags, such as re.IGNORECASE", MATCHERS_DOCS)
    if isinstance(pattern, re.Pattern) and flags:
        raise usage_error(
            "regex(pattern, flags=)",
            flags,
            "no flags with a compiled pattern (compile it with them)",
            MATCHERS_DOCS,
        )
    try:
        return _Regex(pattern, flags)
    except re.error as error:
        raise usage_error(
            "regex(pattern)", pattern, f"a valid regular expression ({error})", MATCHERS_DOCS
        ) from None
