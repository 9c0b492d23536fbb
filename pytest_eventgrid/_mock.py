"""`mock_eventgrid()`: a fake Event Grid for the length of a `with` block or a call."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar, cast

from ._doors import activate, deactivate
from ._eventgrid import EventGrid

F = TypeVar("F", bound=Callable[..., Any])


class MockEventGrid:
    """A context manager and decorator that runs code against a fresh `EventGrid`.

    While it is active, every azure-core request (and every raw `httpx` request) for
    an Event Grid host reaches the fake, whichever client sends it.

    Use `with mock_eventgrid(**settings) as eventgrid:`, `async with`, or decorate a
    function (sync or async) with `@mock_eventgrid(**settings)`. Each entry builds a
    new `EventGrid` from the settings, so uses never share state.
    """

    def __init__(self, **settings: Any) -> None:
        self._settings = settings
        self._active: list[EventGrid] = []

    def start(self) -> EventGrid:
        """Build and activate a fresh fake; `stop()` ends it."""
        eventgrid = EventGrid(**self._settings)
        self._active.append(eventgrid)
        activate(eventgrid)
        return eventgrid

    def stop(self) -> None:
        """End the innermost active fake."""
        if self._active:
            deactivate(self._active.pop())

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


def mock_eventgrid(**settings: Any) -> MockEventGrid:
    """A fake Event Grid as a context manager or decorator, outside pytest too.

    Takes the same settings as `EventGrid`:

        with mock_eventgrid(topic="orders", subscription="billing") as eventgrid:
            with eventgrid.publisher() as publisher:
                publisher.send(CloudEvent(source="shop", type="Order.Created", data={}))
    """
    return MockEventGrid(**settings)
