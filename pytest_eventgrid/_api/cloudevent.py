"""Stored CloudEvents as azure-core `CloudEvent` objects, whatever extensions they carry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from azure.core.messaging import CloudEvent

# The attributes `CloudEvent.from_dict` reads by name; the rest are extensions.
_CONTEXT = frozenset(
    {
        "data",
        "data_base64",
        "id",
        "source",
        "type",
        "specversion",
        "time",
        "dataschema",
        "datacontenttype",
        "subject",
    }
)
Decoded = TypeVar("Decoded", bound=CloudEvent)  # type: ignore[type-arg]


def _azure_core_accepts(name: str) -> bool:
    return name.islower() and name.isalnum()


def decode_as(cls: type[Decoded], event: Mapping[str, object]) -> Decoded:
    """`cls.from_dict(event)`, even for extension names CloudEvents allows and
    azure-core's constructor refuses (digits only, such as `"123"`): those are set
    after construction, and `extensions` keeps the stored order."""
    extensions = {name: value for name, value in event.items() if name not in _CONTEXT}
    accepted = {
        name: value
        for name, value in event.items()
        if name in _CONTEXT or _azure_core_accepts(name)
    }
    decoded = cast(Decoded, cls.from_dict(accepted))
    if len(accepted) != len(event):
        decoded.extensions = extensions
    return decoded


def decode(event: Mapping[str, object]) -> CloudEvent[Any]:
    """A stored CloudEvent as an azure-core `CloudEvent`, as a consumer would get it."""
    return decode_as(CloudEvent, event)
