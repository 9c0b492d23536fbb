"""What the benchmarks share: timing, the null transport, events, and figures.

Every figure compares timings taken in the same run, sample by sample in turn, so
that a slow or noisy machine slows both sides alike: the ratios travel between
machines, the absolute timings do not.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from azure.eventgrid.aio import EventGridConsumerClient

from pytest_eventgrid import AsyncEventGridTransport, EventGrid
from pytest_eventgrid._broker import IdGenerator
from pytest_eventgrid._doors._azure import AzureRequest, FakeAsyncHttpResponse
from pytest_eventgrid._wire import EventGridService, WireRequest, WireResponse

API_VERSION = "2024-06-01"  # what azure-eventgrid sends by default
BATCH = 100  # the most events one receive may return
WARMUP = 3  # rounds of samples not counted
REPEAT = 41  # samples counted, per operation

Event = dict[str, object]
Operation = Callable[[], Awaitable[object]]


# -- figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One measured figure and, for a ratio, the most it may be."""

    name: str
    value: float
    unit: str
    target: float | None = None

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.value <= self.target

    @property
    def shown(self) -> str:
        if self.unit == "x":
            return f"{self.value:.2f}x"
        digits = 0 if self.value >= 100 else 1
        return f"{self.value:,.{digits}f} {self.unit}"

    @property
    def target_shown(self) -> str:
        if self.target is None:
            return "-"
        return f"<= {self.target:g}x" if self.unit == "x" else f"<= {self.target:,g} {self.unit}"

    @property
    def verdict(self) -> str:
        return {None: "-", True: "met", False: "MISSED"}[self.met]


def print_figures(title: str, figures: Iterable[Figure]) -> None:
    print(f"\n{title}")
    for figure in figures:
        print(
            f"  {figure.name:<52} {figure.shown:>16}   target {figure.target_shown:<11} "
            f"{figure.verdict}"
        )


def comparison(
    what: str, measured: tuple[str, float], baseline: tuple[str, float], target: float | None
) -> list[Figure]:
    """Two timings (`(label, seconds per call)`) in microseconds, and their ratio."""
    (label, seconds), (base_label, base_seconds) = measured, baseline
    return [
        Figure(f"{what}, {label}", seconds * 1e6, "us"),
        Figure(f"{what}, {base_label}", base_seconds * 1e6, "us"),
        Figure(f"{what}, {label} / {base_label}", seconds / base_seconds, "x", target),
    ]


# -- timing ------------------------------------------------------------------------------


async def interleaved(
    operations: Mapping[str, Operation],
    *,
    per_sample: int,
    repeat: int = REPEAT,
    warmup: int = WARMUP,
    after: Mapping[str, Callable[[], object]] | None = None,
) -> dict[str, float]:
    """The median seconds per call of each operation.

    A sample times `per_sample` calls in a row with `time.perf_counter`. The
    operations take turns sample by sample, so drift in the machine's speed hits
    them alike; the first `warmup` rounds are not counted. The garbage collector
    is paused while a sample runs, as `timeit` does. `after[name]()` runs after each
    sample of `name`, untimed (to refill a queue, say).
    """
    seconds: dict[str, list[float]] = {name: [] for name in operations}
    for round_number in range(warmup + repeat):
        for name, operation in operations.items():
            gc.disable()
            try:
                start = time.perf_counter()
                for _ in range(per_sample):
                    await operation()
                elapsed = time.perf_counter() - start
            finally:
                gc.enable()
            if round_number >= warmup:
                seconds[name].append(elapsed / per_sample)
            if after is not None and name in after:
                after[name]()
    return {name: statistics.median(values) for name, values in seconds.items()}


# -- events --------------------------------------------------------------------------------


def stored_event(number: int, data: object) -> Event:
    """A CloudEvent as the fake stores it after validating a publish."""
    return {
        "specversion": "1.0",
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "source": "/benchmarks",
        "type": "Benchmarks.Measured",
        "time": "2024-06-01T12:00:00Z",
        "datacontenttype": "application/json",
        "data": data,
    }


def dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# -- driving the fake without a client ----------------------------------------------------


class Backdoor:
    """The parts of an `EventGrid` behind its endpoint, to set up queues fast.

    Benchmarks fill queues through the broker, without HTTP, and may send wire
    requests to the service directly; what they measure goes through the same path
    on every side of a comparison.
    """

    def __init__(self, eventgrid: EventGrid, data: object = None) -> None:
        self.eventgrid = eventgrid
        self.data = data  # of the events that `fill()` publishes
        self.broker = eventgrid._broker
        self.service: EventGridService = eventgrid._service
        self.namespace = self.broker.namespaces[eventgrid.host]
        self.topic = eventgrid.default_topic
        self.subscription = eventgrid.default_subscription
        self._published = 0

    @property
    def depth(self) -> int:
        """Events available in the default subscription."""
        with self.broker.lock:
            return self.namespace.subscription(self.topic, self.subscription).available_count

    def fill(self, count: int, *, chunk: int = 1_000) -> None:
        """Publish `count` stored events to the default topic, in chunks."""
        for start in range(0, count, chunk):
            events = [
                stored_event(self._published + number, self.data)
                for number in range(min(chunk, count - start))
            ]
            self._published += len(events)
            with self.broker.lock:
                self.namespace.publish(self.topic, events)

    def refill(self, depth: int) -> None:
        """Publish what it takes to bring the default subscription back to `depth`."""
        missing = depth - self.depth
        if missing > 0:
            self.fill(missing)

    def url(self, operation: str, **query: object) -> str:
        path = (
            f"/topics/{self.topic}:publish"
            if operation == "publish"
            else f"/topics/{self.topic}/eventsubscriptions/{self.subscription}:{operation}"
        )
        parameters = "".join(f"&{name}={value}" for name, value in query.items())
        return f"{self.eventgrid.endpoint}{path}?api-version={API_VERSION}{parameters}"

    def request(
        self,
        operation: str,
        body: bytes = b"",
        content_type: str = "application/json",
        **query: object,
    ) -> WireRequest:
        """A fresh wire request, as a door would hand it over."""
        return WireRequest(
            "POST", self.url(operation, **query), {"Content-Type": content_type}, body
        )


async def client_cycle(consumer: EventGridConsumerClient) -> None:
    """Receive 100 events with the aio consumer, then acknowledge them."""
    details = await consumer.receive(max_events=BATCH, max_wait_time=10)
    if len(details) != BATCH:
        raise RuntimeError(f"a receive returned {len(details)} events, not {BATCH}")
    await consumer.acknowledge(lock_tokens=[d.broker_properties.lock_token for d in details])


# -- the baseline ---------------------------------------------------------------------------


def canned_receive(events: list[Event], lock_tokens: list[str]) -> bytes:
    """A receive answer, shaped as the service's."""
    return dumps(
        {
            "value": [
                {"brokerProperties": {"lockToken": token, "deliveryCount": 1}, "event": event}
                for event, token in zip(events, lock_tokens, strict=True)
            ]
        }
    )


def canned_acknowledge(lock_tokens: list[str]) -> bytes:
    return dumps({"succeededLockTokens": lock_tokens, "failedLockTokens": []})


def lock_tokens(count: int) -> list[str]:
    ids = IdGenerator("benchmarks")
    return [ids.lock_token() for _ in range(count)]


class NullAsyncTransport(AsyncEventGridTransport):
    """An azure-core transport with no logic: one canned 200 answer per operation.

    It stands for the cheapest transport possible, so that what the SDK's pipeline
    costs on its own can be told apart from what the fake adds. (It borrows the fake
    transport's do-nothing open, close and context-manager methods, and none of its
    logic.)
    """

    def __init__(self, bodies: Mapping[str, bytes] | None = None) -> None:
        self._responses = {
            operation: WireResponse(
                200,
                {"Content-Type": "application/json", "Content-Length": str(len(body))},
                body,
            )
            for operation, body in {"publish": b"{}", **(bodies or {})}.items()
        }

    async def send(self, request: AzureRequest, **kwargs: Any) -> FakeAsyncHttpResponse:
        operation = request.url.partition("?")[0].rpartition(":")[2]
        return FakeAsyncHttpResponse(request, self._responses[operation])

    async def sleep(self, duration: float) -> None:
        return None
