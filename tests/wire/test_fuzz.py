"""A fuzz of the wire: whatever a request holds, the fake answers as a service would.

Each example builds a fake (with or without `key=` and `auto_create`) holding a
namespace, a Basic topic and a Basic domain, and sends it a run of generated requests:
namespace and Basic routes and garbage paths, on served and unserved hosts; any method;
queries with valid and garbage `api-version`, `maxEvents`, `maxWaitTime` and
`releaseDelayInSeconds`; content types, keys, tokens and binary-mode headers; bodies
that are valid or mutated CloudEvents, EventGridEvents and settlement bodies (with lock
tokens the run received), unicode with lone surrogates and control characters, deep
nesting, huge numbers, wrong types and bytes that are no JSON.

Properties: every request gets a `WireResponse` (a receive that waits completes on the
virtual clock) with a 2xx or 4xx status, and every error has the service's JSON error
shape; nothing raises. After the run a valid event is still published and received, and
every view and assertion helper reads what the fake accepted.

The suite runs the `ci` profile (tests/conftest.py); `tox -e reliability` the long one.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import event, given
from hypothesis import strategies as st

from pytest_eventgrid import EventGrid
from pytest_eventgrid._doors import wait_sync
from pytest_eventgrid._wire import LongPoll, WireRequest, WireResponse
from pytest_eventgrid.strategies import invalid_cloud_events, json_values

KEY = "cHl0ZXN0LWV2ZW50Z3JpZC1mYWtlLWtleQ=="
NAMESPACE = "test-namespace.westus-1.eventgrid.azure.net"
SHOP = "shop.westus-1.eventgrid.azure.net"  # a Basic custom topic
MALL = "mall.westus-1.eventgrid.azure.net"  # a Basic domain
HOSTS = (
    NAMESPACE,
    NAMESPACE,
    SHOP,
    MALL,
    "other.westus-1.eventgrid.azure.net",
    "new.westus-1.eventgrid.azure.net",
    "example.com",
    "[broken",
)
NAMESPACE_VERSIONS = ("2023-06-01-preview", "2023-10-01-preview", "2023-11-01", "2024-06-01")
BATCH = "application/cloudevents-batch+json; charset=utf-8"
SINGLE = "application/cloudevents+json; charset=utf-8"
CONTENT_TYPES = (
    BATCH,
    SINGLE,
    "application/json",
    "application/json; charset=utf-8",
    "application/cloudevents-batch+json",
    "text/plain",
    "application/octet-stream",
    "application/xml",
    "",
)
OPERATIONS = ("receive", "acknowledge", "release", "reject", "renewLock", "peek")
ODD_TEXT = st.sampled_from(("\ud800", "\udfff", "\x00", "\x1f", "\u2028", "\ufeff", "\U0001f600"))
# Any text: lone surrogates and control characters included.
TEXT = st.lists(st.characters() | ODD_TEXT, max_size=12).map("".join)
NAMES = st.sampled_from(("orders", "orders", "billing", "refunds")) | TEXT
DEEP = st.sampled_from((63, 64, 65, 66, 1000, 100_000)).map(lambda n: "[" * n + "]" * n)
HUGE_NUMBERS = st.sampled_from(("1e400", "-1e400", "1.7976931348623157e308", "1" * 5000, "-0"))


def leaves() -> st.SearchStrategy[Any]:
    return (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | TEXT
    )


ODD_JSON = st.recursive(
    leaves(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def cloud_events(draw: st.DrawFn) -> dict[str, Any]:
    """A CloudEvent as JSON: valid (with odd data and extensions) or broken."""
    if draw(st.booleans()):
        broken: dict[str, Any] = draw(invalid_cloud_events())
        return broken
    built: dict[str, Any] = {
        "id": draw(st.sampled_from(("e1", "e2", "e3")) | TEXT),
        "source": draw(st.sampled_from(("/orders", "orders", "https://x.example/", "")) | TEXT),
        "type": draw(st.sampled_from(("Order.Created", "T")) | TEXT),
        "specversion": draw(st.sampled_from(("1.0", "1.0", "0.3"))),
    }
    if draw(st.booleans()):
        built["data"] = draw(ODD_JSON | json_values(max_leaves=4))
    extensions = draw(
        st.dictionaries(
            st.sampled_from(("123", "0", "a1", "tenant"))
            | st.from_regex(r"[a-z0-9]{1,20}", fullmatch=True)
            | TEXT,
            leaves(),
            max_size=2,
        )
    )
    built.update({name: value for name, value in extensions.items() if name not in built})
    for name in draw(st.lists(st.sampled_from(("time", "subject", "datacontenttype")))):
        built[name] = draw(
            st.sampled_from(("2024-05-04T23:06:09.1471650+02:00", "2024-01-01T00:00:00Z"))
            | leaves()
        )
    return built


@st.composite
def eventgrid_events(draw: st.DrawFn) -> dict[str, Any]:
    """An EventGridEvent as JSON, valid or with a field missing or odd."""
    built: dict[str, Any] = {
        "id": "g1",
        "subject": "orders/1",
        "data": draw(ODD_JSON),
        "eventType": "Order.Created",
        "eventTime": "2030-01-01T00:00:00Z",
        "dataVersion": "1",
    }
    if draw(st.booleans()):
        built["topic"] = draw(
            st.sampled_from(
                (
                    "orders",
                    "https://x.example/",
                    "/subscriptions/s/resourceGroups/g/providers/Microsoft.EventGrid"
                    "/domains/mall/topics/orders",
                )
            )
            | TEXT
        )
    for name in draw(st.lists(st.sampled_from(sorted(built)), max_size=2)):
        if draw(st.booleans()):
            built.pop(name, None)
        else:
            built[name] = draw(leaves())
    return built


BODY_KINDS = ("cloudevents", "cloudevent", "eventgrid", "settle", "json", "deep", "number", "bytes")
# Bodies any route may get: odd JSON, deep nesting, huge numbers, bytes that are no JSON.
ODD_BODIES = ("json", "deep", "number", "bytes")


@st.composite
def bodies(draw: st.DrawFn, tokens: list[str], kinds: tuple[str, ...] = BODY_KINDS) -> bytes:
    """A request body: JSON as azure-core writes it (surrogates escaped), raw UTF-8,
    text that is not JSON, or one of those mutated."""
    choice = draw(st.sampled_from(kinds))
    document: Any
    if choice == "cloudevents":
        document = draw(st.lists(cloud_events(), max_size=3))
    elif choice == "cloudevent":
        document = draw(cloud_events())
    elif choice == "eventgrid":
        document = draw(st.lists(eventgrid_events(), max_size=3))
    elif choice == "settle":
        chosen = st.sampled_from(tokens) if tokens else TEXT
        document = {"lockTokens": draw(st.lists(chosen | TEXT | leaves(), max_size=3))}
        if draw(st.booleans()):
            document = draw(st.sampled_from(({}, [], {"lockTokens": "t"}, {"lockTokens": []})))
    elif choice == "json":
        document = draw(ODD_JSON)
    elif choice == "deep":
        return draw(DEEP).encode()
    elif choice == "number":
        number = draw(HUGE_NUMBERS)
        event = (
            f'{{"id": "n", "source": "/s", "type": "T", "specversion": "1.0", "data": {number}}}'
        )
        return f"[{event}]".encode()
    else:
        return draw(st.binary(max_size=40))
    body = (
        json.dumps(document).encode()
        if draw(st.booleans())
        else json.dumps(document, ensure_ascii=False).encode("utf-8", errors="surrogatepass")
    )
    if draw(st.integers(0, 5)) == 0:  # splice a few bytes in somewhere
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.binary(min_size=1, max_size=3)) + body[at:]
    return body


@st.composite
def paths(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(("", "", "/api/events")))
    kind = draw(st.sampled_from(("publish", "operation", "basic", "garbage")))
    topic = (
        quote(draw(NAMES), safe="", errors="surrogatepass") if draw(st.booleans()) else draw(NAMES)
    )
    if kind == "publish":
        return f"{prefix}/topics/{topic}:publish"
    if kind == "operation":
        subscription = draw(NAMES)
        operation = draw(st.sampled_from(OPERATIONS))
        return f"{prefix}/topics/{topic}/eventsubscriptions/{subscription}:{operation}"
    if kind == "basic":
        return draw(st.sampled_from(("/api/events", "/api/events/", "/", "")))
    return "/" + draw(TEXT)


@st.composite
def queries(draw: st.DrawFn) -> str:
    pairs: dict[str, str] = {}
    version = draw(
        st.sampled_from((*NAMESPACE_VERSIONS, "2018-01-01", "2099-01-01", "")) | st.none() | TEXT
    )
    if version is not None:
        pairs["api-version"] = version
    numbers = st.integers(-5, 200).map(str) | st.sampled_from(("+5", "1e2", "", "9" * 12)) | TEXT
    for name in draw(
        st.lists(
            st.sampled_from(("maxEvents", "maxWaitTime", "releaseDelayInSeconds", "aeg-sas-key"))
        )
    ):
        pairs[name] = KEY if name == "aeg-sas-key" and draw(st.booleans()) else draw(numbers)
    if draw(st.integers(0, 5)) == 0:  # unencoded, as a careless client might send it
        return "&".join(f"{name}={value}" for name, value in pairs.items())
    return urlencode(pairs, errors="surrogatepass")


@st.composite
def headers(draw: st.DrawFn) -> dict[str, str]:
    sent: dict[str, str] = {}
    content_type = draw(st.sampled_from(CONTENT_TYPES) | st.none() | TEXT)
    if content_type is not None:
        sent["Content-Type"] = content_type
    auth = draw(
        st.sampled_from(
            (
                {},
                {"aeg-sas-key": KEY},
                {"aeg-sas-key": "b3RoZXI="},
                {"aeg-sas-key": "not base64"},
                {"Authorization": f"SharedAccessKey {KEY}"},
                {"Authorization": "Bearer token"},
                {"Authorization": "SharedAccessSignature r=x&e=y&s=z"},
                {"aeg-sas-token": "r=https%3A%2F%2Fshop&e=2030-01-01&s=%C3%A9"},
            )
        )
    )
    sent.update(auth)
    if draw(st.integers(0, 3)) == 0:  # binary mode
        for name in draw(st.lists(st.sampled_from(("id", "source", "type", "specversion", "x1")))):
            sent[f"ce-{name}"] = draw(st.sampled_from(("1.0", "e1", "/s", "%ZZ", "%C3")) | TEXT)
    return sent


@st.composite
def wild_requests(draw: st.DrawFn, tokens: list[str]) -> WireRequest:
    """Any method, host, path, query, headers and body."""
    host = draw(st.sampled_from(HOSTS))
    method = draw(st.sampled_from(("POST", "POST", "GET", "PUT", "OPTIONS")) | TEXT)
    url = f"https://{host}{draw(paths())}?{draw(queries())}"
    return WireRequest(method, url, draw(headers()), draw(bodies(tokens)))


@st.composite
def plausible_requests(draw: st.DrawFn, tokens: list[str]) -> WireRequest:
    """A request a client might send: a served route with the right version, key and
    content type, whose body or query holds the trouble."""
    intent = draw(st.sampled_from(("publish", "receive", "settle", "basic")))
    auth = {"aeg-sas-key": KEY}
    if intent == "basic":
        host = draw(st.sampled_from((SHOP, MALL, "new.westus-1.eventgrid.azure.net")))
        url = f"https://{host}/api/events?api-version=2018-01-01"
        content_type = draw(st.sampled_from(("application/json", BATCH, SINGLE)))
        kinds = ("eventgrid", "cloudevents", "cloudevent", *ODD_BODIES)
        body = draw(bodies(tokens, kinds))
        return WireRequest("POST", url, {**auth, "Content-Type": content_type}, body)
    host = draw(st.sampled_from((NAMESPACE, NAMESPACE, "other.westus-1.eventgrid.azure.net")))
    version = draw(st.sampled_from(NAMESPACE_VERSIONS))
    topic = f"https://{host}/topics/orders"
    if intent == "publish":
        url = f"{topic}:publish?api-version={version}"
        sent = {**auth, "Content-Type": draw(st.sampled_from((BATCH, BATCH, SINGLE)))}
        if draw(st.integers(0, 3)) == 0:
            sent = {**auth, **draw(headers())}  # binary mode, odd content types
        kinds = ("cloudevents", "cloudevents", "cloudevent", *ODD_BODIES)
        return WireRequest("POST", url, sent, draw(bodies(tokens, kinds)))
    operation = "receive" if intent == "receive" else draw(st.sampled_from(OPERATIONS[1:5]))
    query = f"api-version={version}"
    if draw(st.booleans()):
        query = f"{query}&{draw(queries())}"
    url = f"{topic}/eventsubscriptions/billing:{operation}?{query}"
    body = b"" if intent == "receive" else draw(bodies(tokens, ("settle", "settle", *ODD_BODIES)))
    return WireRequest("POST", url, {**auth, "Content-Type": "application/json"}, body)


def requests(tokens: list[str]) -> st.SearchStrategy[WireRequest]:
    return plausible_requests(tokens) | plausible_requests(tokens) | wild_requests(tokens)


# -- the properties ---------------------------------------------------------------------

# Every answer's status, counted across the session (a long run reports how many ran).
SENT: Counter[int] = Counter()


def answer(eventgrid: EventGrid, request: WireRequest) -> WireResponse:
    """The fake's answer, checked for the service's shape."""
    result = eventgrid._service.handle(request)
    response = wait_sync(result, eventgrid.clock) if isinstance(result, LongPoll) else result
    assert isinstance(response, WireResponse)
    event(f"status {response.status}")
    SENT[response.status] += 1
    assert 200 <= response.status < 300 or 400 <= response.status < 500, response
    if response.status >= 400:
        error = json.loads(response.body)["error"]
        assert isinstance(error["code"], str)
        assert isinstance(error["message"], str)
        # Namespace errors carry `broker-errorcode`; Basic ones a `details` list.
        assert response.headers.get("broker-errorcode") == error["code"] or isinstance(
            error["details"], list
        )
    elif response.body:
        json.loads(response.body)
    return response


def received_tokens(response: WireResponse) -> list[str]:
    body = json.loads(response.body) if response.body else None
    if not isinstance(body, dict) or not isinstance(body.get("value"), list):
        return []
    return [item["brokerProperties"]["lockToken"] for item in body["value"]]


def fake(auto_create: bool, key: str | None) -> EventGrid:
    return EventGrid(
        topic="orders",
        subscription="billing",
        auto_create=auto_create,
        key=key,
        basic_topics={"shop": None, "mall": {"kind": "domain"}},
    )


def still_serves_a_valid_event(eventgrid: EventGrid) -> None:
    """A valid event is published and received after whatever came before."""
    credentials = {"aeg-sas-key": KEY}
    marker = {"id": "marker", "source": "/orders", "type": "Marker", "specversion": "1.0"}
    url = f"https://{NAMESPACE}/topics/orders"
    published = answer(
        eventgrid,
        WireRequest(
            "POST",
            f"{url}:publish?api-version=2024-06-01",
            {**credentials, "Content-Type": BATCH},
            json.dumps([marker]).encode(),
        ),
    )
    assert published.status == 200
    receive = f"{url}/eventsubscriptions/billing:receive?api-version=2024-06-01&maxEvents=100"
    for _ in range(20):
        response = answer(eventgrid, WireRequest("POST", receive, credentials))
        assert response.status == 200
        items = json.loads(response.body)["value"]
        if any(item["event"]["type"] == "Marker" for item in items):
            return
    raise AssertionError("the valid event was never received")


def every_view_reads(eventgrid: EventGrid) -> None:
    """The views and assertion helpers read every event the fake accepted."""
    for host in list(eventgrid._broker.namespaces):
        for topic in eventgrid.namespace(host).topics:
            assert isinstance(topic.published, list)
            for subscription in topic.subscriptions:
                for name in ("available", "delayed", "locked", "acknowledged", "released"):
                    assert isinstance(getattr(subscription, name), list)
                for name in ("rejected", "dead_lettered", "dropped", "expired_locks"):
                    assert isinstance(getattr(subscription, name), list)
    for name in ("shop", "mall"):
        basic = eventgrid.domain(name) if name == "mall" else eventgrid.basic_topic(name)
        assert isinstance(basic.published, list)
    eventgrid.topic("orders").assert_published(type="Marker")
    eventgrid.subscription().assert_published(type="Marker")
    assert eventgrid.calls
    assert eventgrid.format_timeline()


@given(
    auto_create=st.booleans(),
    key=st.sampled_from((None, KEY)),
    data=st.data(),
)
def test_every_request_gets_a_service_answer_and_nothing_escapes(
    auto_create: bool, key: str | None, data: st.DataObject
) -> None:
    eventgrid = fake(auto_create, key)
    tokens: list[str] = []
    for _ in range(data.draw(st.integers(1, 12), label="requests")):
        request = data.draw(requests(tokens))
        tokens.extend(received_tokens(answer(eventgrid, request)))

    still_serves_a_valid_event(eventgrid)
    every_view_reads(eventgrid)
