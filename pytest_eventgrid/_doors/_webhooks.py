"""Sending what Event Grid pushes to a destination: an ASGI or WSGI app, a callable,
or a real URL. Every kind becomes an httpx transport, so one code path serves all.

`PushDeliveries` drives the wire's delivery sequence (`DeliveryEngine`) through this
door, with the serve core's sync and async drivers, sending the requests it yields;
`run_realtime()` drives it by itself, in real time, for the HTTP server (`RealtimePush`
holds that task on the server's loop).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from .._broker import BasicTopic, Broker, DeliveryAttempt, PushSubscription, Topic
from .._errors import UsageError, usage_error
from .._wire import Answer, DeliveryEngine, Job, WebhookValidationError, WireRequest, WireResponse
from .._wire._deliveries import DeliveryFaults
from .._wire._push import DELIVERY_TIMEOUT
from ._autojump import waker
from ._serve import drive, drive_async

# Real seconds before looking again when something is due but could not be sent (a
# handshake left pending by a destination that raised), so that the loop never spins.
RECHECK = 1.0
KINDS = ("asgi", "wsgi", "callable", "url")
T = TypeVar("T")
_log = logging.getLogger("pytest_eventgrid")


@dataclass(frozen=True)
class Webhook:
    """Where a push subscription delivers, and how to reach it.

    `target` is an ASGI app (FastAPI, Starlette, an Azure Functions-style handler),
    a WSGI app (Flask, Django), a callable taking an `httpx.Request` and returning an
    `httpx.Response` (sync or async), or a URL string. `kind` is detected when left
    out. `url` is the address requests are made to: its path reaches the app's route.
    """

    target: Any
    url: str = "https://webhook.test/api/events"
    kind: str | None = None

    @property
    def resolved_kind(self) -> str:
        if self.kind is not None:
            if self.kind not in KINDS:
                raise usage_error(
                    f"Webhook kind must be one of {', '.join(KINDS)}; got {self.kind!r}.",
                    anchor="guide/webhooks/#destinations",
                )
            return self.kind
        return detect_kind(self.target)

    @property
    def address(self) -> str:
        return self.target if isinstance(self.target, str) else self.url


def as_webhook(destination: Any) -> Webhook:
    """A push subscription's destination as a `Webhook` (a bare target gets the
    default URL)."""
    return destination if isinstance(destination, Webhook) else Webhook(destination)


def address(destination: Any) -> str:
    """The URL a push subscription's destination is reached at."""
    return as_webhook(destination).address


def detect_kind(target: Any) -> str:
    """ "url", "asgi" (async, 3 arguments), "wsgi" (2 arguments) or "callable" (1)."""
    if isinstance(target, str):
        return "url"
    if not callable(target):
        raise usage_error(
            f"A webhook destination must be an ASGI or WSGI app, a callable or a URL; got "
            f"{target!r}.",
            anchor="guide/webhooks/#destinations",
        )
    call = _call_of(target)
    try:
        parameters = len(inspect.signature(call).parameters)
    except (TypeError, ValueError):  # pragma: no cover - builtins without signatures
        parameters = 1
    if parameters >= 3 and inspect.iscoroutinefunction(call):
        return "asgi"
    if parameters == 2:
        return "wsgi"
    return "callable"


def _call_of(target: Any) -> Any:
    return target if inspect.isfunction(target) or inspect.ismethod(target) else target.__call__


def needs_event_loop(webhook: Webhook) -> bool:
    """Whether the destination can only be called from an event loop: an ASGI app, or
    an `async def` callable."""
    kind = webhook.resolved_kind
    if kind == "asgi":
        return True
    return kind == "callable" and inspect.iscoroutinefunction(_call_of(webhook.target))


def loop_running() -> bool:
    """Whether an event loop is running in this thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _use_deliver_async(what: str) -> UsageError:
    return usage_error(
        f"{what} is called through the event loop, and one is running: inside async code "
        f"use `await eventgrid.deliver_async()`.",
        anchor="guide/webhooks/#delivering",
    )


def _request(request: WireRequest) -> httpx.Request:
    return httpx.Request(
        request.method, request.url, headers=dict(request.headers), content=request.body
    )


def _wire(response: httpx.Response) -> WireResponse:
    return WireResponse(response.status_code, dict(response.headers), response.content)


def _transport(
    webhook: Webhook,
    app: Callable[..., T],
    handler: Callable[[Callable[[httpx.Request], Any]], Callable[[httpx.Request], Any]],
    network: Callable[[], T],
) -> T | httpx.MockTransport:
    """The httpx transport that reaches the destination: `app(app=...)` for an app,
    a mock transport calling `handler(target)` for a callable, else `network()`."""
    kind = webhook.resolved_kind
    if kind == "callable":
        return httpx.MockTransport(handler(webhook.target))
    if kind == "url":
        return network()
    return app(app=webhook.target)


def _sync_transport(webhook: Webhook) -> httpx.BaseTransport:
    """A WSGI app or a callable, called in this thread, or the network."""
    return _transport(webhook, httpx.WSGITransport, _sync_handler, httpx.HTTPTransport)


def _async_transport(webhook: Webhook) -> httpx.AsyncBaseTransport:
    """An ASGI app or a callable, called on the running loop, or the network."""
    return _transport(webhook, httpx.ASGITransport, _async_handler, httpx.AsyncHTTPTransport)


def _coerce(result: Any) -> httpx.Response:
    """A callable may answer an `httpx.Response`, a status code, a JSON body, or None."""
    if isinstance(result, httpx.Response):
        return result
    if result is None:
        return httpx.Response(200)
    if isinstance(result, int):
        return httpx.Response(result)
    return httpx.Response(200, json=result)


def _sync_handler(handler: Callable[[httpx.Request], Any]) -> Callable[[httpx.Request], Any]:
    def run(request: httpx.Request) -> httpx.Response:
        result = handler(request)
        if inspect.isawaitable(result):
            if loop_running():
                if inspect.iscoroutine(result):
                    result.close()
                raise _use_deliver_async("An async destination")
            result = asyncio.run(_awaited(result))
        return _coerce(result)

    return run


def _async_handler(handler: Callable[[httpx.Request], Any]) -> Callable[[httpx.Request], Any]:
    async def run(request: httpx.Request) -> httpx.Response:
        result = handler(request)
        if inspect.isawaitable(result):
            result = await result
        return _coerce(result)

    return run


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _failed(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def send(webhook: Webhook, request: WireRequest) -> WireResponse | str:
    """Send `request` to the destination; a string says why no response came: a
    connection error, a timeout, or an exception the destination raised (the service
    would have seen a failed request)."""
    if needs_event_loop(webhook):
        if not loop_running():
            return asyncio.run(send_async(webhook, request))
        what = "An ASGI destination" if webhook.resolved_kind == "asgi" else "An async destination"
        raise _use_deliver_async(what)
    try:
        with httpx.Client(transport=_sync_transport(webhook), timeout=DELIVERY_TIMEOUT) as client:
            return _wire(client.send(_request(request)))
    except UsageError:
        raise
    except Exception as error:  # the destination raised, or could not be reached
        return _failed(error)


async def send_async(
    webhook: Webhook, request: WireRequest, network: httpx.AsyncClient | None = None
) -> WireResponse | str:
    """The async twin of `send()`; WSGI apps run as they are, synchronously. A URL is
    reached through `network` when given (a client kept open: a new one costs a TLS
    context, some milliseconds)."""
    if webhook.resolved_kind == "wsgi":
        return send(webhook, request)
    try:
        if network is not None and webhook.resolved_kind == "url":
            return _wire(await network.send(_request(request)))
        async with httpx.AsyncClient(
            transport=_async_transport(webhook), timeout=DELIVERY_TIMEOUT
        ) as client:
            return _wire(await client.send(_request(request)))
    except UsageError:
        raise
    except Exception as error:  # the destination raised, or could not be reached
        return _failed(error)


class PushDeliveries:
    """Push deliveries of one broker through this door: the wire's `DeliveryEngine`
    yields each request, and the drivers here send it and hand back the answer."""

    def __init__(self, broker: Broker, faults: DeliveryFaults | None = None) -> None:
        self._broker = broker
        # `faults` (the fault script's "deliver" faults) and event hubs answer in the
        # wire: their deliveries never reach `_send()`.
        self._engine = DeliveryEngine(broker, address, faults)

    def validate_now(
        self, topic: BasicTopic | Topic, subscription: PushSubscription, host: str = ""
    ) -> None:
        """Run the handshake of a new subscription at once, through the sync door;
        `WebhookValidationError` if it fails. `host` is a namespace topic's."""
        drive(self._engine.validate(topic, subscription, host), self._send)

    def deliver(self, *, drain: bool = False) -> list[DeliveryAttempt]:
        """Run the deliveries (sync destinations, or ASGI apps outside an event loop)."""
        return drive(self._engine.run(drain=drain), self._send)

    async def deliver_async(
        self, *, drain: bool = False, network: httpx.AsyncClient | None = None
    ) -> list[DeliveryAttempt]:
        """Run the deliveries from async code; every kind of destination works. URLs
        are reached through `network`, when given."""

        async def send(job: Job) -> Answer:
            return await self._send_async(job, network)

        return await drive_async(self._engine.run(drain=drain), send)

    async def run_realtime(self, stopped: asyncio.Future[None]) -> None:
        """Deliver by itself until `stopped` is done (the HTTP server): what is due now,
        handshakes first, then wait until the next due instant (a retry) on the clock,
        until something is published, or, on a clock that does not flow, until it is
        advanced. A failed handshake leaves its subscription failed; the rest goes on."""
        async with httpx.AsyncClient(timeout=DELIVERY_TIMEOUT) as network:
            await self._realtime(stopped, network)

    async def _realtime(self, stopped: asyncio.Future[None], network: httpx.AsyncClient) -> None:
        loop = asyncio.get_running_loop()
        clock, journal = self._broker.clock, self._broker.journal
        while not stopped.done():
            # Listening starts before the look, so a publish meanwhile wakes the wait.
            changed: asyncio.Future[None] = loop.create_future()
            wake = waker(loop, changed)
            journal.add_listener(wake)
            clock.add_listener(wake)
            try:
                wait = await self._realtime_round(network)
                if wait is None or wait > 0:
                    await asyncio.wait(
                        (stopped, changed), timeout=wait, return_when=asyncio.FIRST_COMPLETED
                    )
            finally:
                journal.remove_listener(wake)
                clock.remove_listener(wake)
                changed.cancel()

    async def _realtime_round(self, network: httpx.AsyncClient) -> float | None:
        """Deliver what is due now; the real seconds to wait before the next round
        (None: until a change)."""
        try:
            attempts = await self.deliver_async(network=network)
        except WebhookValidationError as failed:  # the other subscriptions are due still
            _log.warning("%s", failed)
            return 0.0
        except Exception:  # a destination misused (a UsageError): keep serving the rest
            _log.exception("Push delivery failed")
            return RECHECK
        next_due = self._engine.next_due()
        if next_due is None:
            return None
        wait = self._broker.clock.real_seconds_until(next_due)
        if wait == 0 and not attempts:  # due, yet nothing could be sent: not a spin
            return RECHECK
        return wait

    # Each kind of destination is sent to here (a webhook, so far): another kind adds
    # its branch to both.
    def _send(self, job: Job) -> Answer:
        try:
            return send(as_webhook(job.subscription.destination), job.request)
        except BaseException:  # a UsageError: what destinations raise comes as answers
            self._engine.abandon(job)
            raise

    async def _send_async(self, job: Job, network: httpx.AsyncClient | None = None) -> Answer:
        try:
            destination = as_webhook(job.subscription.destination)
            return await send_async(destination, job.request, network)
        except BaseException:  # a UsageError: what destinations raise comes as answers
            self._engine.abandon(job)
            raise


class RealtimePush:
    """The real-time deliveries of one `PushDeliveries` at a time, as a task on a
    server's event loop. Call `run()` and `stop()` on that loop."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self._stopped: asyncio.Future[None] | None = None

    def run(self, deliveries: PushDeliveries) -> None:
        """Deliver for `deliveries` from now on (instead of any earlier ones)."""
        loop = asyncio.get_running_loop()
        # A task of an earlier loop (a restarted server) ended with that loop.
        if self._task is not None and self._task.get_loop() is loop:
            self.stop()
        self._stopped = stopped = loop.create_future()
        self._task = loop.create_task(deliveries.run_realtime(stopped))

    def stop(self) -> None:
        """Stop delivering; a request in flight is abandoned (its batch goes back to
        the queue, as if never sent)."""
        task, self._task = self._task, None
        if self._stopped is not None and not self._stopped.done():
            self._stopped.set_result(None)
        if task is not None and not task.done():
            task.cancel()
