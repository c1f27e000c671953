"""The rooms' clock (Redis `TIME`) and the question timers' lease and index."""

from __future__ import annotations

from typing import cast

from ...domain.model import Phase
from .core import Core


class RedisClock:
    def __init__(self, core: Core) -> None:
        self.c = core

    async def now(self) -> int:
        with self.c.unavailable():
            seconds, micros = await self.c.r.time()
        return int(seconds) * 1000 + int(micros) // 1000


class RedisLease:
    def __init__(self, core: Core) -> None:
        self.c = core

    async def open_deadlines(self) -> list[tuple[str, int, int]]:
        """Open questions from the global index, checked against each room (stale
        entries, of rooms that moved on or expired, are dropped)."""
        with self.c.unavailable():
            entries = cast(
                "list[tuple[str, float]]", await self.c.r.zrange(self.c.deadlines_key, 0, -1, withscores=True)
            )
            if not entries:
                return []
            async with self.c.r.pipeline(transaction=False) as pipe:
                parsed: list[tuple[str, str, int, int]] = []
                for member, score in entries:
                    room_code, _, position = str(member).partition("|")
                    parsed.append((str(member), room_code, int(position), int(score)))
                    pipe.hmget(f"{self.c.base(room_code)}:meta", ["phase", "index", "deadline", "paused_at"])
                states = await pipe.execute()
            out: list[tuple[str, int, int]] = []
            stale: list[str] = []
            for (member, room_code, index, _score), state in zip(parsed, states, strict=True):
                phase, current, deadline, paused_at = cast("list[str | None]", state)
                if phase == Phase.QUESTION.value and current is not None and int(current) == index:
                    if not paused_at:  # a paused clock has no deadline to keep; resume lists it again
                        out.append((room_code, index, int(deadline or 0)))
                else:
                    stale.append(member)
            if stale:
                await self.c.r.zrem(self.c.deadlines_key, *stale)
        return out

    async def claim(self, code: str, owner: str, ttl_ms: int) -> bool:
        base = self.c.base(code)
        with self.c.unavailable():
            return bool(await self.c.timer(keys=[f"{base}:meta", f"{base}:timer"], args=[owner, ttl_ms]))
