"""`mock_eventgrid()`: a fake Event Grid for the length of a `with` block or a call."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar, cast

from ._doors import activate, active_targets, deactivate
from ._errors import UsageError, docs
from ._eventgrid import EventGrid

F = TypeVar("F", bound=Callable[..., Any])


def checked_intercept(intercept: object) -> bool:
    """`intercept=` (of `mock_eventgrid()` and the marker): True or False."""
    if not isinstance(intercept, bool):
        raise UsageError(
            f"intercept= takes True (intercept every client) or False (only clients "
            f"wired to the fake); got {intercept!r}. "
            f"See {docs('guide/intercepting/#opting-out')}"
        )
    return intercept


class MockEventGrid:
    """A context manager and decorator that runs code against a fresh `EventGrid`.

    While it is active, every azure-core request (and every raw `httpx` request) for
    an Event Grid host from this thread and context reaches the fake, whichever client
    sends it; so do requests from a thread with no fake of its own, while this is the
    only fake active (see the guide's "Threads and tasks"). With `intercept=False`,
    nothing is intercepted: only clients wired to the fake explicitly
    (`eventgrid.transport()`, `eventgrid.publisher()`, ...) reach it.

    Use `with mock_eventgrid(**settings) as eventgrid:`, `async with`, or decorate a
    function (sync or async) with `@mock_eventgrid(**settings)`. Each entry builds a
    new `EventGrid` from the settings, so uses never share state, even from several
    threads at once.
    """

    def __init__(self, *, intercept: bool = True, **settings: Any) -> None:
        self._intercept = checked_intercept(intercept)
        self._settings = settings
        self._started: list[EventGrid] = []

    def start(self) -> EventGrid:
        """Build and activate a fresh fake; `stop()` ends it."""
        eventgrid = EventGrid(**self._settings)
        self._started.append(eventgrid)
        activate(eventgrid, intercepts=self._intercept)
        return eventgrid

    def stop(self) -> None:
        """End the innermost fake this object started in this context (else the newest
        one it started anywhere); a no-op when none is active."""
        if not self._started:
            return
        mine = [fake for fake in active_targets() if any(fake is s for s in self._started)]
        ended = mine[-1] if mine else self._started[-1]
        self._started = [fake for fake in self._started if fake is not ended]
        deactivate(ended)

    def __enter__(self) -> EventGrid:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> EventGrid:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __call__(self, function: F) -> F:
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await function(*args, **kwargs)

            return cast(F, run_async)

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return cast(F, run)


def mock_eventgrid(*, intercept: bool = True, **settings: Any) -> MockEventGrid:
    """A fake Event Grid as a context manager or decorator, outside pytest too.

    Takes the same settings as `EventGrid`, and `intercept=False` to leave clients
    that were not wired to the fake alone (see `MockEventGrid`):

        with mock_eventgrid(topic="orders", subscription="billing") as eventgrid:
            with eventgrid.publisher() as publisher:
                publisher.send(CloudEvent(source="shop", type="Order.Created", data={}))
    """
    return MockEventGrid(intercept=intercept, **settings)
