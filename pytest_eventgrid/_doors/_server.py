"""Running an ASGI app on a real HTTP server (uvicorn), on a thread of its own.

uvicorn and trustme come with the `server` extra and are imported here only, when a
server starts. The socket is bound before the server starts, so port 0 gives a free
port that is known at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import usage_error
from ._asgi import AsgiDoor, quiet_dropped_connections

SERVER_DOCS = "guide/emulator/#installing"
STOP_TIMEOUT = 5.0


def _require(module: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise usage_error(
            f"The emulator needs {module!r}, which is not installed: "
            "pip install 'pytest-eventgrid[server]'.",
            anchor=SERVER_DOCS,
        ) from None


@dataclass(frozen=True)
class Certificates:
    """A local CA, and a certificate it signed for 127.0.0.1, ::1 and localhost."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def make_certificates(folder: Path) -> Certificates:
    """Write a new CA and a server certificate into `folder` (with trustme)."""
    trustme = _require("trustme")
    authority = trustme.CA(organization_name="pytest-eventgrid emulator")
    issued = authority.issue_cert("127.0.0.1", "::1", "localhost")
    certificates = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    authority.cert_pem.write_to_path(str(certificates.ca_file))
    issued.private_key_pem.write_to_path(str(certificates.key_file))
    with certificates.cert_file.open("wb") as chain:
        for blob in issued.cert_chain_pems:
            chain.write(blob.bytes())
    return certificates


def _bound_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it, an answer written in two parts waits out the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise usage_error(
            "host/port",
            f"{host}:{port}",
            f"an address this machine can bind ({error})",
            SERVER_DOCS,
        ) from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def _abort_idle_connections(connections: Any) -> None:
    """Drop the connections with no answer under way. Closed politely, an idle TLS
    connection would wait for a goodbye that an idle client never sends."""
    for connection in list(connections):
        cycle = getattr(connection, "cycle", None)
        transport = getattr(connection, "transport", None)
        if transport is not None and (cycle is None or cycle.response_complete):
            transport.abort()


class ServerThread:
    """A uvicorn server for `app`, started on a thread of its own by `start()`."""

    def __init__(
        self, app: AsgiDoor, *, host: str, port: int, https: bool, certificates_dir: Path | None
    ) -> None:
        self.app = app
        self.host = host
        self._requested_port = port
        self._https = https
        self._certificates_dir = certificates_dir
        self._temporary: tempfile.TemporaryDirectory[str] | None = None
        self.certificates: Certificates | None = None
        self.port = 0
        self._server: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._failure: BaseException | None = None

    def start(self) -> None:
        uvicorn = _require("uvicorn")
        ssl: dict[str, str] = {}
        if self._https:
            folder = self._certificates_dir
            if folder is None:
                self._temporary = tempfile.TemporaryDirectory(prefix="pytest-eventgrid-")
                folder = Path(self._temporary.name)
            self.certificates = make_certificates(folder)
            ssl = {
                "ssl_certfile": str(self.certificates.cert_file),
                "ssl_keyfile": str(self.certificates.key_file),
            }
        sock = _bound_socket(self.host, self._requested_port)
        self.app.open()
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            # The host process's logging: no handlers of uvicorn's own replace it.
            log_config=None,
            access_log=False,
            lifespan="off",
            server_header=False,
            date_header=False,
            # Waits end at once when it stops; a request still arriving gets this long.
            timeout_graceful_shutdown=0.5,
            **ssl,
        )
        started = self._started
        base: Any = uvicorn.Server

        class _Server(base):  # type: ignore[misc]
            async def startup(self, sockets: list[socket.socket] | None = None) -> None:
                await super().startup(sockets=sockets)
                started.set()

            async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
                _abort_idle_connections(self.server_state.connections)
                await super().shutdown(sockets=sockets)

        self._server = _Server(config)
        quiet_dropped_connections(logging.getLogger("uvicorn.error"))
        self._thread = threading.Thread(
            target=self._run, args=(sock,), name="pytest-eventgrid-server", daemon=True
        )
        self._thread.start()
        self._started.wait()
        if self._failure is not None:
            raise self._failure

    def _run(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve(sock))
        except BaseException as failure:  # the thread's end: hand it to start()
            self._failure = failure
        finally:
            self._started.set()
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            sock.close()

    async def _serve(self, sock: socket.socket) -> None:
        await self._server.serve(sockets=[sock])

    def call_soon(self, callback: Any) -> None:
        """Run `callback()` on the server's loop (from any thread)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(callback)

    def stop(self) -> None:
        """Answer waiting receives, close every connection and end the thread."""
        if self._thread is None:
            return
        self.call_soon(self.app.close)
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(STOP_TIMEOUT)
        self._thread = None
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary = None
