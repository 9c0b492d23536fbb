"""`mock_eventgrid()`: a fake Event Grid for the length of a `with` block or a call."""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, cast

from .. import _errors
from .._doors import activate, active_targets, deactivate, hold_patches, release_patches
from .._doors._recorder import RECORD_MODES, Recorder
from .._errors import one_of, usage_error
from .eventgrid import EventGrid

F = TypeVar("F", bound=Callable[..., Any])

CASSETTES_DOCS = "guide/playback/#cassettes-in-tests"
RECORD_MODES_DOCS = "guide/playback/#record-modes"
DEFAULT_RECORD_MODE = "none"
# The `record()` keywords a cassette takes from `cassette_options=`; the path, the mode
# and the clock come from `mock_eventgrid()` itself.
CASSETTE_OPTIONS = ("sanitize", "sanitize_json", "sanitize_hosts", "hosts", "match_on", "ignore")


def checked_intercept(intercept: object) -> bool:
    """`intercept=` (of `mock_eventgrid()` and the marker): True or False."""
    if not isinstance(intercept, bool):
        raise usage_error(
            f"intercept= takes True (intercept every client) or False (only clients "
            f"wired to the fake); got {intercept!r}.",
            anchor="guide/intercepting/#opting-out",
        )
    return intercept


def checked_record_mode(mode: object) -> str:
    """`record_mode=` (of `mock_eventgrid()` and the marker): one of `RECORD_MODES`."""
    if mode not in RECORD_MODES:
        raise usage_error("record_mode", mode, one_of(RECORD_MODES, mode), RECORD_MODES_DOCS)
    return mode


def _checked_cassette(cassette: object) -> Path | None:
    if cassette is None:
        return None
    return Path(_errors.path("cassette", cassette, CASSETTES_DOCS, expected=_errors.PATH))


def _checked_cassette_options(options: object) -> dict[str, Any]:
    if options is None:
        return {}
    expected = f"a mapping of record() keywords: {', '.join(CASSETTE_OPTIONS)}"
    if not isinstance(options, Mapping):
        raise usage_error("cassette_options", options, expected, CASSETTES_DOCS)
    unknown = sorted(str(name) for name in options if name not in CASSETTE_OPTIONS)
    if unknown:
        raise usage_error("cassette_options", unknown, expected, CASSETTES_DOCS)
    return dict(options)


@dataclass(frozen=True)
class _Run:
    """One started fake, and the recorder of its cassette."""

    eventgrid: EventGrid
    recorder: Recorder | None


class MockEventGrid:
    """A context manager and decorator that runs code against a fresh `EventGrid`.

    While it is active, every azure-core request (and every raw `httpx` request) for
    an Event Grid host from this thread and context reaches the fake, whichever client
    sends it; so do requests from a thread with no fake of its own, while this is the
    only fake active (see the guide's "Threads and tasks"). With `intercept=False`,
    nothing is intercepted: only clients wired to the fake explicitly
    (`eventgrid.transport()`, `eventgrid.publisher()`, ...) reach it. With `cassette=`,
    a recorder sits in front of the fake, as the marker's `cassette=` puts one.

    Use `with mock_eventgrid(**settings) as eventgrid:`, `async with`, or decorate a
    function (sync or async) with `@mock_eventgrid(**settings)`. Each entry builds a
    new `EventGrid` from the settings, so uses never share state, even from several
    threads at once. A block that did not raise ends with `verify()`, as a test that
    uses the `eventgrid` fixture does.
    """

    def __init__(
        self,
        *,
        intercept: bool = True,
        cassette: str | os.PathLike[str] | None = None,
        record_mode: str = DEFAULT_RECORD_MODE,
        cassette_options: Mapping[str, Any] | None = None,
        **settings: Any,
    ) -> None:
        self._intercept = checked_intercept(intercept)
        self._cassette = _checked_cassette(cassette)
        self._record_mode = checked_record_mode(record_mode)
        self._cassette_options = _checked_cassette_options(cassette_options)
        self._settings = settings
        self._started: list[_Run] = []

    def start(self) -> EventGrid:
        """Build and activate a fresh fake (and the cassette's recorder, innermost);
        `stop()` ends it."""
        eventgrid = EventGrid(**self._settings)
        recorder = None
        if self._cassette is not None:
            recorder = Recorder(
                self._cassette,
                mode=self._record_mode,
                clock=eventgrid.clock,
                **self._cassette_options,
            )
        self._started.append(_Run(eventgrid, recorder))
        activate(eventgrid, intercepts=self._intercept)
        if recorder is not None:
            # Innermost: the code under test's own clients meet the cassette first.
            recorder.__enter__()
        return eventgrid

    @property
    def recorder(self) -> Recorder | None:
        """The recorder of the cassette in front of the fake `stop()` would end; None
        without `cassette=` or when no fake is active."""
        run = self._current()
        return run.recorder if run is not None else None

    def verify(self) -> None:
        """Fail (`AssertionError`) as the `eventgrid` fixture does at teardown: if a
        scripted fault never fired (`EventGrid.verify_faults()`), or the cassette left a
        request unanswered (`Recorder.assert_all_answered()`). Checks the fake `stop()`
        would end; a no-op when none is active."""
        __tracebackhide__ = True
        run = self._current()
        if run is None:
            return
        run.eventgrid.verify_faults()
        if run.recorder is not None:
            run.recorder.assert_all_answered()

    def stop(self, *, verify: bool = False) -> None:
        """End the innermost fake this object started in this context (else the newest
        one it started anywhere); a no-op when none is active.

        With `verify=True`, `verify()` first; if that fails, the fake still ends, as a
        failed block (the cassette is not written), and the `AssertionError` propagates.
        """
        __tracebackhide__ = True
        self._end(verify=verify, failure=(None, None, None))

    def _current(self) -> _Run | None:
        """The run `stop()` ends: this context's innermost, else the newest anywhere."""
        if not self._started:
            return None
        active = active_targets()
        mine = [run for run in self._started if any(run.eventgrid is fake for fake in active)]
        return mine[-1] if mine else self._started[-1]

    def _end(
        self,
        *,
        verify: bool,
        failure: tuple[type[BaseException] | None, BaseException | None, TracebackType | None],
    ) -> None:
        __tracebackhide__ = True
        run = self._current()
        if run is None:
            return
        try:
            if verify:
                self.verify()
        except BaseException as error:
            failure = (type(error), error, error.__traceback__)
            raise
        finally:
            self._started = [started for started in self._started if started is not run]
            try:
                if run.recorder is not None:
                    run.recorder.__exit__(*failure)
            finally:
                deactivate(run.eventgrid)

    def __enter__(self) -> EventGrid:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        __tracebackhide__ = True
        self._end(verify=exc_type is None, failure=(exc_type, exc_value, traceback))

    async def __aenter__(self) -> EventGrid:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        __tracebackhide__ = True
        self.__exit__(exc_type, exc_value, traceback)

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


def mock_eventgrid(
    *,
    intercept: bool = True,
    cassette: str | os.PathLike[str] | None = None,
    record_mode: str = DEFAULT_RECORD_MODE,
    cassette_options: Mapping[str, Any] | None = None,
    **settings: Any,
) -> MockEventGrid:
    """A fake Event Grid as a context manager or decorator, outside pytest too.

    Takes the same settings as `EventGrid`, and every key of the marker:
    `intercept=False` leaves clients that were not wired to the fake alone (see
    `MockEventGrid`); `cassette=` (a file path) puts a recorder in front of the fake,
    in `record_mode` (default "none": replay only), with `cassette_options` (the
    `record()` keywords `sanitize`, `sanitize_json`, `sanitize_hosts`, `hosts`,
    `match_on` and `ignore`):

        with mock_eventgrid(topic="orders", subscription="billing") as eventgrid:
            with eventgrid.publisher() as publisher:
                publisher.send(CloudEvent(source="shop", type="Order.Created", data={}))

    A block that did not raise ends by checking, as the `eventgrid` fixture does, that
    every scripted fault fired and the cassette answered every request
    (`MockEventGrid.verify()`).
    """
    return MockEventGrid(
        intercept=intercept,
        cassette=cassette,
        record_mode=record_mode,
        cassette_options=cassette_options,
        **settings,
    )


def hold_interception() -> None:
    """Keep interception installed between fakes until `release_interception()`: a
    test session pays for patching azure-core and httpx once, not per test."""
    hold_patches()


def release_interception() -> None:
    """Release one `hold_interception()`; interception goes with the last fake."""
    release_patches()
