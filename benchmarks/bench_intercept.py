"""Interception and SDK retries

Inside `with mock_eventgrid() as eventgrid:`, the real `EventGridPublisherClient`
publishes one `CloudEvent` at a time, built two ways: without `transport=`, so that
its requests reach the fake through interception, and with the explicit door,
`transport=eventgrid.async_transport()` (`eventgrid.transport()` for the sync
client). The intercepted client keeps azure-core's default transport
(`AioHttpTransport`, `RequestsTransport`), which never sees a request for an Event
Grid host while interception is active. A third side publishes through the
explicit-door client with interception switched off for its samples (untimed, in
between), so that azure-core runs unpatched: against it, the ratio also counts what
the patch costs every request while a fake is active, whatever its transport. The
aio client and the sync one are two separate comparisons.

The retry figures publish through an aio client whose transport (a subclass of
`pytest_eventgrid.AsyncEventGridTransport`, in `benchmarks/bench_intercept.py`)
answers the first three sends with the service's `503` error, then hands the fourth
to the fake, which accepts it. azure-core's retry policy backs off 0 s, 1.6 s and
3.2 s between the four attempts, through the transport's `sleep()`, which moves the
fake clock instead of waiting. The figure is the ratio of that publish's wall time
(not CPU time, which a real sleep would not count) to a publish that succeeds at
once, interleaved with it: at most 4x, the work of four sends, where one real
back-off would make it thousands. The virtual time is how far
`eventgrid.clock.now()` moved during one such publish.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from _common import Figure, Operation, interleaved, print_figures
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridPublisherClient
from azure.eventgrid.aio import EventGridPublisherClient as AioEventGridPublisherClient

from pytest_eventgrid import AsyncEventGridTransport, EventGrid, mock_eventgrid
from pytest_eventgrid._broker import IdGenerator
from pytest_eventgrid._doors import activate, deactivate
from pytest_eventgrid._doors._azure import AzureRequest, FakeAsyncHttpResponse
from pytest_eventgrid._wire._errors import ServiceError, namespace_error

TITLE = __doc__.partition("\n")[0]
TARGET = 1.1
FAILURES = 3  # 503 answers before the fake answers: the retry policy's whole budget
# Wall time, at most the work of its four sends: a real back-off would be thousands of times.
RETRY_TARGET = float(FAILURES + 1)
EVENT = CloudEvent(source="/benchmarks", type="Benchmarks.Published", data={"order": 1})
# UNCONFIRMED: the service's code and message for a 503 on a namespace topic.
UNAVAILABLE = ServiceError(
    503, "ServiceUnavailable", "The service is temporarily unavailable. Please retry."
)

INTERCEPTED = "intercepted"
EXPLICIT = "explicit transport="
UNPATCHED = "explicit, interception off"


# -- interception against the explicit door ------------------------------------------------


def synchronous(call: Callable[[], object]) -> Operation:
    """A sync call as an operation for `interleaved`; both sides pay the same wrapper."""

    async def operation() -> None:
        call()

    return operation


class InterceptionSwitch:
    """Switches an active fake's interception off and back on, between samples."""

    def __init__(self, eventgrid: EventGrid) -> None:
        self.eventgrid = eventgrid
        self.active = True  # inside `with mock_eventgrid()`

    def on(self) -> None:
        if not self.active:
            activate(self.eventgrid)
            self.active = True

    def off(self) -> None:
        if self.active:
            deactivate(self.eventgrid)
            self.active = False


async def compare(
    kind: str, eventgrid: EventGrid, intercepted: Operation, explicit: Operation
) -> list[Figure]:
    """Time the two clients, and the explicit one again with interception off."""
    switch = InterceptionSwitch(eventgrid)
    seconds = await interleaved(
        {INTERCEPTED: intercepted, EXPLICIT: explicit, UNPATCHED: explicit},
        per_sample=100,
        before={
            INTERCEPTED: switch.on,
            EXPLICIT: switch.on,
            UNPATCHED: switch.off,
        },
    )
    switch.on()
    what = f"{kind} publish 1 event"
    return [
        *(Figure(f"{what}, {side}", seconds[side] * 1e6, "us") for side in seconds),
        Figure(
            f"{what}, {INTERCEPTED} / explicit",
            seconds[INTERCEPTED] / seconds[EXPLICIT],
            "x",
            TARGET,
        ),
        Figure(
            f"{what}, {INTERCEPTED} / interception off",
            seconds[INTERCEPTED] / seconds[UNPATCHED],
            "x",
            TARGET,
        ),
    ]


async def measure_aio() -> list[Figure]:
    with mock_eventgrid() as eventgrid:
        topic = eventgrid.default_topic
        async with (
            AioEventGridPublisherClient(
                eventgrid.endpoint, eventgrid.credential, namespace_topic=topic
            ) as intercepted,
            AioEventGridPublisherClient(
                eventgrid.endpoint,
                eventgrid.credential,
                transport=eventgrid.async_transport(),
                namespace_topic=topic,
            ) as explicit,
        ):
            return await compare(
                "aio",
                eventgrid,
                lambda: intercepted.send(EVENT),
                lambda: explicit.send(EVENT),
            )


async def measure_sync() -> list[Figure]:
    with mock_eventgrid() as eventgrid:
        topic = eventgrid.default_topic
        with (
            EventGridPublisherClient(
                eventgrid.endpoint, eventgrid.credential, namespace_topic=topic
            ) as intercepted,
            EventGridPublisherClient(
                eventgrid.endpoint,
                eventgrid.credential,
                transport=eventgrid.transport(),
                namespace_topic=topic,
            ) as explicit,
        ):
            return await compare(
                "sync",
                eventgrid,
                synchronous(lambda: intercepted.send(EVENT)),
                synchronous(lambda: explicit.send(EVENT)),
            )


# -- SDK retries on the fake clock ----------------------------------------------------------


class UnavailableFirst(AsyncEventGridTransport):
    """The fake's async door, except that the next `failing` sends answer 503."""

    def __init__(self, eventgrid: EventGrid) -> None:
        super().__init__(eventgrid._service, eventgrid.clock)
        self.failing = 0
        self.sends = 0
        self._ids = IdGenerator("benchmarks")

    async def send(self, request: AzureRequest, **kwargs: Any) -> FakeAsyncHttpResponse:
        self.sends += 1
        if self.failing > 0:
            self.failing -= 1
            response = namespace_error(
                UNAVAILABLE, instant=self.clock.utcnow(), tracking_id=self._ids.tracking_id()
            )
            return FakeAsyncHttpResponse(request, response)
        return await super().send(request, **kwargs)


async def measure_retries() -> list[Figure]:
    eventgrid = EventGrid()
    flaky = UnavailableFirst(eventgrid)

    async def publish_with_retries() -> None:
        flaky.failing = FAILURES
        await retried.send(EVENT)

    async with (
        AioEventGridPublisherClient(
            eventgrid.endpoint,
            eventgrid.credential,
            namespace_topic=eventgrid.default_topic,
            transport=flaky,
        ) as retried,
        eventgrid.aio_publisher() as plain,
    ):
        seconds = await interleaved(
            {"retried": publish_with_retries, "plain": lambda: plain.send(EVENT)},
            per_sample=10,
            clock=time.perf_counter,  # CPU time would not count a real back-off's sleep
        )
        sends, started = flaky.sends, eventgrid.clock.now()
        await publish_with_retries()
        virtual = eventgrid.clock.now() - started
        if flaky.sends - sends != FAILURES + 1:
            raise RuntimeError(f"a publish took {flaky.sends - sends} sends, not {FAILURES + 1}")
    what = f"publish 1 event with {FAILURES} retries (503s)"
    return [
        Figure(what, seconds["retried"] * 1e6, "us"),
        Figure("publish 1 event, no retry", seconds["plain"] * 1e6, "us"),
        Figure(f"{what} / no retry", seconds["retried"] / seconds["plain"], "x", RETRY_TARGET),
        Figure(f"{what}, virtual time", virtual, "s"),
    ]


async def measure() -> list[Figure]:
    return [*await measure_aio(), *await measure_sync(), *await measure_retries()]


def run() -> list[Figure]:
    return asyncio.run(measure())


if __name__ == "__main__":
    print_figures(TITLE, run())
