"""A room's images in Redis, for as long as the room lives."""

from __future__ import annotations

import base64
from typing import Any, cast

from .core import Core


class RedisMedia:
    def __init__(self, core: Core) -> None:
        self.c = core

    async def put(self, code: str, media: dict[str, bytes]) -> None:
        """Images in `quiz:{code}:media` (base64: the client decodes replies as text).

        The key outlives the room's TTL at creation (room TTL + results TTL) and
        each read stretches it to the room's remaining life, so a room keeps its
        images while it lives without every script having to touch them."""
        if not media:
            return
        key = f"{self.c.base(code)}:media"
        encoded = {name: base64.b64encode(data).decode("ascii") for name, data in media.items()}
        with self.c.unavailable():
            async with self.c.r.pipeline(transaction=True) as pipe:
                pipe.delete(key)
                pipe.hset(key, mapping=cast(Any, encoded))
                pipe.pexpire(key, self.c.room_ttl_ms + self.c.results_ttl_ms)
                await pipe.execute()

    async def get(self, code: str, name: str) -> bytes | None:
        base = self.c.base(code)
        with self.c.unavailable():
            async with self.c.r.pipeline(transaction=False) as pipe:
                pipe.hget(f"{base}:media", name)
                pipe.pttl(f"{base}:meta")
                pipe.pttl(f"{base}:media")
                value, room_ttl, media_ttl = await pipe.execute()
            if value is None or int(room_ttl) <= 0:
                return None
            if int(media_ttl) < int(room_ttl):
                await self.c.r.pexpire(f"{base}:media", int(room_ttl))
        return base64.b64decode(value)
