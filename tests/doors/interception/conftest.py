from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from . import _shop
from ._helpers import LoopbackServer, SocketBlocked, loopback_server, result_of

ShopFactory = Callable[..., Any]


@pytest_asyncio.fixture(params=[_shop.Shop, _shop.AsyncShop], ids=["sync", "aio"])
async def make_shop(request: pytest.FixtureRequest) -> AsyncIterator[ShopFactory]:
    """Builds the code under test, sync or async; closes what it built."""
    shops: list[Any] = []

    def make(endpoint: str = _shop.ENDPOINT) -> Any:
        shops.append(request.param(endpoint))
        return shops[-1]

    yield make
    for shop in shops:
        await result_of(shop.close())


@pytest.fixture(params=[_shop.SHOP, _shop.AIO_SHOP], ids=["sync", "aio"])
def import_time_shop(request: pytest.FixtureRequest) -> Any:
    """The shops `_shop` built when it was imported."""
    return request.param


@pytest_asyncio.fixture(params=[httpx.Client, httpx.AsyncClient], ids=["sync", "aio"])
async def http_client(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A raw httpx client, sync or async: drive it with `result_of`."""
    client = request.param()
    yield client
    await result_of(client.aclose() if isinstance(client, httpx.AsyncClient) else client.close())


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    """A real HTTP server on 127.0.0.1, reached without any proxy."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1")
    with loopback_server() as server:
        yield server


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every attempt to connect a socket, or to resolve a name, raise."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise SocketBlocked("tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
