"""A guard the suites share: time moves only on the fake clock."""

from __future__ import annotations

import asyncio
import time

import pytest


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail a test whose code would wait for real: retries, latency, lock expiry and
    long-polls must pass on the fake clock. `asyncio.sleep(0)` (a yield) is allowed."""
    async_sleep = asyncio.sleep

    async def only_yield(delay: float, result: object = None) -> object:
        assert delay == 0, f"asyncio.sleep({delay!r}) would wait for real"
        return await async_sleep(0, result)

    def never(delay: float) -> None:
        assert delay == 0, f"time.sleep({delay!r}) would wait for real"

    monkeypatch.setattr(asyncio, "sleep", only_yield)
    monkeypatch.setattr(time, "sleep", never)
