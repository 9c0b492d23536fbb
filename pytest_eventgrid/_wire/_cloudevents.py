"""Parsing, validating and normalising CloudEvents as the service stores them."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

from ._errors import ServiceError, bad_request

Event = dict[str, object]

REQUIRED = ("id", "source", "type", "specversion")
CONTEXT_ATTRIBUTES = frozenset(
    {*REQUIRED, "datacontenttype", "dataschema", "subject", "time", "data", "data_base64"}
)
_OPTIONAL_STRINGS = ("subject", "datacontenttype", "dataschema")
_ABSENT = object()
MAX_EVENT_BYTES = 1_048_576
MAX_REQUEST_BYTES = 1_048_576
MAX_EVENTS_PER_REQUEST = 1_000
_EXTENSION_NAME = re.compile(r"[a-z0-9]{1,20}")
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(Z|z|[+-][0-9]{2}:[0-9]{2})"
)
_JSON_MEDIA = re.compile(r"^[^/]+/(?:[^;]*\+)?json$")
_TEXT_MEDIA = re.compile(r"^(?:text/[^;]+|[^/]+/(?:[^;]*\+)?xml)$")


def too_large(limit: int) -> ServiceError:
    return ServiceError(
        413, "RequestEntityTooLarge", f"The maximum size ({limit}) has been exceeded."
    )


# A timestamp in UTC `Z` form, as the SDKs send it, on a day that every month has
# (the 29th to 31st take the long way, which knows the calendar): its stored form is
# the text itself, with the fraction cut to 7 digits and stripped of trailing zeros.
_UTC_TIME = re.compile(
    r"((?!0000)[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])(?:\.([0-9]+))?Z"
)


def normalize_time(value: str) -> str:
    """Rewrite an RFC 3339 timestamp in UTC `Z` form, as the service stores it.

    The fraction is cut to 7 digits and loses its trailing zeros; a zero fraction
    disappears.
    """
    utc = _UTC_TIME.fullmatch(value)
    if utc is not None:
        fraction = utc[2]
        if fraction is None or (len(fraction) <= 7 and fraction[-1] != "0"):
            return value  # stored as sent
        digits = fraction[:7].rstrip("0")
        return f"{utc[1]}.{digits}Z" if digits else f"{utc[1]}Z"
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        raise _invalid_time()
    year, month, day, hour, minute, second = (int(field) for field in match.groups()[:6])
    fraction, offset = match.group(7, 8)
    try:
        zone = timezone.utc if offset in ("Z", "z") else _zone(offset)
        instant = datetime(year, month, day, hour, minute, second, tzinfo=zone)
        instant = instant.astimezone(timezone.utc)
    except (ValueError, OverflowError) as error:
        raise _invalid_time() from error
    text = instant.replace(tzinfo=None).isoformat(timespec="seconds")
    digits = (fraction or "")[:7].rstrip("0")
    return f"{text}.{digits}Z" if digits else f"{text}Z"


def _zone(offset: str) -> timezone:
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    if hours > 23 or minutes > 59:
        raise ValueError(f"invalid UTC offset {offset}")
    sign = -1 if offset[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _invalid_time() -> ServiceError:
    return bad_request("`time` must be a valid RFC 3339 timestamp")


def validate(candidate: object, *, size_checked: bool = False) -> Event:
    """Check one structured CloudEvent and return it as the service stores it, changed
    in place: pass an object parsed for this request only.

    `size_checked` says the caller already knows the event is within the size limit.
    """
    if not isinstance(candidate, dict):
        raise bad_request("Each CloudEvent must be a JSON object")
    ident, source, kind = candidate.get("id"), candidate.get("source"), candidate.get("type")
    if not (
        type(ident) is str
        and ident
        and type(source) is str
        and source
        and type(kind) is str
        and kind
        and candidate.get("specversion") == "1.0"
    ):
        _check_required(candidate)  # raises, unless the values are `str` subclasses
    # The parsed object itself becomes the stored event: the wire parsed it for this
    # request alone. (A copy naming the attributes with shared strings saved about 300
    # bytes per stored event, and cost a twentieth of a publish's time in the fake.)
    event: Event = candidate
    event["specversion"] = "1.0"
    if not CONTEXT_ATTRIBUTES.issuperset(event):
        for name, value in event.items():
            if name not in CONTEXT_ATTRIBUTES:
                _check_extension(name, value)
    if not event.keys().isdisjoint(_OPTIONAL_STRINGS):
        for name in _OPTIONAL_STRINGS:
            if name in event and not isinstance(event[name], str):
                raise bad_request(f"`{name}` must be a string")
    time = event.get("time", _ABSENT)
    if time is not _ABSENT:
        if not isinstance(time, str):
            raise _invalid_time()
        event["time"] = normalize_time(time)
    if "data_base64" in event:
        if "data" in event:
            raise bad_request("`data` and `data_base64` cannot both be present")
        encoded = event["data_base64"]
        if not isinstance(encoded, str) or not _is_base64(encoded):
            raise bad_request("`data_base64` must be a base64 string")
    if not size_checked and len(_dumps(event)) > MAX_EVENT_BYTES:
        raise too_large(MAX_EVENT_BYTES)
    return event


def _check_required(candidate: dict[str, object]) -> None:
    """Refuse an event that lacks a required attribute, or has a bad one."""
    for name in REQUIRED:
        value = candidate.get(name)
        if value is None:
            raise bad_request(f"`{name}` attribute is required")
        if not isinstance(value, str) or not value:
            raise bad_request(f"`{name}` must be non-empty string")
    if candidate["specversion"] != "1.0":
        raise bad_request("`specversion` must be 1.0")


def _check_extension(name: str, value: object) -> None:
    if not _EXTENSION_NAME.fullmatch(name):
        raise bad_request(
            f"Extension attribute name '{name}' is invalid: "
            "use 1 to 20 lower-case letters or digits"
        )
    if isinstance(value, dict | list):
        raise bad_request(f"Extension attribute '{name}' must be a string, number or boolean")


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _not_json(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"the number {text} is out of range")
    return number


_STRICT_JSON = json.JSONDecoder(parse_constant=_not_json, parse_float=_finite)
# A body deeper than this is refused (UNCONFIRMED: the default MaxDepth of .NET's JSON
# readers, System.Text.Json and Json.NET alike).
MAX_JSON_DEPTH = 64
_scan: Callable[[str, int], tuple[object, int]] = _STRICT_JSON.scan_once  # type: ignore[attr-defined]
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


_NOT_SCANNED = object()


def not_json(reason: object) -> ServiceError:
    return bad_request(f"The request body is not valid JSON: {reason}")


def parse_json(body: bytes) -> object:
    """A JSON document, strictly: `NaN`, `Infinity`, numbers beyond a double, lone
    surrogates and nesting deeper than `MAX_JSON_DEPTH` are not JSON."""
    try:
        text = body.decode("utf-8")
        document: object = _NOT_SCANNED
        # A body that is one object or array, with no space around it (as the SDKs
        # send it), needs no more than the scanner; anything else, or an error, takes
        # the decoder's way with its messages.
        if text[:1] in "[{" and text[-1:] in "]}":
            try:
                document, end = _scan(text, 0)
            except StopIteration:
                pass
            else:
                if end != len(text):
                    document = _NOT_SCANNED
        if document is _NOT_SCANNED:
            document = _STRICT_JSON.decode(text)
    except RecursionError:
        raise not_json(f"it is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise not_json(error) from error
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and _too_deep(body):
        raise not_json(f"it is nested more than {MAX_JSON_DEPTH} levels deep")
    if b"\\" in body and _SURROGATE_ESCAPE.search(body):
        # Only an escape can spell a surrogate: the UTF-8 decoder refuses them raw.
        surrogate = lone_surrogate(document)
        if surrogate is not None:
            raise not_json(
                f"the string escape {surrogate} is a lone surrogate, not a Unicode character"
            )
    return document


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
# Every byte but brackets goes; braces become brackets.
_BRACKETS_ONLY = (bytes.maketrans(b"{}", b"[]"), bytes(set(range(256)) - set(b"[]{}")))


def _too_deep(body: bytes) -> bool:
    """Whether the JSON text `body` (already parsed) nests more than `MAX_JSON_DEPTH`
    deep: drop its strings and all but its brackets, then peel the innermost pairs
    off, a level a round."""
    brackets = _JSON_STRING.sub(b"", body).translate(*_BRACKETS_ONLY)
    for _ in range(MAX_JSON_DEPTH):
        if not brackets:
            return False
        brackets = brackets.replace(b"[]", b"")
    return bool(brackets)


def lone_surrogate(value: object) -> str | None:
    """The first lone surrogate in `value` (keys and strings, at any depth) as a
    `\\uXXXX` escape, or None when all of it is Unicode text."""
    try:
        _dumps(value)
    except UnicodeEncodeError as error:
        return f"\\u{ord(error.object[error.start]):04x}"
    return None


def sorted_keys(value: object) -> object:
    """`value` with the keys of every object in it sorted, as the service re-serialises
    a namespace event's `data` (REC). Callers bound the depth (`parse_json`)."""
    if isinstance(value, dict):
        previous = ""
        for key, item in value.items():
            if key < previous or isinstance(item, dict | list):
                break
            previous = key
        else:
            return value  # flat, and sorted already
        return {
            key: sorted_keys(value[key]) if isinstance(value[key], dict | list) else value[key]
            for key in sorted(value)
        }
    if isinstance(value, list):
        return [sorted_keys(item) if isinstance(item, dict | list) else item for item in value]
    return value


def parse_structured(body: bytes, *, batch: bool) -> list[Event]:
    """Events from a structured-mode body: one object, or a batch array."""
    if len(body) > MAX_REQUEST_BYTES:
        raise too_large(MAX_REQUEST_BYTES)
    document = parse_json(body)
    # Re-encoding can grow a number at most fourfold ("1e9" -> "1000000000.0"), so a
    # small enough body cannot hold an event over the limit.
    size_checked = len(body) * 4 <= MAX_EVENT_BYTES
    if not batch:
        return [validate(document, size_checked=size_checked)]
    if not isinstance(document, list):
        raise bad_request("A CloudEvents batch must be a JSON array")
    if len(document) > MAX_EVENTS_PER_REQUEST:
        raise bad_request(
            f"A request may hold at most {MAX_EVENTS_PER_REQUEST} events; got {len(document)}"
        )
    return [validate(candidate, size_checked=size_checked) for candidate in document]


def parse_binary(headers: Mapping[str, str], body: bytes) -> Event:
    """The event of a binary-mode request: `ce-*` headers and the raw data."""
    if len(body) > MAX_REQUEST_BYTES:
        raise too_large(MAX_REQUEST_BYTES)
    content_type = headers.get("content-type")
    if not content_type:
        raise bad_request("CONTENT-TYPE is not provided")
    if "ce-datacontenttype" in headers:
        raise bad_request("`ce-datacontenttype` must not be sent in binary mode")
    candidate: Event = {
        name[3:]: _header_text(name, unquote(value))
        for name, value in headers.items()
        if name.startswith("ce-")
    }
    candidate["datacontenttype"] = _header_text("content-type", content_type)
    if body:
        media = content_type.split(";", 1)[0].strip().lower()
        if _JSON_MEDIA.match(media):
            candidate["data"] = parse_json(body)
        elif _TEXT_MEDIA.match(media):
            candidate["data"] = body.decode("utf-8", errors="replace")
        else:
            candidate["data_base64"] = base64.b64encode(body).decode("ascii")
    return validate(candidate)


def _header_text(name: str, value: str) -> str:
    surrogate = lone_surrogate(value)
    if surrogate is not None:
        raise bad_request(f"The `{name}` header is not valid text: {surrogate} is a lone surrogate")
    return value


def is_binary_mode(headers: Mapping[str, str]) -> bool:
    return any(name.startswith("ce-") for name in headers)
