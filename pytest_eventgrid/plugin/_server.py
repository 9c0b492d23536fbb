"""The `eventgrid_server` fixture: the emulator, started for a test (or a session).

The server (uvicorn, with the `server` extra) is imported by the fixture, when a test
asks for it. It takes its settings from the `eventgrid_server_settings` fixture, not
from `@pytest.mark.eventgrid`, which configures the in-process fake of the `eventgrid`
fixture: a server shared by a session cannot follow each test's marker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

import pytest

from .._errors import UsageError, in_context, one_of, usage_error
from ._live import SKIP_REASON, live_namespace

if TYPE_CHECKING:
    from .._api.emulator import EventGridServer

SERVER_FIXTURE_DOCS = "guide/emulator/#from-pytest"
Scope = Literal["function", "class", "module", "package", "session"]
SERVER_SCOPES: tuple[Scope, ...] = ("function", "class", "module", "package", "session")
SCOPE_OPTION = "--eventgrid-server-scope"
SCOPE_INI = "eventgrid_server_scope"


def add_server_options(parser: pytest.Parser, group: pytest.OptionGroup) -> None:
    """`--eventgrid-server-scope` and its ini twin."""
    group.addoption(
        SCOPE_OPTION,
        metavar="SCOPE",
        help="How long one eventgrid_server lives: function (default: one per test) or "
        "session (one per session, reset between tests). Wins over the ini.",
    )
    parser.addini(
        SCOPE_INI,
        "How long one eventgrid_server lives: function (default) or session (reset between tests).",
        default="",
    )


def server_scope(fixture_name: str, config: pytest.Config) -> Scope:
    """The scope of the running server: `--eventgrid-server-scope`, the ini, or function.

    A bad value counts as function here (pytest would report an error in a scope
    function as an internal error); `eventgrid_server` refuses it when a test asks.
    """
    scope = _configured_scope(config)
    return scope if scope in SERVER_SCOPES else "function"


def _configured_scope(config: pytest.Config) -> str:
    option: str | None = config.getoption("eventgrid_server_scope", None)
    return option or str(config.getini(SCOPE_INI) or "function")


def checked_server_scope(config: pytest.Config) -> Scope:
    """The configured scope, or a `UsageError` that lists the scopes."""
    __tracebackhide__ = True
    scope = _configured_scope(config)
    if scope not in SERVER_SCOPES:
        raise usage_error(
            f"{SCOPE_OPTION} / {SCOPE_INI}",
            scope,
            one_of(SERVER_SCOPES, scope),
            SERVER_FIXTURE_DOCS,
        )
    return scope


@pytest.fixture(scope="session")
def eventgrid_server_settings() -> dict[str, Any]:
    """The keywords of `pytest_eventgrid.serve()` that `eventgrid_server` starts from.

    Override it in a conftest.py to configure the server: the marker's keys (`topic`,
    `topics`, `basic_topics`, `key`, ...), `config` (a JSON or TOML file), `https`,
    `clock`, `time_scale`. Keep it session-scoped when the server is per session.
    """
    return {}


@pytest.fixture(scope=server_scope)
def _eventgrid_server_running(eventgrid_server_settings: dict[str, Any]) -> Iterator[Any]:
    from .._api.emulator import serve

    try:
        server = serve(**eventgrid_server_settings).start()
    except UsageError as error:
        raise in_context("eventgrid_server_settings", error) from None
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def eventgrid_server(
    request: pytest.FixtureRequest, _eventgrid_server_running: EventGridServer
) -> Iterator[EventGridServer]:
    """A fake Event Grid served over HTTP on a free loopback port, for this test.

    Point any client (or a subprocess, or another language) at `.endpoint` with
    `.credential` / `.key`; `.eventgrid` is the fake behind it. Configured by the
    `eventgrid_server_settings` fixture; stopped at teardown. With
    `--eventgrid-server-scope=session` (or the `eventgrid_server_scope` ini) one server
    serves the whole session, reset after each test.
    """
    __tracebackhide__ = True
    if live_namespace(request.config) is not None:
        pytest.skip(SKIP_REASON)
    scope = checked_server_scope(request.config)
    server = _eventgrid_server_running
    yield server
    if scope != "function" and server.running:
        server.reset()  # the next test starts from the settings, and no receive waits on
