"""Contract tests: the same scenarios against the memory and the Redis adapters.

The Redis ones need a real redis-server (REDIS_URL, default 127.0.0.1:6379). If
it does not answer they FAIL when CI=true and skip (saying why) otherwise. Each
Redis test uses its own key prefix and deletes its keys afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from thaw.backends import open_backends  # noqa: E402
from thaw.bus.base import Bus  # noqa: E402
from thaw.bus.envelope import Envelope  # noqa: E402
from thaw.domain import game  # noqa: E402
from thaw.domain.model import Question, Room, RoomOptions  # noqa: E402
from thaw.store.base import Store  # noqa: E402

from tests.domain import factories  # noqa: E402

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
ROOM_TTL_S = 600
RESULTS_TTL_S = 1800


def _redis_answers(url: str) -> str | None:
    """None if Redis answers PING, else why not."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A live Redis, or a failure (CI=true) / skip (elsewhere) that says why."""
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    problem = _redis_answers(url)
    if problem is not None:
        message = f"redis-server not reachable at {url} ({problem}); start one or set REDIS_URL"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


@dataclass
class Backend:
    """One adapter pair under test, plus what the scenarios need to look inside."""

    kind: str
    store: Store
    bus: Bus
    prefix: str = ""
    url: str = ""
    extra: list[Any] = field(default_factory=list)  # more stores/buses to close

    async def subscribed(self, code: str, bus: Bus | None = None) -> None:
        """Wait until events of `code` reach `bus` (immediate in memory)."""
        wait = getattr(bus or self.bus, "wait_subscribed", None)
        if wait is not None:
            await wait(code)

    def other_store(self) -> Store:
        """A second store on its own connection pool: another process, as far as Redis can tell."""
        if self.kind == "memory":
            return self.store
        store, _bus = open_backends(
            self.url, prefix=self.prefix, room_ttl_s=ROOM_TTL_S, results_ttl_s=RESULTS_TTL_S, max_connections=2
        )
        self.extra.append(store)
        return store

    async def other_bus(self) -> Bus:
        if self.kind == "memory":
            return self.bus
        store, bus = open_backends(self.url, prefix=self.prefix, max_connections=2)
        await bus.start()
        self.extra.extend([bus, store])
        return bus


async def _delete_prefix(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """Each adapter in turn: every role passes the same tests on both."""
    if request.param == "memory":
        async with _memory_pair() as b:
            yield b
        return
    async with _redis_pair(request.getfixturevalue("redis_url")) as b:
        yield b


@pytest.fixture
async def memory_backend() -> AsyncIterator[Backend]:
    """Only the memory pair, for what only it promises (it never waits)."""
    async with _memory_pair() as b:
        yield b


@contextlib.asynccontextmanager
async def _memory_pair() -> AsyncIterator[Backend]:
    store, bus = open_backends(None, room_ttl_s=ROOM_TTL_S, results_ttl_s=RESULTS_TTL_S)
    await store.start()
    await bus.start()
    try:
        yield Backend("memory", store, bus)
    finally:
        await bus.close()
        await store.close()


@pytest.fixture
async def redis_backend(redis_url: str) -> AsyncIterator[Backend]:
    """Only the Redis pair, for what only Redis has (TTLs, key schema)."""
    async with _redis_pair(redis_url) as b:
        yield b


@contextlib.asynccontextmanager
async def _redis_pair(url: str) -> AsyncIterator[Backend]:
    """The Redis store and bus under a fresh key prefix, closed and their keys deleted afterwards."""
    prefix = f"t{secrets.token_hex(5)}"
    store, bus = open_backends(url, prefix=prefix, room_ttl_s=ROOM_TTL_S, results_ttl_s=RESULTS_TTL_S)
    await store.start()
    await bus.start()
    b = Backend("redis", store, bus, prefix=prefix, url=url)
    try:
        yield b
    finally:
        for extra in reversed(b.extra):
            await extra.close()
        await bus.close()
        await store.close()
        await _delete_prefix(url, prefix)


# -- scenario helpers ---------------------------------------------------------------


def new_code() -> str:
    return str(random.randint(100_000, 999_999))


async def make_room(store: Store, *questions: Question, opaque_ids: bool = False, **options: Any) -> Room:
    """A fresh room in the store (lobby), with a deck of `questions` (default: every kind).

    Its option ids are the deck indices (answers can say "option 1") unless `opaque_ids`."""
    now = await store.clock.now()
    deck = factories.deck(*(questions or factories.every_kind()))
    for _ in range(20):
        room = game.new_room(new_code(), deck, "host-hash", RoomOptions(**options), now, random.Random(1))
        if not opaque_ids:
            room.ids = ()
        if await store.rooms.create(room):
            return room
    raise AssertionError("no free room code")


async def transition(store: Store, code: str, rule: Callable[[Room, int], Any]) -> Room:
    """Load, apply a pure rule, commit (retrying a lost race) the way the service does."""
    from thaw.rooms.frames import screen_frames

    for _ in range(20):
        loaded = await store.rooms.load(code, history=False)
        assert loaded is not None
        room, now = loaded
        version = room.version
        rule(room, now)
        envelope = Envelope(frames=screen_frames(room), lobby=True)
        if await store.rooms.commit(room, version, envelope, screen_frames(room)):
            return room
    raise AssertionError("commit kept losing")


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for something that arrives over the bus."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():
        if loop.time() > end:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.01)
