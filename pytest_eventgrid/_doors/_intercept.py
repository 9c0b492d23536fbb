"""Interception: requests for Event Grid hosts reach the fake, whoever built the client.

Two patches are installed while at least one fake is active, and removed with the
last one:

- azure-core's transport runners (`_TransportRunner.send` and its async twin), the
  single place every azure-core pipeline hands a request to its transport. Whatever
  transport a client has (requests, aiohttp, a custom one, or one built before the
  fake started), a request for a served host goes to the fake's transport instead,
  and the pipeline context's transport is swapped too (already by the retry policy,
  which is patched for that), so every retry backoff sleeps on the fake clock. The
  fake's transport keeps the client's own as `replaced` (a recorder sends through
  it). Other hosts go to the client's own transport untouched, and so does a client
  that was given a fake's transport explicitly: it keeps the fake it chose, even
  nested.
- a respx router (the `httpx` mocker), for code that calls the REST API with raw
  `httpx` clients. It answers served hosts and hands everything else on: to a
  user's own respx routers when there are any (which answer or refuse it), else to
  the network.

Active fakes form a stack: the innermost one that serves a host answers it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol, TypeVar, cast, runtime_checkable
from urllib.parse import urlsplit

import httpx
import respx
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline._base import _TransportRunner
from azure.core.pipeline._base_async import _AsyncTransportRunner
from azure.core.pipeline.policies import AsyncRetryPolicy, RetryPolicy
from respx.mocks import Mocker
from respx.models import AllMockedAssertionError, PassThrough

from .._broker import Clock
from .._wire import WireRequest, WireResponse
from ._autojump import Handler, serve, serve_async
from ._faults import InjectedTransportError
from ._transport import AsyncEventGridTransport, EventGridTransport


class InterceptTarget(Protocol):
    """What interception needs of a fake: which hosts it serves, and its doors."""

    def serves(self, host: str) -> bool: ...

    @property
    def _entry(self) -> Handler: ...

    @property
    def clock(self) -> Clock: ...

    def transport(self) -> EventGridTransport: ...

    def async_transport(self) -> AsyncEventGridTransport: ...


@runtime_checkable
class AnswersAsync(Protocol):
    """A target that answers raw async requests itself (a recorder sends them out)."""

    async def handle_async(self, request: WireRequest) -> WireResponse: ...


EVENTGRID_DOMAIN = ".eventgrid.azure.net"
_lock = threading.RLock()
_active: list[InterceptTarget] = []
_originals: dict[str, Callable[..., Any]] = {}
_router: _EventGridRouter | None = None


def target_for(url: str) -> InterceptTarget | None:
    """The innermost active fake that serves the host of `url`, if any."""
    host = urlsplit(url).hostname or ""  # lower-case already
    with _lock:
        for target in reversed(_active):
            if target.serves(host):
                return target
    return None


def activate(target: InterceptTarget) -> None:
    """Route requests for `target`'s hosts to it until `deactivate(target)`."""
    with _lock:
        if not _active:
            _install()
        _active.append(target)


def deactivate(target: InterceptTarget) -> None:
    """Stop routing to `target`; the patches go when no fake is active."""
    with _lock:
        for index in range(len(_active) - 1, -1, -1):
            if _active[index] is target:
                del _active[index]
                break
        if not _active:
            _uninstall()


class Intercepting:
    """A `with` / `async with` block during which `self` is an active interception
    target that answers requests itself. Subclasses implement `handle()`, `clock` and
    the doors, set `_hosts` to the hosts they serve besides every Event Grid host,
    and may override `_finish()` for what happens after deactivation."""

    _hosts: frozenset[str] = frozenset()

    def serves(self, host: str) -> bool:
        """Every Event Grid host, and the other hosts this target was given."""
        host = host.lower()
        return host.endswith(EVENTGRID_DOMAIN) or host in self._hosts

    @property
    def _entry(self) -> Intercepting:
        return self

    def handle(self, request: WireRequest) -> WireResponse:
        """The answer to a raw request."""
        raise NotImplementedError

    def __enter__(self: _Self) -> _Self:
        activate(self)  # type: ignore[arg-type]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        deactivate(self)  # type: ignore[arg-type]
        self._finish(failed=exc_type is not None)

    async def __aenter__(self: _Self) -> _Self:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc_value, traceback)

    def _finish(self, *, failed: bool) -> None:
        """After the block: nothing by default."""


_Self = TypeVar("_Self", bound=Intercepting)


def is_installed() -> bool:
    """Whether the interception patches are in place."""
    return bool(_originals)


# -- azure-core ----------------------------------------------------------------------------


def _sync_send(runner: _TransportRunner, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
    original = _originals["sync"]
    if isinstance(runner._sender, EventGridTransport):
        return original(runner, request)  # type: ignore[no-any-return]
    target = target_for(request.http_request.url)
    if target is None:
        return original(runner, request)  # type: ignore[no-any-return]
    transport = target.transport()
    transport.replaced = runner._sender
    request.context.transport = transport
    return original(_TransportRunner(transport), request)  # type: ignore[no-any-return]


async def _async_send(runner: _AsyncTransportRunner, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
    original = _originals["async"]
    if isinstance(runner._sender, AsyncEventGridTransport):
        return await original(runner, request)  # type: ignore[no-any-return]
    target = target_for(request.http_request.url)
    if target is None:
        return await original(runner, request)  # type: ignore[no-any-return]
    transport = target.async_transport()
    transport.replaced = runner._sender
    request.context.transport = transport
    return await original(_AsyncTransportRunner(transport), request)  # type: ignore[no-any-return]


# -- raw httpx, through respx ---------------------------------------------------------------


def _wire_request(request: httpx.Request) -> WireRequest:
    return WireRequest(
        method=request.method,
        url=str(request.url),
        headers=dict(request.headers),
        body=request.content,
    )


def _httpx_error(failure: InjectedTransportError, request: httpx.Request) -> httpx.HTTPError:
    if failure.kind == "read_timeout":
        return httpx.ReadTimeout(str(failure), request=request)
    if failure.kind == "connection_reset":
        return httpx.RemoteProtocolError(str(failure), request=request)
    return httpx.ConnectError(str(failure), request=request)


def _httpx_response(response: WireResponse) -> httpx.Response:
    return httpx.Response(response.status, headers=response.headers, content=response.body)


class _EventGridRouter(respx.MockRouter):
    """Serves Event Grid hosts and passes every other request on."""

    def _target(self, request: httpx.Request) -> InterceptTarget:
        """The fake that serves `request`; else hand the request on."""
        target = target_for(str(request.url))
        if target is not None:
            return target
        if any(router is not self for router in Mocker.registry["httpx"].routers):
            # Someone else's respx router is active: let it answer or refuse.
            raise AllMockedAssertionError(f"not an Event Grid request: {request!r}")
        raise PassThrough("not an Event Grid request", request=request, origin=cast(Any, None))

    def handler(self, request: httpx.Request) -> httpx.Response:
        target = self._target(request)
        try:
            wire = serve(target._entry, target.clock, _wire_request(request))
        except InjectedTransportError as failure:
            raise _httpx_error(failure, request) from None
        return _httpx_response(wire)

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        target = self._target(request)
        if isinstance(target, AnswersAsync):
            return _httpx_response(await target.handle_async(_wire_request(request)))
        try:
            wire = await serve_async(target._entry, target.clock, _wire_request(request))
        except InjectedTransportError as failure:
            raise _httpx_error(failure, request) from None
        return _httpx_response(wire)


# -- install / uninstall ----------------------------------------------------------------------


def _adopt(request: PipelineRequest, door: Callable[[InterceptTarget], Any]) -> None:  # type: ignore[type-arg]
    """Give a request for a served host the fake's transport in its pipeline context
    before the retry policy reads it, so even its first backoff sleeps on the fake
    clock. A client wired to a fake explicitly keeps its own."""
    if isinstance(request.context.transport, EventGridTransport | AsyncEventGridTransport):
        return
    target = target_for(request.http_request.url)
    if target is not None:
        transport = door(target)
        transport.replaced = request.context.transport
        request.context.transport = transport


def _sync_retry(policy: RetryPolicy, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
    _adopt(request, lambda target: target.transport())
    return _originals["sync_retry"](policy, request)  # type: ignore[no-any-return]


async def _async_retry(policy: AsyncRetryPolicy, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
    _adopt(request, lambda target: target.async_transport())
    return await _originals["async_retry"](policy, request)  # type: ignore[no-any-return]


def _install() -> None:
    global _router
    _originals["sync"] = _TransportRunner.send
    _originals["async"] = _AsyncTransportRunner.send
    _originals["sync_retry"] = RetryPolicy.send
    _originals["async_retry"] = AsyncRetryPolicy.send
    _TransportRunner.send = _sync_send  # type: ignore[method-assign,assignment]
    _AsyncTransportRunner.send = _async_send  # type: ignore[method-assign,assignment]
    RetryPolicy.send = _sync_retry  # type: ignore[method-assign,assignment]
    AsyncRetryPolicy.send = _async_retry  # type: ignore[method-assign,assignment]
    _router = _EventGridRouter(using="httpx", assert_all_called=False, assert_all_mocked=True)
    _router.start()


def _uninstall() -> None:
    global _router
    if not _originals:
        return
    _TransportRunner.send = _originals.pop("sync")  # type: ignore[method-assign]
    _AsyncTransportRunner.send = _originals.pop("async")  # type: ignore[method-assign]
    RetryPolicy.send = _originals.pop("sync_retry")  # type: ignore[method-assign]
    AsyncRetryPolicy.send = _originals.pop("async_retry")  # type: ignore[method-assign]
    if _router is not None:
        _router.stop(quiet=True)
        _router = None
