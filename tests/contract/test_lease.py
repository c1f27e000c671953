"""The timer lease: which questions are open, and one owner at a time, against memory and Redis."""

from __future__ import annotations

import asyncio

from thaw.domain import game

from tests.contract.conftest import Backend, make_room, transition
from tests.contract.scenario import start
from tests.domain import factories


async def test_open_deadlines_lists_open_questions_only(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store, factories.choice(), factories.choice())
    other = await make_room(store)
    mine = {room.code, other.code}

    async def open_ones() -> list[tuple[str, int, int]]:
        return sorted(d for d in await store.lease.open_deadlines() if d[0] in mine)

    assert await open_ones() == []
    opened = await start(store, room.code)
    assert await open_ones() == [(room.code, 0, opened.deadline)]
    await transition(store, room.code, lambda r, now: game.close(r))
    assert await open_ones() == []
    await transition(store, room.code, lambda r, now: game.advance(r, now))
    reopened = await transition(store, room.code, lambda r, now: game.advance(r, now))
    assert await open_ones() == [(room.code, 1, reopened.deadline)]
    await transition(store, room.code, lambda r, now: game.end(r))
    assert await open_ones() == []


async def test_claim_timer_is_a_lease(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store)
    assert await store.lease.claim(room.code, "a", 200)
    assert not await store.lease.claim(room.code, "b", 200)
    assert await store.lease.claim(room.code, "a", 200)  # renewal
    assert not await backend.other_store().lease.claim(room.code, "b", 200)
    await asyncio.sleep(0.3)
    assert await store.lease.claim(room.code, "b", 200)  # expired: taken over
    assert not await store.lease.claim(room.code, "a", 200)
    assert not await store.lease.claim("000000", "a", 200)
