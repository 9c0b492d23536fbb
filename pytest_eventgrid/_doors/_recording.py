"""Recordings: the recorded exchanges as values, and the two file formats they are read
from and written to.

The Azure SDK test-proxy format (`load_test_proxy`) is read only; the native cassette
format is read and written:

```json
{"version": 1,
 "interactions": [
   {"request": {"method": "POST", "uri": "https://...", "headers": {...}, "body": [...]},
    "response": {"status": 200, "headers": {...}, "body": {}}}]}
```

A cassette body that is a JSON object or list is stored as that JSON value (a CloudEvents
batch stays readable); other UTF-8 text as a string; other bytes as a base64 string
with `"body_encoding": "base64"` next to it; an empty body as `null`.

The player and the recorder both stand on this module; it imports neither.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import _errors
from .._errors import usage_error

CASSETTE_VERSION = 1
# Recomputed on playback, so neither stored nor replayed.
_UNSTORED_RESPONSE_HEADERS = frozenset({"content-length", "transfer-encoding", "content-encoding"})
_TEXT_TYPES = ("json", "text/", "xml", "charset=", "x-www-form-urlencoded")
RECORDING_FILES_DOCS = "guide/playback/#recording-files"
CASSETTES_DOCS = "guide/playback/#cassettes"
# What a loader takes besides a path.
PATH_OR_DATA = f"{_errors.PATH} or the parsed JSON (a dict)"

PathOrData = str | os.PathLike[str] | Mapping[str, Any]


# -- the recorded values -------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the recording holds it; `body` is the bytes that were sent."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class RecordedResponse:
    """A response as the recording holds it; `body` is the bytes that came back."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class RecordedEntry:
    """One recorded exchange; `index` is its position in the file (from 0)."""

    index: int
    request: RecordedRequest
    response: RecordedResponse

    def __str__(self) -> str:
        return f"#{self.index} {self.request.method} {self.request.url} -> {self.response.status}"


@dataclass(frozen=True)
class Recording:
    """A parsed test-proxy recording: its entries in request order, and its variables."""

    entries: tuple[RecordedEntry, ...]
    variables: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None

    @property
    def hosts(self) -> frozenset[str]:
        """The lower-case hosts the recorded requests went to."""
        return frozenset((urlsplit(e.request.url).hostname or "").lower() for e in self.entries)

    def to_cassette(self) -> dict[str, Any]:
        """This recording as a native cassette (the parsed JSON; see `save_cassette`)."""
        return to_cassette(self)


# -- the test-proxy format (read only) -----------------------------------------------------


def _is_text(content_type: str | None) -> bool:
    return content_type is not None and any(part in content_type.lower() for part in _TEXT_TYPES)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _body_bytes(value: object, content_type: str | None) -> bytes:
    """The bytes a recorded body stands for (see the test-proxy entry format)."""
    if value is None:
        return b""
    if not isinstance(value, str):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if _is_text(content_type):
        return value.encode("utf-8")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value.encode("utf-8")  # text after all, recorded without a Content-Type


def _test_proxy_headers(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise usage_error(
            f"{where} must be an object of header names to values, not {value!r}.",
            anchor=RECORDING_FILES_DOCS,
        )
    return {
        str(name): ", ".join(map(str, item)) if isinstance(item, list) else str(item)
        for name, item in value.items()
    }


def _test_proxy_entry(index: int, raw: object) -> RecordedEntry:
    where = f"Entries[{index}]"
    if not isinstance(raw, Mapping):
        raise usage_error(f"{where} is not an object: {raw!r}.", anchor=RECORDING_FILES_DOCS)
    try:
        method, url, status = raw["RequestMethod"], raw["RequestUri"], raw["StatusCode"]
    except KeyError as missing:
        raise usage_error(
            f"{where} has no {missing}: a test-proxy entry needs RequestUri, RequestMethod "
            f"and StatusCode.",
            anchor=RECORDING_FILES_DOCS,
        ) from None
    request_headers = _test_proxy_headers(raw.get("RequestHeaders"), f"{where}.RequestHeaders")
    response_headers = _test_proxy_headers(raw.get("ResponseHeaders"), f"{where}.ResponseHeaders")
    request_body = _body_bytes(raw.get("RequestBody"), _header(request_headers, "content-type"))
    response_value = raw.get("ResponseBody")
    response_type = _header(response_headers, "content-type")
    response_body = _body_bytes(response_value, response_type)
    kept = {
        k: v for k, v in response_headers.items() if k.lower() not in _UNSTORED_RESPONSE_HEADERS
    }
    if response_value is not None and not isinstance(response_value, str) and not response_type:
        kept["Content-Type"] = "application/json"
    kept["Content-Length"] = str(len(response_body))
    return RecordedEntry(
        index,
        RecordedRequest(str(method).upper(), str(url), request_headers, request_body),
        RecordedResponse(int(status), kept, response_body),
    )


def load_test_proxy(recording: str | os.PathLike[str] | Mapping[str, Any]) -> Recording:
    """Parse an Azure SDK test-proxy recording: a file path or the parsed JSON.

    Bodies become the bytes that travelled: a JSON value is serialised, a string is
    text when its Content-Type is textual and base64 otherwise, null is empty.
    """
    source: str | None = None
    if isinstance(recording, Mapping):
        data: object = recording
    else:
        source = _errors.path(
            "load_test_proxy(recording)",
            recording,
            RECORDING_FILES_DOCS,
            expected=f"{_errors.PATH} or the parsed JSON (a dict)",
        )
        with open(source, encoding="utf-8-sig") as file:
            data = json.load(file)
    if not isinstance(data, Mapping) or not isinstance(data.get("Entries"), list):
        raise usage_error(
            f"{source or 'the recording'} is not a test-proxy recording: expected "
            f'{{"Entries": [...], "Variables": {{...}}}}.',
            anchor=RECORDING_FILES_DOCS,
        )
    variables = data.get("Variables") or {}
    return Recording(
        entries=tuple(_test_proxy_entry(index, raw) for index, raw in enumerate(data["Entries"])),
        variables={str(k): str(v) for k, v in dict(variables).items()},
        source=source,
    )


# -- the cassette format: bodies -----------------------------------------------------------


def encode_body(body: bytes) -> tuple[object, bool]:
    """A body as a cassette stores it, and whether that value is base64."""
    if not body:
        return None, False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True
    try:
        value = json.loads(text)
    except ValueError:
        return text, False
    return (value, False) if isinstance(value, dict | list) else (text, False)


def decode_body(value: object, base64_encoded: bool = False) -> bytes:
    """The bytes a cassette body stands for."""
    if value is None:
        return b""
    if isinstance(value, str):
        return base64.b64decode(value) if base64_encoded else value.encode("utf-8")
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _body(body: bytes) -> dict[str, Any]:
    value, is_base64 = encode_body(body)
    if is_base64:
        return {"body": value, "body_encoding": "base64"}
    return {"body": value}


# -- the cassette format: writing ----------------------------------------------------------


def to_cassette(recording: Recording) -> dict[str, Any]:
    """`recording` as a native cassette (the parsed JSON)."""
    interactions = []
    for entry in recording.entries:
        request, response = entry.request, entry.response
        headers = {
            name: value
            for name, value in response.headers.items()
            if name.lower() not in _UNSTORED_RESPONSE_HEADERS
        }
        interactions.append(
            {
                "request": {
                    "method": request.method,
                    "uri": request.url,
                    "headers": dict(request.headers),
                    **_body(request.body),
                },
                "response": {
                    "status": response.status,
                    "headers": headers,
                    **_body(response.body),
                },
            }
        )
    cassette: dict[str, Any] = {"version": CASSETTE_VERSION, "interactions": interactions}
    if recording.variables:
        cassette["variables"] = dict(recording.variables)
    return cassette


def save_cassette(recording: Recording, path: str | os.PathLike[str]) -> Path:
    """Write `recording` to `path` as a native cassette, atomically: a unique temporary
    file next to it is renamed over it, so readers (and other xdist workers) never see
    half a file. Missing parent folders are created."""
    if not isinstance(recording, Recording):
        raise usage_error(
            "save_cassette(recording)",
            recording,
            "a Recording (from load_recording(), or a recorder's .recording)",
            CASSETTES_DOCS,
        )
    target = Path(_errors.path("save_cassette(path)", path, CASSETTES_DOCS))
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(to_cassette(recording), indent=2, ensure_ascii=False) + "\n"
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def convert_test_proxy(source: str | os.PathLike[str], destination: str | os.PathLike[str]) -> Path:
    """Convert an Azure SDK test-proxy recording file to a native cassette file."""
    _errors.path("convert_test_proxy(source)", source, CASSETTES_DOCS)
    _errors.path("convert_test_proxy(destination)", destination, CASSETTES_DOCS)
    return save_cassette(load_test_proxy(source), destination)


# -- the cassette format: reading ----------------------------------------------------------


def _read(recording: PathOrData, what: str) -> tuple[object, str | None]:
    if isinstance(recording, Mapping):
        return recording, None
    source = _errors.path(what, recording, CASSETTES_DOCS, expected=PATH_OR_DATA)
    try:
        with open(source, encoding="utf-8-sig") as file:
            return json.load(file), source
    except FileNotFoundError:
        raise usage_error(f"No recording at {source}.", anchor=CASSETTES_DOCS) from None
    except ValueError as error:
        raise usage_error(f"{source} is not JSON: {error}.", anchor=CASSETTES_DOCS) from None


def _cassette_headers(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise usage_error(
            f"{where} must be an object of header names to values, not {value!r}.",
            anchor=CASSETTES_DOCS,
        )
    return {str(name): str(item) for name, item in value.items()}


def _message(raw: object, where: str, required: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise usage_error(f"{where} is not an object: {raw!r}.", anchor=CASSETTES_DOCS)
    missing = [name for name in required if name not in raw]
    if missing:
        raise usage_error(f"{where} has no {', '.join(map(repr, missing))}.", anchor=CASSETTES_DOCS)
    return raw


def _interaction(index: int, raw: object) -> RecordedEntry:
    where = f"interactions[{index}]"
    interaction = _message(raw, where, ("request", "response"))
    request = _message(interaction["request"], f"{where}.request", ("method", "uri"))
    response = _message(interaction["response"], f"{where}.response", ("status",))
    request_body = decode_body(request.get("body"), request.get("body_encoding") == "base64")
    response_body = decode_body(response.get("body"), response.get("body_encoding") == "base64")
    headers = {
        name: value
        for name, value in _cassette_headers(
            response.get("headers"), f"{where}.response.headers"
        ).items()
        if name.lower() not in _UNSTORED_RESPONSE_HEADERS
    }
    if isinstance(response.get("body"), dict | list) and not any(
        name.lower() == "content-type" for name in headers
    ):
        headers["Content-Type"] = "application/json"
    headers["Content-Length"] = str(len(response_body))
    return RecordedEntry(
        index,
        RecordedRequest(
            str(request["method"]).upper(),
            str(request["uri"]),
            _cassette_headers(request.get("headers"), f"{where}.request.headers"),
            request_body,
        ),
        RecordedResponse(int(response["status"]), headers, response_body),
    )


def _from_cassette(data: Mapping[str, Any], source: str | None) -> Recording:
    name = source or "the cassette"
    version = data.get("version")
    if version != CASSETTE_VERSION:
        raise usage_error(
            f"{name} is a version {version!r} cassette; this pytest-eventgrid reads version "
            f"{CASSETTE_VERSION}.",
            anchor=CASSETTES_DOCS,
        )
    interactions = data.get("interactions")
    if not isinstance(interactions, list):
        raise usage_error(f'{name} has no "interactions" list.', anchor=CASSETTES_DOCS)
    variables = data.get("variables") or {}
    return Recording(
        entries=tuple(_interaction(index, raw) for index, raw in enumerate(interactions)),
        variables={str(k): str(v) for k, v in dict(variables).items()},
        source=source,
    )


def load_cassette(cassette: PathOrData) -> Recording:
    """Parse a native cassette: a file path or the parsed JSON."""
    data, source = _read(cassette, "load_cassette(cassette)")
    if not isinstance(data, Mapping):
        raise usage_error(
            f"{source or 'the cassette'} is not a cassette object.", anchor=CASSETTES_DOCS
        )
    return _from_cassette(data, source)


def load_recording(recording: PathOrData) -> Recording:
    """Parse a native cassette or a test-proxy recording, whichever it is."""
    data, source = _read(recording, "load_recording(recording)")
    if isinstance(data, Mapping) and "interactions" in data:
        return _from_cassette(data, source)
    if isinstance(data, Mapping) and "Entries" in data:
        recorded = load_test_proxy(data)
        return Recording(recorded.entries, recorded.variables, source)
    raise usage_error(
        f"{source or 'the recording'} is neither a native cassette "
        f'({{"version": 1, "interactions": [...]}}) nor a test-proxy recording '
        f'({{"Entries": [...]}}).',
        anchor=CASSETTES_DOCS,
    )
