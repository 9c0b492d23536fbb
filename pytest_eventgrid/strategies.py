"""Hypothesis strategies for Event Grid events (install `pytest-eventgrid[hypothesis]`).

    from hypothesis import given
    from pytest_eventgrid.strategies import cloud_events, invalid_cloud_events

    @given(cloud_events(type="com.contoso.orders.created"))
    def test_handler_accepts_any_order_event(event): ...

- `cloud_events(**fields)`: `CloudEvent`s valid per the CloudEvents 1.0 spec, with
  JSON, text or binary data and extension attributes, that the service accepts
  and gives back unchanged.
- `eventgrid_events(**fields)`: valid `EventGridEvent`s.
- `invalid_cloud_events()`: events the service rejects with 400, as JSON-ready
  dicts (a `CloudEvent` object cannot hold most of them).

Keyword arguments fix a field: give a value, or a strategy of your own.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - the extra is missing
    raise ImportError(
        "pytest_eventgrid.strategies needs Hypothesis: pip install 'pytest-eventgrid[hypothesis]'"
    ) from error

from . import _errors
from ._errors import NOT_GIVEN
from ._wire._cloudevents import CONTEXT_ATTRIBUTES
from .faker import (
    MAPPING_OR_NONE,
    TEXT,
    TEXT_OR_NONE,
    TIME,
    TIME_OR_NONE,
    check_fields,
)

__all__ = [
    "cloud_events",
    "eventgrid_events",
    "extension_names",
    "invalid_cloud_events",
    "json_values",
]

# Context attributes; an extension may not take one of these names.
RESERVED = CONTEXT_ATTRIBUTES
_TEXT = st.characters(exclude_categories=["Cs"])  # any text that is valid UTF-8
_SEGMENT = st.text(string.ascii_letters + string.digits + "-._~", min_size=1, max_size=12)
_WORD = st.text(string.ascii_lowercase, min_size=1, max_size=10)
STRATEGIES_DOCS = "guide/factories/#hypothesis-strategies"


def _check_fixed(helper: str, **fields: tuple[object, tuple[type, ...]]) -> None:
    """A `UsageError` for a field fixed to a value of the wrong type.

    A strategy is not checked: its values are drawn later.
    """
    fixed = {
        name: field for name, field in fields.items() if not isinstance(field[0], st.SearchStrategy)
    }
    check_fields(helper, fixed, anchor=STRATEGIES_DOCS, also=", or a strategy")


def _given(value: Any, default: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    if value is NOT_GIVEN:
        return default
    return value if isinstance(value, st.SearchStrategy) else st.just(value)


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """JSON values: objects, arrays, strings, numbers (finite), booleans and null."""
    _errors.integer("json_values(max_leaves)", max_leaves, STRATEGIES_DOCS, low=1)
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(_TEXT, max_size=20)
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(_TEXT, max_size=10), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def _times() -> st.SearchStrategy[datetime]:
    offsets = st.integers(-14 * 60, 14 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    )
    return st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.just(timezone.utc) | offsets,
    )


def _sources() -> st.SearchStrategy[str]:
    path = st.lists(_SEGMENT, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
    host = st.builds("https://{}.example.com".format, _WORD)
    urn = st.builds("urn:uuid:{}".format, st.uuids())
    return path | st.builds(str.__add__, host, path) | urn


def _types() -> st.SearchStrategy[str]:
    return st.lists(_WORD, min_size=2, max_size=5).map(".".join)


def extension_names() -> st.SearchStrategy[str]:
    """Extension attribute names: 1-20 lower-case letters or digits, with a letter."""
    name = st.from_regex(r"[a-z0-9]{0,10}[a-z][a-z0-9]{0,9}", fullmatch=True)
    return name.filter(lambda text: text not in RESERVED)


def _extensions() -> st.SearchStrategy[dict[str, Any]]:
    values = st.text(_TEXT, max_size=20) | st.integers(-(2**31), 2**31 - 1) | st.booleans()
    return st.dictionaries(extension_names(), values, max_size=3)


@st.composite
def _payloads(draw: Callable[..., Any]) -> tuple[Any, str | None]:
    """Data and a content type that fits it: JSON, text or binary."""
    kind = draw(st.sampled_from(("json", "text", "binary")))
    if kind == "json":
        return draw(json_values()), draw(st.sampled_from((None, "application/json")))
    if kind == "text":
        return draw(st.text(_TEXT, max_size=40)), draw(st.sampled_from(("text/plain", None)))
    media = st.sampled_from(("application/octet-stream", "image/png", None))
    return draw(st.binary(max_size=64)), draw(media)


def cloud_events(
    *,
    id: Any = NOT_GIVEN,
    source: Any = NOT_GIVEN,
    type: Any = NOT_GIVEN,
    subject: Any = NOT_GIVEN,
    data: Any = NOT_GIVEN,
    time: Any = NOT_GIVEN,
    datacontenttype: Any = NOT_GIVEN,
    dataschema: Any = NOT_GIVEN,
    extensions: Any = NOT_GIVEN,
) -> st.SearchStrategy[CloudEvent[Any]]:
    """azure-core `CloudEvent`s valid per the CloudEvents 1.0 spec.

    Data is JSON (any JSON value), text or bytes (sent as `data_base64`), with a
    fitting `datacontenttype` or none; `extensions` holds up to three extension
    attributes (strings, 32-bit integers, booleans). Fix any field with a value
    or a strategy: `cloud_events(type="com.contoso.orders.created",
    data=st.fixed_dictionaries({"total": st.integers(0)}))`.
    """
    _check_fixed(
        "cloud_events",
        id=(id, TEXT),
        source=(source, TEXT),
        type=(type, TEXT),
        subject=(subject, TEXT_OR_NONE),
        time=(time, TIME_OR_NONE),
        datacontenttype=(datacontenttype, TEXT_OR_NONE),
        dataschema=(dataschema, TEXT_OR_NONE),
        extensions=(extensions, MAPPING_OR_NONE),
    )

    @st.composite
    def build(draw: Callable[..., Any]) -> CloudEvent[Any]:
        payload, media = draw(_payloads())
        return CloudEvent(
            id=draw(_given(id, st.text(_TEXT, min_size=1, max_size=36))),
            source=draw(_given(source, _sources())),
            type=draw(_given(type, _types())),
            subject=draw(_given(subject, st.none() | st.text(_TEXT, min_size=1, max_size=30))),
            data=draw(_given(data, st.just(payload))),
            time=draw(_given(time, st.none() | _times())),
            datacontenttype=draw(_given(datacontenttype, st.just(media))),
            dataschema=draw(
                _given(
                    dataschema,
                    st.none() | st.builds("https://schemas.example.com/{}.json".format, _WORD),
                )
            ),
            extensions=draw(_given(extensions, _extensions())) or None,
        )

    return build()


def eventgrid_events(
    *,
    id: Any = NOT_GIVEN,
    subject: Any = NOT_GIVEN,
    event_type: Any = NOT_GIVEN,
    data: Any = NOT_GIVEN,
    data_version: Any = NOT_GIVEN,
    topic: Any = NOT_GIVEN,
    event_time: Any = NOT_GIVEN,
) -> st.SearchStrategy[EventGridEvent]:
    """`azure.eventgrid.EventGridEvent`s with every required field, and JSON data.

    Fix any field with a value or a strategy, as for `cloud_events()`.
    """
    _check_fixed(
        "eventgrid_events",
        id=(id, TEXT),
        subject=(subject, TEXT),
        event_type=(event_type, TEXT),
        data_version=(data_version, TEXT),
        topic=(topic, TEXT_OR_NONE),
        event_time=(event_time, TIME),
    )
    utc = st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.just(timezone.utc),
    )
    return st.builds(
        EventGridEvent,
        subject=_given(subject, st.lists(_SEGMENT, min_size=1, max_size=4).map("/".join)),
        event_type=_given(event_type, _types()),
        data=_given(data, json_values().filter(lambda value: value is not None)),
        data_version=_given(data_version, st.sampled_from(("1.0", "2.0", "1"))),
        topic=_given(topic, st.none()),
        id=_given(id, st.uuids().map(str)),
        event_time=_given(event_time, utc),
    )


def _valid_event() -> st.SearchStrategy[dict[str, Any]]:
    """A valid structured-mode event as JSON, to break in one place."""
    return st.fixed_dictionaries(
        {
            "id": st.uuids().map(str),
            "source": _sources(),
            "type": _types(),
            "specversion": st.just("1.0"),
        },
        optional={
            "time": st.just("2024-05-04T23:06:09.147165Z"),
            "subject": st.text(_TEXT, min_size=1, max_size=20),
            "data": json_values(max_leaves=4),
        },
    )


_NOT_STRINGS: st.SearchStrategy[object] = (
    st.integers() | st.booleans() | st.lists(st.integers(), max_size=2) | st.just({})
)


def _drop_required(event: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in event.items() if key != name}


def _mutations() -> st.SearchStrategy[Callable[[dict[str, Any]], dict[str, Any]]]:
    required = st.sampled_from(("id", "source", "type", "specversion"))
    bad_required = st.none() | st.just("") | _NOT_STRINGS
    bad_names = (
        st.from_regex(r"[a-z]{0,5}[A-Z_\-. ][a-zA-Z0-9]{0,5}", fullmatch=True)
        | st.from_regex(r"[a-z0-9]{21,30}", fullmatch=True)
    ).filter(lambda name: name not in RESERVED)
    bad_times = (
        st.sampled_from(
            (
                "yesterday",
                "2024-05-04",
                "2024-05-04T23:06:09",
                "2024-13-01T00:00:00Z",
                "2024-02-30T12:00:00Z",
                "04/05/2024 23:06:09",
            )
        )
        | st.integers()
    )
    return st.one_of(
        required.map(lambda name: lambda event: _drop_required(event, name)),
        st.tuples(required, bad_required).map(
            lambda pair: lambda event: {**event, pair[0]: pair[1]}
        ),
        st.sampled_from(("0.3", "1", "2.0", "1.0.0")).map(
            lambda version: lambda event: {**event, "specversion": version}
        ),
        st.tuples(bad_names, st.text(_TEXT, max_size=5)).map(
            lambda pair: lambda event: {**event, pair[0]: pair[1]}
        ),
        st.tuples(extension_names(), st.just({"a": 1}) | st.just([1])).map(
            lambda pair: lambda event: {**event, pair[0]: pair[1]}
        ),
        st.tuples(st.sampled_from(("subject", "datacontenttype", "dataschema")), _NOT_STRINGS).map(
            lambda pair: lambda event: {**event, pair[0]: pair[1]}
        ),
        bad_times.map(lambda time: lambda event: {**event, "time": time}),
        st.just(lambda event: {**event, "data": {"a": 1}, "data_base64": "AQID"}),
        (st.sampled_from(("not base64!", "abc", "====")) | _NOT_STRINGS).map(
            lambda text: lambda event: {**_drop_required(event, "data"), "data_base64": text}
        ),
    )


@st.composite
def _invalid(draw: Callable[..., Any]) -> dict[str, Any]:
    event = draw(_valid_event())
    return draw(_mutations())(event)  # type: ignore[no-any-return]


def invalid_cloud_events() -> st.SearchStrategy[dict[str, Any]]:
    """Structured-mode CloudEvents (JSON-ready dicts) the service rejects with 400.

    Each breaks one rule: a required attribute (`id`, `source`, `type`,
    `specversion`) missing, null, empty or not a string; a `specversion` other
    than "1.0"; an extension name that is not 1-20 lower-case letters or
    digits, or an extension value that is an object or array; a `subject`,
    `datacontenttype` or `dataschema` that is not a string; a `time` that is not
    an RFC 3339 timestamp; both `data` and `data_base64`; a `data_base64` that is
    not base64.
    """
    return _invalid()
