"""Transport tests: the real app in this process, real HTTP and WebSocket frames."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .helpers import FrozenClock, LiveServer, freeze_store_clock, serve


@pytest.fixture
async def live() -> AsyncIterator[LiveServer]:
    async with serve() as server:
        yield server


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """Freeze the memory store's clock (deadlines, response times); the test moves it."""
    return freeze_store_clock(monkeypatch)
