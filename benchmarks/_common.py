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
        digits = 0 if self.value >= 100 else 1 if self.value >= 10 else 2
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
            f"  {figure.name:<60} {figure.shown:>12}   target {figure.target_shown:<11} "
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
    before: Mapping[str, Callable[[], object]] | None = None,
    after: Mapping[str, Callable[[], object]] | None = None,
    clock: Callable[[], float] = time.process_time,
) -> dict[str, float]:
    """The median CPU seconds per call of each operation.

    A sample times `per_sample` calls in a row with `time.process_time` (this
    process's CPU time, so that other processes on the machine do not count). The
    operations take turns sample by sample, in an order that rotates by one every
    round, so that drift in the machine's speed and the cache left by the side before
    hit them alike; the first `warmup` rounds are not counted. (`clock=time.perf_counter`
    times wall time instead, for a figure that must count waiting.) The garbage collector
    is paused while a sample runs, as `timeit` does. `before[name]()` and
    `after[name]()` run before and after each sample of `name`, untimed (to switch
    interception off for it, or to refill a queue, say).
    """
    seconds: dict[str, list[float]] = {name: [] for name in operations}
    names = list(operations)
    for round_number in range(warmup + repeat):
        for name in rotated(names, round_number):
            if before is not None and name in before:
                before[name]()
            operation = operations[name]
            gc.disable()
            try:
                start = clock()
                for _ in range(per_sample):
                    await operation()
                elapsed = clock() - start
            finally:
                gc.enable()
            if round_number >= warmup:
                seconds[name].append(elapsed / per_sample)
            if after is not None and name in after:
                after[name]()
    return {name: statistics.median(values) for name, values in seconds.items()}


def rotated(names: list[str], round_number: int) -> list[str]:
    """`names` in the order of this round: the first goes last every round."""
    shift = round_number % len(names)
    return names[shift:] + names[:shift]


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
