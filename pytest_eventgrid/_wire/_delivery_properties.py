"""Delivery properties (`deliveryAttributeMappings`): custom headers of webhook
deliveries and custom properties of Event Hubs messages, static or taken from the
event by a JSON path; their shapes and the service's limits (delivery-properties.md,
namespace-delivery-properties.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from .._broker._push import DeliveryProperty
from .._errors import usage_error
from ._jsonpaths import JsonPaths

# "You can set up to 10 headers ... Each header value shouldn't be greater than 4,096
# (4K) bytes" (both pages).
MAX_PROPERTIES = 10
MAX_VALUE_BYTES = 4096
# UNCONFIRMED: the docs give no limit on names; the fake takes an HTTP header name
# (a token) of at most 255 characters.
MAX_NAME_LENGTH = 255
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# "Don't use the aeg- prefix ... it's used by system properties in message headers."
RESERVED_PREFIX = "aeg-"
# UNCONFIRMED: headers the delivery itself writes, refused rather than overwritten.
RESERVED_NAMES = frozenset({"content-type", "content-length", "host", "transfer-encoding"})
# The Event Hubs property that picks the partition instead of being a property.
PARTITION_KEY = "partitionkey"
SHAPE = (
    "a mapping of header names to a static value (a string), {'value': ..., 'secret': "
    "True} or {'source_field': 'data.orderId'}; or the service's deliveryAttributeMappings "
    "list ([{'name': ..., 'type': 'Static', 'properties': {'value': ...}}, ...])"
)


def checked_delivery_properties(
    given: object, where: str, anchor: str
) -> tuple[DeliveryProperty, ...]:
    """`delivery_properties=` as checked `DeliveryProperty`s; a `UsageError` naming
    `where` (and the service's limit) for a bad shape or a value over a limit."""
    if given is None:
        return ()
    items: list[tuple[object, object]]
    if isinstance(given, Mapping):
        items = list(given.items())
    elif isinstance(given, Sequence) and not isinstance(given, str | bytes):
        items = [_service_item(item, where, anchor) for item in given]
    else:
        raise usage_error(where, given, SHAPE, anchor)
    if len(items) > MAX_PROPERTIES:
        raise usage_error(
            f"{where} has {len(items)} delivery properties; the service takes at most "
            f"{MAX_PROPERTIES} per event subscription.",
            anchor=anchor,
        )
    properties = tuple(_property(name, spec, where, anchor) for name, spec in items)
    seen: set[str] = set()
    for prop in properties:
        if prop.name.lower() in seen:
            raise usage_error(
                f"{where} sets {prop.name!r} twice (names are case-insensitive).", anchor=anchor
            )
        seen.add(prop.name.lower())
    return properties


def _service_item(item: object, where: str, anchor: str) -> tuple[object, object]:
    """One `deliveryAttributeMappings` item as (name, the mapping form's spec)."""
    expected = (
        "{'name': ..., 'type': 'Static', 'properties': {'value': ..., 'isSecret': False}} "
        "or {'name': ..., 'type': 'Dynamic', 'properties': {'sourceField': ...}}"
    )
    if not isinstance(item, Mapping) or set(item) - {"name", "type", "properties"}:
        raise usage_error(f"{where} item", item, expected, anchor)
    kind, properties = item.get("type"), item.get("properties")
    if not isinstance(kind, str) or kind.lower() not in ("static", "dynamic"):
        raise usage_error(f"{where} item type", kind, "'Static' or 'Dynamic'", anchor)
    if not isinstance(properties, Mapping):
        raise usage_error(f"{where} item properties", properties, expected, anchor)
    if kind.lower() == "dynamic":
        if set(properties) != {"sourceField"}:
            raise usage_error(f"{where} item properties", properties, expected, anchor)
        return item.get("name"), {"source_field": properties["sourceField"]}
    if "value" not in properties or set(properties) - {"value", "isSecret"}:
        raise usage_error(f"{where} item properties", properties, expected, anchor)
    return item.get("name"), {
        "value": properties["value"],
        "secret": properties.get("isSecret", False),
    }


def _property(name: object, spec: object, where: str, anchor: str) -> DeliveryProperty:
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise usage_error(
            f"{where} name",
            name,
            "an HTTP header name (letters, digits and -_.!#$%&'*+^`|~)",
            anchor,
        )
    if len(name) > MAX_NAME_LENGTH:
        raise usage_error(
            f"{where} name {name[:40]!r}... is {len(name)} characters; the fake takes at "
            f"most {MAX_NAME_LENGTH}.",
            anchor=anchor,
        )
    if name.lower().startswith(RESERVED_PREFIX) or name.lower() in RESERVED_NAMES:
        raise usage_error(
            f"{where} name",
            name,
            f"a name of your own: the {RESERVED_PREFIX} prefix is the service's own "
            f"(its system properties), and {', '.join(sorted(RESERVED_NAMES))} are "
            "written by the delivery itself",
            anchor,
        )
    at = f"{where}[{name!r}]"
    if isinstance(spec, str):
        spec = {"value": spec}
    if not isinstance(spec, Mapping) or set(spec) not in (
        {"value"},
        {"value", "secret"},
        {"source_field"},
    ):
        raise usage_error(
            at, spec, "a string, {'value': ..., 'secret': bool} or {'source_field': ...}", anchor
        )
    if "source_field" in spec:
        field = spec["source_field"]
        if not isinstance(field, str) or not field:
            raise usage_error(
                f"{at} source_field", field, "a JSON path, such as 'data.orderId'", anchor
            )
        _compiled(field, f"{at} source_field", anchor)
        return DeliveryProperty(name, source_field=field)
    value, secret = spec["value"], spec.get("secret", False)
    if not isinstance(value, str):
        raise usage_error(f"{at} value", value, "a string", anchor)
    if len(value.encode("utf-8")) > MAX_VALUE_BYTES:
        raise usage_error(
            f"{at} value is {len(value.encode('utf-8'))} bytes; the service takes at most "
            f"{MAX_VALUE_BYTES} (4K) bytes per value.",
            anchor=anchor,
        )
    if not isinstance(secret, bool):
        raise usage_error(f"{at} secret", secret, "True or False", anchor)
    return DeliveryProperty(name, value=value, secret=secret)


@lru_cache(maxsize=256)
def _compiled(path: str, what: str = "source_field", anchor: str = "") -> JsonPaths:
    return JsonPaths.compile([path], what=what, anchor=anchor)


def _found(path: str, event: Mapping[str, Any]) -> object:
    """The value at `path` in `event`, or None."""
    paths = _compiled(path)
    if paths.keys:
        return event.get(path)
    matches = paths.paths[0].find(event)
    return matches[0].value if matches else None


def _text(value: object) -> str | None:
    """A JSON string, number or boolean as a property value (others: None)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return None


def resolve(properties: Sequence[DeliveryProperty], event: Mapping[str, Any]) -> dict[str, str]:
    """The properties' values for `event`. A dynamic one whose path finds no string,
    number or boolean, or a value over the size limit, is left out (UNCONFIRMED)."""
    values: dict[str, str] = {}
    for prop in properties:
        value = prop.value if prop.source_field is None else _text(_found(prop.source_field, event))
        if value is not None and len(value.encode("utf-8")) <= MAX_VALUE_BYTES:
            values[prop.name] = value
    return values


def is_partition_key(name: str) -> bool:
    """Whether a delivery property names the Event Hubs partition key."""
    return name.lower() == PARTITION_KEY


def as_mappings(properties: Sequence[DeliveryProperty]) -> list[dict[str, Any]]:
    """The properties as the service shows them (`deliveryAttributeMappings`), a
    secret value hidden (None)."""
    shown: list[dict[str, Any]] = []
    for prop in properties:
        if prop.source_field is not None:
            shown.append(
                {
                    "name": prop.name,
                    "type": "Dynamic",
                    "properties": {"sourceField": prop.source_field},
                }
            )
        else:
            shown.append(
                {
                    "name": prop.name,
                    "type": "Static",
                    "properties": {
                        "value": None if prop.secret else prop.value,
                        "isSecret": prop.secret,
                    },
                }
            )
    return shown
