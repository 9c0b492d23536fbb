"""Native cassettes: a readable, versioned JSON recording format, and conversion.

```json
{"version": 1,
 "interactions": [
   {"request": {"method": "POST", "uri": "https://...", "headers": {...}, "body": [...]},
    "response": {"status": 200, "headers": {...}, "body": {}}}]}
```

A body that is a JSON object or list is stored as that JSON value (a CloudEvents
batch stays readable); other UTF-8 text as a string; other bytes as a base64 string
with `"body_encoding": "base64"` next to it; an empty body as `null`.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import _errors
from .._errors import usage_error
from ._playback import (
    RecordedEntry,
    RecordedRequest,
    RecordedResponse,
    Recording,
    load_test_proxy,
)

CASSETTE_VERSION = 1
# Recomputed on playback, so neither stored nor replayed.
_UNSTORED_RESPONSE_HEADERS = frozenset({"content-length", "transfer-encoding", "content-encoding"})
CASSETTES_DOCS = "guide/playback/#cassettes"
# What a loader takes besides a path.
PATH_OR_DATA = f"{_errors.PATH} or the parsed JSON (a dict)"

PathOrData = str | os.PathLike[str] | Mapping[str, Any]


# -- bodies ------------------------------------------------------------------------------------


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


# -- writing -----------------------------------------------------------------------------------


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


# -- reading -----------------------------------------------------------------------------------


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


def _headers(value: object, where: str) -> dict[str, str]:
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
        for name, value in _headers(response.get("headers"), f"{where}.response.headers").items()
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
            _headers(request.get("headers"), f"{where}.request.headers"),
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
