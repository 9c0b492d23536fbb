"""JSON paths (jsonpath-ng syntax) for sanitizing and matching recorded bodies."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._errors import usage_error

if TYPE_CHECKING:
    from jsonpath_ng import JSONPath

_PLAIN_KEY = re.compile(r"\w+")


@dataclass(frozen=True)
class JsonPaths:
    """Compiled JSON paths; plain top-level keys are kept apart, as a fast path."""

    keys: frozenset[str]
    paths: tuple[JSONPath, ...]

    @classmethod
    def compile(cls, given: Iterable[str], *, what: str, anchor: str) -> JsonPaths:
        """Compile `given`, refusing a path that is not a string or does not parse with a
        `UsageError` that names `what` they are for and links the guide at `anchor`."""
        if isinstance(given, str):
            given = (given,)
        if not isinstance(given, Iterable):
            raise usage_error(what, given, "a JSON path or a list of JSON paths (strings)", anchor)
        keys: set[str] = set()
        paths: list[JSONPath] = []
        for path in given:
            if not isinstance(path, str):
                raise usage_error(
                    f"{what} takes JSON paths as strings; got {path!r}.", anchor=anchor
                )
            if _PLAIN_KEY.fullmatch(path):
                keys.add(path)
                continue
            from jsonpath_ng.exceptions import JSONPathError
            from jsonpath_ng.ext.parser import parse  # imported late: it costs 40 ms

            try:
                paths.append(parse(path))
            except JSONPathError as error:
                raise usage_error(
                    f"{what}: {path!r} is not a JSON path ({error}).", anchor=anchor
                ) from None
        return cls(frozenset(keys), tuple(paths))

    def __bool__(self) -> bool:
        return bool(self.keys or self.paths)

    def replace(self, value: object, replacement: str) -> bool:
        """Set every match in `value` (in place) to `replacement`; whether any matched."""
        found = False
        if isinstance(value, dict):
            for key in self.keys & value.keys():
                value[key] = replacement
                found = True
        for path in self.paths:
            if path.find(value):
                path.update(value, replacement)
                found = True
        return found

    def without(self, value: object) -> object:
        """`value` without what the paths match (a copy at the top; nested parts may be
        changed in place, so pass a value of your own)."""
        if not isinstance(value, dict | list):
            return value
        if isinstance(value, dict) and self.keys:
            value = {key: item for key, item in value.items() if key not in self.keys}
        kept: dict[Any, Any] | list[Any] | None = value
        for path in self.paths:
            if kept is None:  # the path matched the whole value
                break
            kept = path.filter(lambda _: True, kept)
        return kept
