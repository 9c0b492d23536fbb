"""Sending what Event Grid pushes to a destination: an ASGI or WSGI app, a callable,
or a real URL. Every kind becomes an httpx transport, so one code path serves all.

`PushDeliveries` drives the wire's delivery sequence (`DeliveryEngine`) through this
door, with the serve core's sync and async drivers, sending the requests it yields.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from .._broker import BasicTopic, Broker, DeliveryAttempt, PushSubscription
from .._errors import UsageError, usage_error
from .._wire import Answer, DeliveryEngine, Job, WireRequest, WireResponse
from ._serve import drive, drive_async

DELIVERY_TIMEOUT = 30.0
KINDS = ("asgi", "wsgi", "callable", "url")
T = TypeVar("T")


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


async def send_async(webhook: Webhook, request: WireRequest) -> WireResponse | str:
    """The async twin of `send()`; WSGI apps run as they are, synchronously."""
    if webhook.resolved_kind == "wsgi":
        return send(webhook, request)
    try:
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

    def __init__(self, broker: Broker) -> None:
        self._engine = DeliveryEngine(broker, address)

    def validate_now(self, topic: BasicTopic, subscription: PushSubscription) -> None:
        """Run the handshake of a new subscription at once, through the sync door;
        `WebhookValidationError` if it fails."""
        drive(self._engine.validate(topic, subscription), self._send)

    def deliver(self, *, drain: bool = False) -> list[DeliveryAttempt]:
        """Run the deliveries (sync destinations, or ASGI apps outside an event loop)."""
        return drive(self._engine.run(drain=drain), self._send)

    async def deliver_async(self, *, drain: bool = False) -> list[DeliveryAttempt]:
        """Run the deliveries from async code; every kind of destination works."""
        return await drive_async(self._engine.run(drain=drain), self._send_async)

    def _send(self, job: Job) -> Answer:
        try:
            return send(as_webhook(job.subscription.destination), job.request)
        except BaseException:  # a UsageError: what destinations raise comes as answers
            self._engine.abandon(job)
            raise

    async def _send_async(self, job: Job) -> Answer:
        try:
            return await send_async(as_webhook(job.subscription.destination), job.request)
        except BaseException:  # a UsageError: what destinations raise comes as answers
            self._engine.abandon(job)
            raise
