"""The shared store: every room in Redis, any number of processes.

Each role of the store port (`store/base.py`) is one module here, over one
`Core` (client, scripts, per-process caches); the Lua scripts beside them do
the atomic bookkeeping (docs/redis-keys.md).
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from .answers import RedisAnswers
from .core import UNAVAILABLE, Core, log, make_pool
from .lease import RedisClock, RedisLease
from .media import RedisMedia
from .players import RedisPlayers
from .rooms import RedisRooms

__all__ = ["RedisStore", "make_pool"]


class RedisStore:
    """Every role over one Redis client."""

    kind = "redis"

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "quiz",
        room_ttl_ms: int = 6 * 3600_000,
        results_ttl_ms: int = 24 * 3600_000,
        owns_client: bool = True,
    ) -> None:
        self.core = core = Core(client, prefix=prefix, room_ttl_ms=room_ttl_ms, results_ttl_ms=results_ttl_ms)
        self._owns_client = owns_client
        self.rooms = RedisRooms(core)
        self.players = RedisPlayers(core)
        self.answers = RedisAnswers(core)
        self.clock = RedisClock(core)
        self.lease = RedisLease(core)
        self.media = RedisMedia(core)

    @property
    def failures(self) -> int:
        """Commands that found Redis unreachable (`GET /metrics`)."""
        return self.core.failures

    def room_keys(self, code: str, count: int) -> list[str]:
        """Every key of a room (for tests and docs), the timer lease included."""
        return [*self.core.keys(code, count), f"{self.core.base(code)}:timer"]

    async def start(self) -> None:
        """Load the scripts now if Redis answers; otherwise they load on first use."""
        try:
            for script in (*self.core.scripts.values(), self.core.timer):
                await self.core.r.script_load(script.script)
        except UNAVAILABLE as exc:
            log.warning("redis not reachable at start (%s); will retry on use", exc)

    async def close(self) -> None:
        self.answers.close()
        if self._owns_client:
            await self.core.r.aclose()
            await self.core.r.connection_pool.disconnect()

    async def ping(self) -> bool:
        try:
            return bool(await asyncio.wait_for(self.core.r.ping(), timeout=2.0))
        except Exception:
            return False
