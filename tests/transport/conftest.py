"""Transport tests: the real app in this process, real HTTP and WebSocket frames.

One server serves every test of a module (its own event loop, module-scoped), with
per-address limits raised so that many tests from 127.0.0.1 do not trip them; tests
that need other settings start their own with `serve(...)`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from .helpers import FrozenClock, LiveServer, freeze_store_clock, make_settings, serve

ROOMY = {"rooms_per_minute": 100_000, "misses_per_minute": 100_000, "misses_before_slowdown": 100_000}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_server() -> AsyncIterator[LiveServer]:
    async with serve(make_settings(**ROOMY)) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="module")
async def live(shared_server: LiveServer) -> AsyncIterator[LiveServer]:
    """The module's server; the sockets a test opened are closed after it."""
    start = len(shared_server.peers)
    yield shared_server
    for peer in shared_server.peers[start:]:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(peer.ws.close(), 1)
    del shared_server.peers[start:]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """Freeze the memory store's clock (deadlines, response times); the test moves it."""
    return freeze_store_clock(monkeypatch)
