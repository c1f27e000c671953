"""Players in Redis: join, reroll, resume by token, presence; each one script."""

from __future__ import annotations

from ...domain.errors import GameError
from ...domain.game import MAX_REROLLS
from ...domain.model import Player
from .codec import player_from_json, player_json
from .core import Core, raise_refusal


class RedisPlayers:
    def __init__(self, core: Core) -> None:
        self.c = core

    async def join(self, code: str, player: Player, folded: str) -> None:
        args = [player.id, player_json(player), folded, player.token_hash]
        result = await self.c.run("join", code, args)
        if result is None:
            raise GameError.of("room_not_found", room=code)
        raise_refusal(result, nickname=player.nickname)
        player.joined, player.first_index = int(result[2]), int(result[3])

    async def rename(self, code: str, player_id: str, nickname: str, folded: str) -> None:
        result = await self.c.run("rename", code, [player_id, nickname, folded, MAX_REROLLS])
        if result is None:
            raise GameError.of("room_not_found", room=code)
        raise_refusal(result, nickname=nickname, max=MAX_REROLLS)

    async def by_token(self, code: str, token_hash: str) -> Player | None:
        base = self.c.base(code)
        with self.c.unavailable():
            pid = await self.c.r.hget(f"{base}:tokens", token_hash)
            if pid is None:
                return None
            async with self.c.r.pipeline(transaction=True) as pipe:
                pipe.hget(f"{base}:players", pid)
                pipe.hexists(f"{base}:conns", pid)
                raw, connected = await pipe.execute()
        return None if raw is None else player_from_json(raw, bool(connected))

    async def set_presence(self, code: str, player_id: str, conn_id: str, connected: bool) -> bool:
        result = await self.c.run("presence", code, [player_id, conn_id, "1" if connected else "0"])
        if result is None or result[0] != 1:
            return False
        return bool(result[2])
