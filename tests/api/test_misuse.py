"""Every public entry point refuses misuse at the call, with a `UsageError` that says
what was given, what was expected, and where the docs are (an anchor that exists)."""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pytest_eventgrid import (
    CloudEventFactory,
    EventGrid,
    EventGridEventFactory,
    UsageError,
    chaos,
    faults,
    mock_eventgrid,
    strategies,
)
from pytest_eventgrid._errors import DOCS_URL
from pytest_eventgrid.factories import Sequence
from pytest_eventgrid.faker import EventGridProvider
from pytest_eventgrid.match import contains, regex
from pytest_eventgrid.recordings import (
    Recording,
    convert_test_proxy,
    load_cassette,
    load_recording,
    load_test_proxy,
    playback,
    record,
    save_cassette,
)
from tests import _paths

DOCS = _paths.DOCS
NAMESPACE_URL = "https://orders.westus-1.eventgrid.azure.net"
CASSETTE = "never-written/cassette.json"  # a refused call reads and writes no file


@dataclass(frozen=True)
class Misuse:
    """One wrong call: what it passes, and what the message must say."""

    id: str
    call: Callable[[EventGrid], object]
    given: object  # its repr must follow "got "
    expected: str  # a fragment of what the message says is expected
    anchor: str  # "page/#section" of the docs

    @property
    def param(self) -> Any:
        return pytest.param(self, id=self.id)


def publish(eventgrid: EventGrid, **options: Any) -> object:
    return eventgrid.fail("publish", faults.status(503), **options)


def misuse(
    id: str, call: Callable[[EventGrid], object], given: object, expected: str, anchor: str
) -> Any:
    return Misuse(id, call, given, expected, anchor).param


ROWS = [
    # -- the clock
    misuse(
        "advance inf", lambda eg: eg.clock.advance(math.inf), math.inf, ">= 0", "guide/#the-clock"
    ),
    misuse("advance -1", lambda eg: eg.clock.advance(-1), -1, ">= 0", "guide/#the-clock"),
    misuse(
        "advance a string", lambda eg: eg.clock.advance("5"), "5", "a number", "guide/#the-clock"
    ),
    misuse(
        "advance a negative timedelta",
        lambda eg: eg.clock.advance(timedelta(seconds=-1)),
        timedelta(seconds=-1),
        "a timedelta, finite and >= 0",
        "guide/#the-clock",
    ),
    misuse(
        "advance_to a string",
        lambda eg: eg.clock.advance_to("x"),
        "x",
        "a finite number",
        "guide/#the-clock",
    ),
    misuse(
        "advance_to nan",
        lambda eg: eg.clock.advance_to(math.nan),
        math.nan,
        "a finite number",
        "guide/#the-clock",
    ),
    # -- faults: the outcomes
    misuse(
        "latency a string",
        lambda _: faults.latency("5"),
        "5",
        "a number of seconds",
        "guide/failures/#outcomes",
    ),
    misuse(
        "latency inf",
        lambda _: faults.latency(math.inf),
        math.inf,
        "finite",
        "guide/failures/#outcomes",
    ),
    misuse(
        "status a string",
        lambda _: faults.status("503"),
        "503",
        "one of 400",
        "guide/failures/#statuses",
    ),
    misuse("status 99", lambda _: faults.status(99), 99, "one of 400", "guide/failures/#statuses"),
    misuse(
        "status message not text",
        lambda _: faults.status(503, message=5),
        5,
        "a string or None",
        "guide/failures/#statuses",
    ),
    misuse(
        "throttle a string",
        lambda _: faults.throttle(retry_after="soon"),
        "soon",
        "a number of seconds",
        "guide/failures/#statuses",
    ),
    misuse(
        "lose_tokens one string",
        lambda _: faults.lose_tokens("tok"),
        "tok",
        "a list of strings",
        "guide/failures/#outcomes",
    ),
    misuse(
        "lose_tokens not strings",
        lambda _: faults.lose_tokens([1]),
        [1],
        "a list of strings",
        "guide/failures/#outcomes",
    ),
    misuse(
        "lose_tokens fraction a string",
        lambda _: faults.lose_tokens(fraction="half"),
        "half",
        "a number from 0 to 1",
        "guide/failures/#outcomes",
    ),
    misuse(
        "bad_token one string",
        lambda _: faults.bad_token("tok"),
        "tok",
        "a list of strings",
        "guide/failures/#outcomes",
    ),
    misuse(
        "short_receive a float",
        lambda _: faults.short_receive(1.5),
        1.5,
        "an integer >= 1",
        "guide/failures/#outcomes",
    ),
    misuse(
        "short_receive a string",
        lambda _: faults.short_receive("1"),
        "1",
        "an integer >= 1",
        "guide/failures/#outcomes",
    ),
    # -- fail()
    misuse(
        "fail times a string",
        lambda eg: publish(eg, times="2"),
        "2",
        "an integer >= 1",
        "guide/failures/#how-many-requests",
    ),
    misuse(
        "fail times 0",
        lambda eg: publish(eg, times=0),
        0,
        "an integer >= 1",
        "guide/failures/#how-many-requests",
    ),
    misuse(
        "fail times a float",
        lambda eg: publish(eg, times=1.5),
        1.5,
        "an integer >= 1",
        "guide/failures/#how-many-requests",
    ),
    misuse(
        "fail when a string",
        lambda eg: publish(eg, when="x"),
        "x",
        "a callable",
        "guide/failures/#selecting-requests",
    ),
    misuse(
        "fail an unknown operation",
        lambda eg: eg.fail("publsh", faults.status(503)),
        "publsh",
        "one of publish, receive, acknowledge, release, reject, renew_locks, send, "
        "deliver (did you mean 'publish'?)",
        "guide/failures/#selecting-requests",
    ),
    misuse(
        "fail topic not a name",
        lambda eg: publish(eg, topic=5),
        5,
        "a non-empty string",
        "guide/failures/#selecting-requests",
    ),
    misuse(
        "fail subscription empty",
        lambda eg: publish(eg, subscription=""),
        "",
        "a non-empty string",
        "guide/failures/#selecting-requests",
    ),
    misuse(
        "fail probability a string",
        lambda eg: publish(eg, probability="often"),
        "often",
        "a number above 0 and at most 1",
        "guide/failures/#how-many-requests",
    ),
    misuse(
        "fail optional a string",
        lambda eg: publish(eg, optional="yes"),
        "yes",
        "True or False",
        "guide/failures/#strictness",
    ),
    misuse(
        "fail a bare status",
        lambda eg: eg.fail("publish", 503),
        503,
        "write faults.status(503)",
        "guide/failures/#outcomes",
    ),
    # -- EventGrid(...) settings (the marker's too)
    misuse(
        "topics a string",
        lambda _: EventGrid(topics="orders"),
        "orders",
        "a mapping of topic name",
        "guide/#topology",
    ),
    misuse(
        "topics a list",
        lambda _: EventGrid(topics=["orders"]),
        ["orders"],
        "a mapping of topic name",
        "guide/#topology",
    ),
    misuse(
        "topics subscriptions a string",
        lambda _: EventGrid(topics={"orders": "billing"}),
        "billing",
        "a list of subscription names",
        "guide/#topology",
    ),
    misuse(
        "topics subscription name a number",
        lambda _: EventGrid(topics={"orders": [5]}),
        5,
        "a non-empty string",
        "guide/#topology",
    ),
    misuse(
        "topics settings a number",
        lambda _: EventGrid(topics={"orders": {"billing": 5}}),
        5,
        "a mapping of subscription settings",
        "guide/#topology",
    ),
    misuse(
        "basic_topics a number",
        lambda _: EventGrid(basic_topics={"shop": 5}),
        5,
        "a schema name",
        "guide/basic/#topics-domains-and-partner-namespaces",
    ),
    misuse(
        "basic_topics a list",
        lambda _: EventGrid(basic_topics=["shop"]),
        ["shop"],
        "a mapping of topic name",
        "guide/basic/#topics-domains-and-partner-namespaces",
    ),
    misuse(
        "faults a mapping",
        lambda _: EventGrid(faults={"operation": "publish", "status": 503}),
        {"operation": "publish", "status": 503},
        "a list of fault mappings",
        "guide/failures/#the-marker",
    ),
    misuse(
        "faults a list of numbers",
        lambda _: EventGrid(faults=[503]),
        503,
        "a mapping such as",
        "guide/failures/#the-marker",
    ),
    misuse(
        "faults with two outcomes",
        lambda _: EventGrid(faults=[{"operation": "publish", "status": 503, "latency": 1}]),
        {"operation": "publish", "status": 503, "latency": 1},
        "exactly one of status, error, latency, lose_tokens, short_receive",
        "guide/failures/#the-marker",
    ),
    misuse(
        "key a number",
        lambda _: EventGrid(key=123),
        123,
        "a non-empty string",
        "guide/#the-marker",
    ),
    misuse("key empty", lambda _: EventGrid(key=""), "", "a non-empty string", "guide/#the-marker"),
    misuse(
        "start a string",
        lambda _: EventGrid(start="2020-01-01"),
        "2020-01-01",
        "a timezone-aware datetime",
        "guide/#the-clock",
    ),
    misuse(
        "start naive",
        lambda _: EventGrid(start=datetime(2020, 1, 1)),
        datetime(2020, 1, 1),
        "a timezone-aware datetime",
        "guide/#the-clock",
    ),
    misuse(
        "namespace a URL",
        lambda _: EventGrid(namespace=NAMESPACE_URL),
        NAMESPACE_URL,
        "3 to 50 letters, digits and hyphens",
        "guide/#the-marker",
    ),
    misuse(
        "namespace too short",
        lambda _: EventGrid(namespace="ab"),
        "ab",
        "3 to 50 letters, digits and hyphens",
        "guide/#the-marker",
    ),
    misuse(
        "namespace too long",
        lambda _: EventGrid(namespace="n" * 51),
        "n" * 51,
        "3 to 50 letters, digits and hyphens",
        "guide/#the-marker",
    ),
    misuse(
        "namespace with an underscore",
        lambda _: EventGrid(namespace="my_namespace"),
        "my_namespace",
        "3 to 50 letters, digits and hyphens",
        "guide/#the-marker",
    ),
    misuse(
        "region with a space",
        lambda _: EventGrid(region="west us"),
        "west us",
        "an Azure region name",
        "guide/#the-marker",
    ),
    misuse(
        "region a number",
        lambda _: EventGrid(region=1),
        1,
        "an Azure region name",
        "guide/#the-marker",
    ),
    misuse(
        "lock_duration a string",
        lambda _: EventGrid(lock_duration="60"),
        "60",
        "a number of seconds or a timedelta",
        "guide/#subscription-settings",
    ),
    misuse(
        "lock_duration out of range",
        lambda _: EventGrid(lock_duration=30),
        30,
        "between 60 and 300 seconds",
        "guide/#topology",
    ),
    misuse(
        "max_delivery_count a string",
        lambda _: EventGrid(max_delivery_count="3"),
        "3",
        "an integer from 1 to 10",
        "guide/#topology",
    ),
    misuse(
        "time_to_live nan",
        lambda _: EventGrid(time_to_live=math.nan),
        math.nan,
        "a number of seconds or a timedelta, finite",
        "guide/#subscription-settings",
    ),
    misuse(
        "dead_letter a string",
        lambda _: EventGrid(dead_letter="no"),
        "no",
        "True or False",
        "guide/#subscription-settings",
    ),
    misuse(
        "auto_create a string",
        lambda _: EventGrid(auto_create="no"),
        "no",
        "True or False",
        "guide/#the-marker",
    ),
    misuse(
        "autojump a string",
        lambda _: EventGrid(autojump="no"),
        "no",
        "True or False",
        "guide/#the-clock",
    ),
    misuse(
        "seed a float",
        lambda _: EventGrid(seed=1.5),
        1.5,
        "an int or a string",
        "guide/factories/#seeding",
    ),
    misuse(
        "topic a number", lambda _: EventGrid(topic=5), 5, "a non-empty string", "guide/#the-marker"
    ),
    misuse(
        "chaos a string",
        lambda _: EventGrid(chaos="lots"),
        "lots",
        "True (the default mix)",
        "guide/failures/#chaos",
    ),
    misuse(
        "mock_eventgrid settings",
        lambda _: mock_eventgrid(topics="orders").start(),
        "orders",
        "a mapping of topic name",
        "guide/#topology",
    ),
    # -- EventGrid's methods
    misuse(
        "chaos duplicates 2",
        lambda eg: eg.chaos(duplicates=2),
        2,
        "a chance from 0 to 1",
        "guide/failures/#chaos",
    ),
    misuse(
        "chaos reorder yes",
        lambda eg: eg.chaos(reorder="yes"),
        "yes",
        "True or False",
        "guide/failures/#chaos",
    ),
    misuse("topic(5)", lambda eg: eg.topic(5), 5, "a non-empty string", "guide/#topology"),
    misuse(
        "subscription(5)",
        lambda eg: eg.subscription(5),
        5,
        "a non-empty string",
        "guide/#topology",
    ),
    misuse(
        "subscription(topic=5)",
        lambda eg: eg.subscription(topic=5),
        5,
        "a non-empty string",
        "guide/#topology",
    ),
    misuse(
        "basic_topic(5)",
        lambda eg: eg.basic_topic(5),
        5,
        "a non-empty string",
        "guide/basic/#topics-domains-and-partner-namespaces",
    ),
    misuse(
        "basic_topic schema",
        lambda eg: eg.basic_topic("shop", schema="xml"),
        "xml",
        "one of eventgrid, cloudevents, custom",
        "guide/basic/#schemas",
    ),
    misuse(
        "domain(None)",
        lambda eg: eg.domain(None),
        None,
        "a non-empty string",
        "guide/basic/#topics-domains-and-partner-namespaces",
    ),
    misuse(
        "partner_namespace('')",
        lambda eg: eg.partner_namespace(""),
        "",
        "a non-empty string",
        "guide/basic/#topics-domains-and-partner-namespaces",
    ),
    misuse(
        "basic_publisher(5)",
        lambda eg: eg.basic_publisher(5),
        5,
        "a non-empty string",
        "guide/basic/#topics-domains-and-partner-namespaces",
    ),
    misuse(
        "namespace(5)",
        lambda eg: eg.namespace(5),
        5,
        "a host name or a URL",
        "guide/intercepting/#hosts",
    ),
    misuse(
        "add_host('')",
        lambda eg: eg.add_host(""),
        "",
        "a host name or a URL",
        "guide/intercepting/#hosts",
    ),
    misuse(
        "publisher(5)",
        lambda eg: eg.publisher(5),
        5,
        "a non-empty string",
        "guide/#fixtures",
    ),
    misuse(
        "consumer(subscription=5)",
        lambda eg: eg.consumer(subscription=5),
        5,
        "a non-empty string",
        "guide/#fixtures",
    ),
    misuse(
        "aio_publisher('')",
        lambda eg: eg.aio_publisher(""),
        "",
        "a non-empty string",
        "guide/#fixtures",
    ),
    misuse(
        "aio_consumer(topic=5)",
        lambda eg: eg.aio_consumer(topic=5),
        5,
        "a non-empty string",
        "guide/#fixtures",
    ),
    misuse(
        "deliver(drain='yes')",
        lambda eg: eg.deliver(drain="yes"),
        "yes",
        "True or False",
        "guide/webhooks/#delivering",
    ),
    misuse(
        "a subscription view's settings",
        lambda eg: eg.subscription().configure(lock_duration="long"),
        "long",
        "a number of seconds or a timedelta",
        "guide/#subscription-settings",
    ),
    misuse(
        "an unknown subscription setting",
        lambda eg: eg.topic("orders").subscription("billing", lock=60),
        ["lock"],
        "some of dead_letter, filter, lock_duration",
        "guide/#subscription-settings",
    ),
    # -- views
    misuse(
        "a topic view's subscription(5)",
        lambda eg: eg.topic("orders").subscription(5),
        5,
        "a non-empty string",
        "guide/#views",
    ),
    misuse(
        "a namespace view's topic(None)",
        lambda eg: eg.namespace().topic(None),
        None,
        "a non-empty string",
        "guide/#views",
    ),
    misuse(
        "a domain's topic(5)",
        lambda eg: eg.domain("shop").topic(5),
        5,
        "a non-empty string",
        "guide/basic/#domains",
    ),
    misuse(
        "subscribe(5, ...)",
        lambda eg: eg.basic_topic("shop").subscribe(5, lambda request: None),
        5,
        "a non-empty string",
        "guide/webhooks/#the-subscription-view",
    ),
    # -- chaos.check_idempotency
    misuse(
        "check_idempotency scenario",
        lambda _: chaos.check_idempotency_sync(5),
        5,
        "a callable",
        "guide/failures/#proving-a-consumer-idempotent",
    ),
    misuse(
        "check_idempotency chaos a list",
        lambda _: chaos.check_idempotency_sync(lambda eg, effects: None, chaos=["duplicates"]),
        ["duplicates"],
        "a mapping of chaos() settings",
        "guide/failures/#proving-a-consumer-idempotent",
    ),
    misuse(
        "check_idempotency seed",
        lambda _: chaos.check_idempotency_sync(lambda eg, effects: None, seed=[1]),
        [1],
        "an int or a string",
        "guide/failures/#proving-a-consumer-idempotent",
    ),
    # -- matchers
    misuse(
        "contains(12)",
        lambda _: contains(12),
        12,
        "a mapping, keyword arguments, a string or a list",
        "guide/assertions/#matchers",
    ),
    misuse(
        "contains a list and fields",
        lambda _: contains(["a"], total=1),
        ["a"],
        "not both",
        "guide/assertions/#matchers",
    ),
    misuse(
        "regex(5)",
        lambda _: regex(5),
        5,
        "a string or a compiled str pattern",
        "guide/assertions/#matchers",
    ),
    misuse(
        "regex an invalid pattern",
        lambda _: regex("("),
        "(",
        "a valid regular expression",
        "guide/assertions/#matchers",
    ),
    misuse(
        "regex flags a string",
        lambda _: regex("a", "i"),
        "i",
        "re flags",
        "guide/assertions/#matchers",
    ),
    # -- factories and the Faker provider
    misuse(
        "factory seed",
        lambda _: CloudEventFactory(seed=[1]),
        [1],
        "an int or a string",
        "guide/factories/#seeding",
    ),
    misuse(
        "factory faker",
        lambda _: EventGridEventFactory(faker="en_US"),
        "en_US",
        "a faker.Faker",
        "guide/factories/#factories",
    ),
    misuse(
        "batch a string",
        lambda _: CloudEventFactory().batch("3"),
        "3",
        "an integer >= 0",
        "guide/factories/#batches-and-sequences",
    ),
    misuse(
        "batch negative",
        lambda _: CloudEventFactory().batch(-1),
        -1,
        "an integer >= 0",
        "guide/factories/#batches-and-sequences",
    ),
    misuse(
        "reset_sequence a string",
        lambda _: CloudEventFactory().reset_sequence("0"),
        "0",
        "an integer >= 0",
        "guide/factories/#batches-and-sequences",
    ),
    misuse(
        "Sequence a number",
        lambda _: Sequence(5),
        5,
        "a function of n",
        "guide/factories/#batches-and-sequences",
    ),
    misuse(
        "cloud event type a number",
        lambda _: CloudEventFactory()(type=5),
        5,
        "a string",
        "guide/factories/#factories",
    ),
    misuse(
        "cloud event time a string",
        lambda _: CloudEventFactory()(time="2024-01-01"),
        "2024-01-01",
        "a datetime or None",
        "guide/factories/#factories",
    ),
    misuse(
        "eventgrid event subject None",
        lambda _: EventGridEventFactory()(subject=None),
        None,
        "a string",
        "guide/factories/#factories",
    ),
    misuse(
        "system event data a list",
        lambda _: CloudEventFactory().blob_created(data=[1]),
        [1],
        "a mapping or None",
        "guide/factories/#factories",
    ),
    misuse(
        "system event of an unknown type",
        lambda _: EventGridEventFactory().system("Contoso.Nothing"),
        "Contoso.Nothing",
        "Build other events with type=",
        "guide/factories/#system-events",
    ),
    misuse(
        "provider extensions a list",
        lambda _: provider().cloud_event(extensions=["a"]),
        ["a"],
        "a mapping or None",
        "guide/factories/#factories",
    ),
    # -- recordings: paths and record() keywords
    misuse(
        "record(5)",
        lambda _: record(5),
        5,
        "a file path (a str or os.PathLike)",
        "guide/playback/#recording",
    ),
    misuse(
        "record mode a typo",
        lambda _: record(CASSETTE, mode="onse"),
        "onse",
        "one of none, once, new_episodes, all, rewrite (did you mean 'once'?)",
        "guide/playback/#record-modes",
    ),
    misuse(
        "record match_on a number",
        lambda _: record(CASSETTE, match_on=5),
        5,
        "a list of names from method, path",
        "guide/playback/#matching",
    ),
    misuse(
        "record ignore a number",
        lambda _: record(CASSETTE, ignore=5),
        5,
        "a JSON path or a list of JSON paths",
        "guide/playback/#matching",
    ),
    misuse(
        "record sanitize a number",
        lambda _: record(CASSETTE, sanitize=5),
        5,
        "a regular expression or a list of them",
        "guide/playback/#sanitizing",
    ),
    misuse(
        "record sanitize a list of numbers",
        lambda _: record(CASSETTE, sanitize=[5]),
        5,
        "a regular expression or a list of them",
        "guide/playback/#sanitizing",
    ),
    misuse(
        "record sanitize an invalid pattern",
        lambda _: record(CASSETTE, sanitize=["("]),
        "(",
        "a valid regular expression",
        "guide/playback/#sanitizing",
    ),
    misuse(
        "record sanitize_json a number",
        lambda _: record(CASSETTE, sanitize_json=5),
        5,
        "a JSON path or a list of JSON paths",
        "guide/playback/#sanitizing",
    ),
    misuse(
        "record sanitize_hosts a string",
        lambda _: record(CASSETTE, sanitize_hosts="yes"),
        "yes",
        "True or False",
        "guide/playback/#sanitizing",
    ),
    misuse(
        "record hosts a number",
        lambda _: record(CASSETTE, hosts=5),
        5,
        "a host name or a list of host names",
        "guide/playback/#recording",
    ),
    misuse(
        "record hosts a list of numbers",
        lambda _: record(CASSETTE, hosts=[5]),
        5,
        "a host name or a list of host names",
        "guide/playback/#recording",
    ),
    misuse(
        "record transport a string",
        lambda _: record(CASSETTE, transport="requests"),
        "requests",
        "an azure-core HttpTransport",
        "guide/playback/#recording",
    ),
    misuse(
        "record async_transport a string",
        lambda _: record(CASSETTE, async_transport="aiohttp"),
        "aiohttp",
        "an azure-core AsyncHttpTransport",
        "guide/playback/#recording",
    ),
    misuse(
        "record clock a number",
        lambda _: record(CASSETTE, clock=5),
        5,
        "an EventGrid's clock",
        "guide/playback/#recording",
    ),
    misuse(
        "playback(5)",
        lambda _: playback(5),
        5,
        "a file path (a str or os.PathLike), the parsed JSON (a dict) or a Recording",
        "guide/playback/#replaying-a-recording",
    ),
    misuse(
        "playback match_on a number",
        lambda _: playback({"Entries": []}, match_on=5),
        5,
        "a list of names from method, path",
        "guide/playback/#matching",
    ),
    misuse(
        "load_cassette(5)",
        lambda _: load_cassette(5),
        5,
        "a file path (a str or os.PathLike) or the parsed JSON (a dict)",
        "guide/playback/#cassettes",
    ),
    misuse(
        "load_recording(None)",
        lambda _: load_recording(None),
        None,
        "a file path (a str or os.PathLike) or the parsed JSON (a dict)",
        "guide/playback/#cassettes",
    ),
    misuse(
        "load_test_proxy(5)",
        lambda _: load_test_proxy(5),
        5,
        "a file path (a str or os.PathLike) or the parsed JSON (a dict)",
        "guide/playback/#recording-files",
    ),
    misuse(
        "convert_test_proxy(5, ...)",
        lambda _: convert_test_proxy(5, CASSETTE),
        5,
        "a file path (a str or os.PathLike)",
        "guide/playback/#cassettes",
    ),
    misuse(
        "convert_test_proxy(..., 5)",
        lambda _: convert_test_proxy(CASSETTE, 5),
        5,
        "a file path (a str or os.PathLike)",
        "guide/playback/#cassettes",
    ),
    misuse(
        "save_cassette a path first",
        lambda _: save_cassette(CASSETTE, CASSETTE),
        CASSETTE,
        "a Recording",
        "guide/playback/#cassettes",
    ),
    misuse(
        "save_cassette(..., 5)",
        lambda _: save_cassette(Recording(()), 5),
        5,
        "a file path (a str or os.PathLike)",
        "guide/playback/#cassettes",
    ),
    # -- assertions: fields they do not take
    misuse(
        "assert_published(foo=)",
        lambda eg: eg.assert_published(foo=1),
        ["foo"],
        "only the keywords type, source, subject, data, id, extensions, count, topic",
        "guide/assertions/#assert_published",
    ),
    misuse(
        "assert_published a near miss",
        lambda eg: eg.assert_published(typ="Order.Created"),
        ["typ"],
        "(did you mean 'type'?)",
        "guide/assertions/#assert_published",
    ),
    misuse(
        "assert_published positionally",
        lambda eg: eg.assert_published("Order.Created"),
        ("Order.Created",),
        "keyword arguments only: type, source",
        "guide/assertions/#assert_published",
    ),
    misuse(
        "assert_not_published(count=)",
        lambda eg: eg.assert_not_published(count=1),
        ["count"],
        "only the keywords type, source, subject, data, id, extensions, topic",
        "guide/assertions/#assert_not_published",
    ),
    misuse(
        "a topic view's assert_published(foo=)",
        lambda eg: eg.topic("orders").assert_published(foo=1),
        ["foo"],
        "only the keywords type, source",
        "guide/assertions/#assert_published",
    ),
    misuse(
        "a Basic topic view's assert_published(foo=)",
        lambda eg: eg.basic_topic("shop").assert_published(foo=1),
        ["foo"],
        "only the keywords type, source",
        "guide/assertions/#assert_published",
    ),
    misuse(
        "assert_acknowledged(reason=)",
        lambda eg: eg.subscription().assert_acknowledged(reason="x"),
        ["reason"],
        "only the keywords type, source, subject, data, id, extensions, count",
        "guide/assertions/#assert_acknowledged",
    ),
    misuse(
        "assert_released(dealy=)",
        lambda eg: eg.subscription().assert_released(dealy=10),
        ["dealy"],
        "(did you mean 'delay'?)",
        "guide/assertions/#assert_released",
    ),
    misuse(
        "assert_rejected(foo=)",
        lambda eg: eg.subscription().assert_rejected(foo=1),
        ["foo"],
        "only the keywords",
        "guide/assertions/#assert_rejected",
    ),
    misuse(
        "assert_dead_lettered(delay=)",
        lambda eg: eg.subscription().assert_dead_lettered(delay=1),
        ["delay"],
        "only the keywords reason, type",
        "guide/assertions/#assert_dead_lettered",
    ),
    misuse(
        "assert_settled_all(count=)",
        lambda eg: eg.subscription().assert_settled_all(count=0),
        ["count"],
        "only the keywords type, source, subject, data, id, extensions",
        "guide/assertions/#assert_settled_all",
    ),
    # -- Hypothesis strategies
    misuse(
        "json_values a string",
        lambda _: strategies.json_values("x"),
        "x",
        "an integer >= 1",
        "guide/factories/#hypothesis-strategies",
    ),
    misuse(
        "json_values 0",
        lambda _: strategies.json_values(0),
        0,
        "an integer >= 1",
        "guide/factories/#hypothesis-strategies",
    ),
    misuse(
        "cloud_events type a number",
        lambda _: strategies.cloud_events(type=5),
        5,
        "a string, or a strategy",
        "guide/factories/#hypothesis-strategies",
    ),
    misuse(
        "cloud_events time a string",
        lambda _: strategies.cloud_events(time="2024-01-01"),
        "2024-01-01",
        "a datetime or None, or a strategy",
        "guide/factories/#hypothesis-strategies",
    ),
    misuse(
        "cloud_events extensions a list",
        lambda _: strategies.cloud_events(extensions=["a"]),
        ["a"],
        "a mapping or None, or a strategy",
        "guide/factories/#hypothesis-strategies",
    ),
    misuse(
        "eventgrid_events event_type a number",
        lambda _: strategies.eventgrid_events(event_type=5),
        5,
        "a string, or a strategy",
        "guide/factories/#hypothesis-strategies",
    ),
    # -- webhook subscriptions
    misuse(
        "a Basic topic's subscription(5)",
        lambda eg: eg.basic_topic("shop").subscription(5),
        5,
        "a non-empty string",
        "guide/webhooks/#the-subscription-view",
    ),
    misuse(
        "a domain topic's subscription(None)",
        lambda eg: eg.domain("shop").topic("orders").subscription(None),
        None,
        "a non-empty string",
        "guide/webhooks/#the-subscription-view",
    ),
    # -- until()
    misuse(
        "until timeout inf",
        lambda eg: eg.until(lambda: True, timeout=math.inf),
        math.inf,
        "finite and >= 0",
        "guide/#until",
    ),
    misuse(
        "until timeout negative",
        lambda eg: eg.until(lambda: True, timeout=-1),
        -1,
        "finite and >= 0",
        "guide/#until",
    ),
    misuse(
        "until timeout a string",
        lambda eg: eg.until(lambda: True, timeout="5"),
        "5",
        "a number of seconds or a timedelta",
        "guide/#until",
    ),
    misuse(
        "until a condition that is no callable",
        lambda eg: eg.until(True),
        True,
        "a callable",
        "guide/#until",
    ),
    misuse(
        "until_settled timeout nan",
        lambda eg: eg.until_settled(timeout=math.nan),
        math.nan,
        "finite and >= 0",
        "guide/#until",
    ),
]


def provider() -> EventGridProvider:
    return EventGridProvider(CloudEventFactory().faker)


def check_message(message: str, row: Misuse) -> None:
    assert f"got {row.given!r}" in message or f"for {row.given!r}" in message, message
    assert row.expected in message, message
    assert f"See {DOCS_URL}/{row.anchor}" in message, message


@pytest.mark.parametrize("row", ROWS)
def test_a_misuse_is_a_usage_error_that_explains_itself(row: Misuse) -> None:
    with pytest.raises(UsageError) as raised:
        row.call(EventGrid())

    check_message(str(raised.value), row)


def _anchors(page: Path) -> set[str]:
    """The anchors mkdocs builds for a page: `{ #id }` and slugs of the other headings."""
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.MULTILINE):
        explicit = re.search(r"\{ *#([\w-]+) *\}", heading)
        if explicit:
            anchors.add(explicit.group(1))
        else:
            slug = re.sub(r"[^\w\s-]", "", heading).strip().lower()
            anchors.add(re.sub(r"[-\s]+", "-", slug))
    return anchors


def _docs_address(anchor: str) -> tuple[Path, str]:
    page, _, section = anchor.partition("#")
    path = DOCS / page.rstrip("/")
    return (path / "index.md" if path.is_dir() else path.with_suffix(".md")), section


@pytest.mark.parametrize("row", ROWS)
def test_the_docs_anchor_of_each_message_exists(row: Misuse) -> None:
    page, section = _docs_address(row.anchor)

    assert section in _anchors(page), f"{row.anchor}: no such heading in {page}"


PACKAGE = _paths.PACKAGE
ANCHOR = re.compile(r"[a-z-]+(/[a-z-]+)*/#[\w-]+")


def _package_anchors() -> set[str]:
    """Every "page/#section" string literal in the package: the anchors of its messages."""
    return {
        node.value
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and ANCHOR.fullmatch(node.value)
    }


@pytest.mark.parametrize("anchor", sorted(_package_anchors()))
def test_every_docs_anchor_in_the_package_exists(anchor: str) -> None:
    page, section = _docs_address(anchor)

    assert section in _anchors(page), f"{anchor}: no such heading in {page}"


def test_every_usage_error_is_built_by_the_one_helper() -> None:
    built_elsewhere = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "_errors.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "UsageError"
    ]

    assert built_elsewhere == []


# -- the marker: one inner session, one test per misuse -----------------------------------

MARKER_ROWS = {
    "topics_string": ("topics='orders'", "orders", "a mapping of topic name", "guide/#topology"),
    "topics_list": ("topics=['orders']", ["orders"], "a mapping of topic name", "guide/#topology"),
    "basic_topics": (
        "basic_topics={'shop': 5}",
        5,
        "a schema name",
        "guide/basic/#topics-domains-and-partner-namespaces",
    ),
    "faults_mapping": (
        "faults={'operation': 'publish', 'status': 503}",
        {"operation": "publish", "status": 503},
        "a list of fault mappings",
        "guide/failures/#the-marker",
    ),
    "faults_times": (
        "faults=[{'operation': 'publish', 'status': 503, 'times': '2'}]",
        "2",
        "an integer >= 1",
        "guide/failures/#how-many-requests",
    ),
    "key_number": ("key=123", 123, "a non-empty string", "guide/#the-marker"),
    "key_empty": ("key=''", "", "a non-empty string", "guide/#the-marker"),
    "namespace_url": (
        f"namespace={NAMESPACE_URL!r}",
        NAMESPACE_URL,
        "3 to 50 letters",
        "guide/#the-marker",
    ),
    "region": ("region='West Europe'", "West Europe", "an Azure region name", "guide/#the-marker"),
    "lock_duration": (
        "lock_duration='1m'",
        "1m",
        "a number of seconds or a timedelta",
        "guide/#subscription-settings",
    ),
    "max_delivery_count": (
        "max_delivery_count=2.5",
        2.5,
        "an integer from 1 to 10",
        "guide/#topology",
    ),
    "time_to_live": (
        "time_to_live=-1",
        -1,
        "a number of seconds or a timedelta, finite and >= 0",
        "guide/#subscription-settings",
    ),
    "autojump": ("autojump='off'", "off", "True or False", "guide/#the-clock"),
    "chaos": ("chaos={'reorder': 'yes'}", "yes", "True or False", "guide/failures/#chaos"),
    "seed": ("seed=1.5", 1.5, "an int or a string", "guide/factories/#seeding"),
    "cassette": ("cassette=5", 5, "a cassette name", "guide/playback/#cassettes-in-tests"),
    "intercept": (
        "intercept='no'",
        "no",
        "True (intercept every client) or False",
        "guide/intercepting/#opting-out",
    ),
    "record_mode": (
        "record_mode='replay'",
        "replay",
        "one of none, once, new_episodes, all, rewrite",
        "guide/playback/#record-modes",
    ),
}


def test_the_marker_checks_what_the_library_checks(pytester: pytest.Pytester) -> None:
    tests = "\n".join(
        f"@pytest.mark.eventgrid({marker})\ndef test_{name}():\n    pass\n"
        for name, (marker, *_) in MARKER_ROWS.items()
    )
    pytester.makepyfile(f"import pytest\n\n{tests}")

    recorder = pytester.inline_run("-p", "no:cacheprovider")

    errors = {
        report.nodeid.rpartition("::test_")[2]: str(report.longrepr)
        for report in recorder.getreports("pytest_runtest_logreport")
        if report.when == "setup" and report.failed
    }
    assert sorted(errors) == sorted(MARKER_ROWS)
    for name, (marker, given, expected, anchor) in MARKER_ROWS.items():
        [line] = [line for line in errors[name].splitlines() if "UsageError: " in line]
        message = line.split("UsageError: ", 1)[1]
        assert message.startswith("@pytest.mark.eventgrid(...): "), (marker, message)
        check_message(message, Misuse(name, lambda _: None, given, expected, anchor))


def test_a_marker_with_good_settings_is_accepted(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from datetime import timedelta

        import pytest

        @pytest.mark.eventgrid(
            topics={"orders": ["billing"]},
            basic_topics={"shop": {"kind": "domain"}},
            faults=[{"operation": "publish", "status": 503, "optional": True}],
            key="c2VjcmV0",
            namespace="my-namespace",
            region="eastus2",
            lock_duration=timedelta(minutes=2),
            seed="abc",
            chaos=True,
            record_mode="none",
        )
        def test_it(eventgrid):
            assert eventgrid.endpoint == "https://my-namespace.eastus2-1.eventgrid.azure.net"
        """
    )

    pytester.inline_run("-p", "no:cacheprovider").assertoutcome(passed=1)
