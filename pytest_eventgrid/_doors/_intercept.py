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

Active fakes belong to the thread and the `contextvars` context that started them
(an asyncio task created inside sees them; `asyncio.to_thread` and
`contextvars.copy_context().run` hand them on). In a context, they form a stack: the
innermost one that serves a host answers it, or lets it pass when it was activated
with `intercepts=False`. A context with no fake of its own (a thread that the code
under test started) uses the fakes that are active elsewhere when they form one
chain; when they do not (two threads, each inside its own fake), a request for a
host they serve is refused with a `UsageError`, never given to the wrong fake.

The patches are process-wide: installed while at least one intercepting fake is
active anywhere, removed with the last one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextvars import ContextVar
from functools import partial
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
from .._errors import UsageError, usage_error
from .._wire import Handler, InjectedTransportError, WireRequest, WireResponse
from .._wire._hosts import is_eventgrid_host
from ._serve import serve, serve_async
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


class _Activation:
    """One `activate()`: the target, whether it intercepts, and the activation it was
    nested in (in the context that activated it), if any."""

    __slots__ = ("intercepts", "parent", "target")

    def __init__(
        self, target: InterceptTarget, intercepts: bool, parent: _Activation | None
    ) -> None:
        self.target, self.intercepts, self.parent = target, intercepts, parent

    def encloses(self, other: _Activation) -> bool:
        """Whether `other` is this activation or one it is nested in."""
        node: _Activation | None = self
        while node is not None:
            if node is other:
                return True
            node = node.parent
        return False


# This context's activations, outermost first (some may have ended in another context).
_context_stack: ContextVar[tuple[_Activation, ...]] = ContextVar(
    "pytest_eventgrid_active", default=()
)
_lock = threading.Lock()
# Every activation in the process, oldest first: replaced, never changed in place.
_live: tuple[_Activation, ...] = ()
_originals: dict[str, Callable[..., Any]] = {}
_installed = False
_holds = 0  # sessions that keep the patches installed between fakes
_router: _EventGridRouter | None = None


def _own(live: tuple[_Activation, ...]) -> list[_Activation]:
    """This context's activations that are still live, outermost first."""
    return [activation for activation in _context_stack.get() if activation in live]


def target_for(url: str) -> InterceptTarget | None:
    """The fake that answers a request for `url` from this context, if any.

    The innermost of this context's fakes that serves the host, unless it was
    activated with `intercepts=False` (then None). A context with no fake of its
    own uses the fakes active elsewhere when they are one chain of nested fakes;
    when they are not, a request for a host they serve is a `UsageError`.
    """
    host = urlsplit(url).hostname or ""  # lower-case already
    live = _live
    own = _own(live)
    candidates = own or list(live)
    serving = [activation for activation in candidates if activation.target.serves(host)]
    if not serving:
        return None
    innermost = serving[-1]
    if not own and not all(innermost.encloses(other) for other in serving):
        raise _ambiguous(host, serving)
    return innermost.target if innermost.intercepts else None


def _ambiguous(host: str, serving: list[_Activation]) -> UsageError:
    return usage_error(
        f"A request for {host} came from a thread or context with no fake of its own, "
        f"while {len(serving)} fakes are active in other threads or contexts that are "
        f"not nested in one another, so pytest-eventgrid cannot tell which fake it is "
        f"for. Run the code in the context of the fake it belongs to: from inside "
        f"`with mock_eventgrid()` (or the test), call it with "
        f"`contextvars.copy_context().run(function)`, `executor.submit("
        f"contextvars.copy_context().run, function)` or `asyncio.to_thread(function)`.",
        anchor="guide/intercepting/#threads",
    )


def activate(target: InterceptTarget, *, intercepts: bool = True) -> None:
    """Route this context's requests for `target`'s hosts to it until
    `deactivate(target)`. With `intercepts=False`, they pass through untouched
    instead: only clients wired to the fake explicitly reach it."""
    global _live
    with _lock:
        own = _own(_live)
        activation = _Activation(target, intercepts, own[-1] if own else None)
        _live = (*_live, activation)
        _context_stack.set((*own, activation))
        if intercepts and not _installed:
            _install()


def deactivate(target: InterceptTarget) -> None:
    """End the innermost activation of `target`: this context's if it has one, else
    the newest anywhere. The patches go when no intercepting fake is active."""
    global _live
    with _lock:
        own = _own(_live)
        mine = [activation for activation in own if activation.target is target]
        anywhere = [activation for activation in _live if activation.target is target]
        if not (mine or anywhere):
            return
        ended = (mine or anywhere)[-1]
        _live = tuple(activation for activation in _live if activation is not ended)
        _context_stack.set(tuple(activation for activation in own if activation is not ended))
        if _installed and not _holds and not any(activation.intercepts for activation in _live):
            _uninstall()


def hold_patches() -> None:
    """Keep the patches installed after the last fake ends, until `release_patches()`.

    A pytest session holds them: it installs them once, with its first fake, and each
    test's fake only switches the target, which saves building the httpx router and
    patching per test. With no fake active, every request passes through untouched.
    Holds nest (an in-process pytester session inside another): each hold is
    released once."""
    global _holds
    with _lock:
        _holds += 1


def release_patches() -> None:
    """Release one `hold_patches()`: with none left, the patches go now if no
    intercepting fake is active."""
    global _holds
    with _lock:
        _holds = max(_holds - 1, 0)
        if _installed and not _holds and not any(a.intercepts for a in _live):
            _uninstall()


def active_targets() -> list[InterceptTarget]:
    """This context's active fakes, outermost first."""
    return [activation.target for activation in _own(_live)]


class Intercepting:
    """A `with` / `async with` block during which `self` is an active interception
    target that answers requests itself. Subclasses implement `handle()`, `clock` and
    the doors, set `_hosts` to the hosts they serve besides every Event Grid host,
    and may override `_finish()` for what happens after deactivation."""

    _hosts: frozenset[str] = frozenset()

    def serves(self, host: str) -> bool:
        """Every Event Grid host, and the other hosts this target was given."""
        host = host.lower()
        return is_eventgrid_host(host) or host in self._hosts

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

    async def __aexit__(self, *exc_info: Any) -> None:
        self.__exit__(*exc_info)

    def _finish(self, *, failed: bool) -> None:
        """After the block: nothing by default."""


_Self = TypeVar("_Self", bound=Intercepting)
_Fake = TypeVar("_Fake", EventGridTransport, AsyncEventGridTransport)


def is_installed() -> bool:
    """Whether the interception patches are in place."""
    return _installed


# -- azure-core ----------------------------------------------------------------------------


def _adopt(
    request: PipelineRequest[Any], current: Any, door: Callable[[InterceptTarget], _Fake]
) -> _Fake | None:
    """The fake's transport for a request for a served host, put in the request's
    pipeline context in place of `current`, the client's own (kept as `replaced`).
    None for other hosts, and for a client wired to a fake explicitly: it keeps its own.

    The retry policy adopts before it reads the context's transport, so even its first
    backoff sleeps on the fake clock; the transport runner sends through the fake's."""
    if isinstance(current, EventGridTransport | AsyncEventGridTransport):
        return None
    target = target_for(request.http_request.url)
    if target is None:
        return None
    transport = door(target)
    transport.replaced = current
    request.context.transport = transport
    return transport


def _sync_send(runner: _TransportRunner, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
    transport = _adopt(request, runner._sender, lambda target: target.transport())
    if transport is not None:
        runner = _TransportRunner(transport)
    return _originals["sync"](runner, request)  # type: ignore[no-any-return]


async def _async_send(runner: _AsyncTransportRunner, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
    transport = _adopt(request, runner._sender, lambda target: target.async_transport())
    if transport is not None:
        runner = _AsyncTransportRunner(transport)
    return await _originals["async"](runner, request)  # type: ignore[no-any-return]


def _sync_retry(policy: RetryPolicy, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
    _adopt(request, request.context.transport, lambda target: target.transport())
    return _originals["sync_retry"](policy, request)  # type: ignore[no-any-return]


async def _async_retry(policy: AsyncRetryPolicy, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
    _adopt(request, request.context.transport, lambda target: target.async_transport())
    return await _originals["async_retry"](policy, request)  # type: ignore[no-any-return]


# -- raw httpx, through respx ---------------------------------------------------------------


def _wire_request(request: httpx.Request) -> WireRequest:
    return WireRequest(
        method=request.method,
        url=str(request.url),
        headers=dict(request.headers),
        body=request.content,
    )


def httpx_error(failure: InjectedTransportError, request: httpx.Request) -> httpx.HTTPError:
    """The httpx exception a real transport raises for an injected failure."""
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
        translate = partial(httpx_error, request=request)
        return _httpx_response(
            serve(target._entry, target.clock, _wire_request(request), translate)
        )

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        target = self._target(request)
        if isinstance(target, AnswersAsync):
            return _httpx_response(await target.handle_async(_wire_request(request)))
        translate = partial(httpx_error, request=request)
        wire = await serve_async(target._entry, target.clock, _wire_request(request), translate)
        return _httpx_response(wire)


# -- install / uninstall ----------------------------------------------------------------------


def _install() -> None:
    """Patch azure-core and start the httpx router (under `_lock`)."""
    global _router, _installed
    if _TransportRunner.send is not _sync_send:  # else a leftover: keep the originals
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
    _installed = True


def _uninstall() -> None:
    """Undo `_install()` (under `_lock`). The originals stay known: a request that
    another thread is sending through a patch right now still finds them."""
    global _router, _installed
    _TransportRunner.send = _originals["sync"]  # type: ignore[method-assign]
    _AsyncTransportRunner.send = _originals["async"]  # type: ignore[method-assign]
    RetryPolicy.send = _originals["sync_retry"]  # type: ignore[method-assign]
    AsyncRetryPolicy.send = _originals["async_retry"]  # type: ignore[method-assign]
    if _router is not None:
        _router.stop(quiet=True)
        _router = None
    _installed = False
