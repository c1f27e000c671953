"""What the store contract tests share: joining, starting, refusals, a first reveal."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from thaw.domain import game, nicknames
from thaw.domain.errors import GameError
from thaw.domain.model import Player, Room
from thaw.store.base import Store

from tests.contract.conftest import make_room, transition
from tests.domain import factories


async def join(store: Store, code: str, nickname: str, pid: str | None = None) -> Player:
    pid = pid or f"p-{nickname.lower()}"
    player = Player(id=pid, nickname=nickname, token_hash=f"hash-{pid}", joined=-1)
    await store.players.join(code, player, nicknames.fold(nickname))
    return player


async def joined(store: Store, code: str, *names: str, connect: bool = True) -> list[str]:
    ids = []
    for name in names:
        player = await join(store, code, name)
        if connect:
            await store.players.set_presence(code, player.id, f"conn-{player.id}", True)
        ids.append(player.id)
    return ids


async def start(store: Store, code: str, opened_ago_ms: int = 0) -> Any:
    """Open question 0, as if `opened_ago_ms` ago on the store's clock."""
    return await transition(store, code, lambda room, now: game.start(room, now - opened_ago_ms))


async def refused(expected: str | GameError, coro: Any) -> None:
    """`coro` is refused with `expected`: a code, or a refusal from the table (code and text)."""
    with pytest.raises(GameError) as info:
        await coro
    if isinstance(expected, GameError):
        assert (info.value.code, info.value.message) == (expected.code, expected.message)
    else:
        assert info.value.code == expected, info.value


@contextlib.contextmanager
def load_replies(store: Any) -> Iterator[list[Any]]:
    """Every reply of the Redis store's `load.lua` while inside: what transition loads were sent."""
    script = store.core.scripts["load"]
    replies: list[Any] = []

    async def spy(**kwargs: Any) -> Any:
        reply = await script(**kwargs)
        replies.append(reply)
        return reply

    store.core.scripts["load"] = spy
    try:
        yield replies
    finally:
        store.core.scripts["load"] = script


async def first_revealed(store: Store) -> tuple[Room, str, str]:
    """Two choice questions; Alice right and Bob wrong on the first, now revealed."""
    room = await make_room(store, factories.choice(), factories.choice())
    alice, bob = await joined(store, room.code, "Alice", "Bob")
    await start(store, room.code)
    await store.answers.record(room.code, alice, 0, 1)
    await store.answers.record(room.code, bob, 0, 0)
    await transition(store, room.code, lambda r, now: game.close(r))
    return room, alice, bob
