"""What only the Redis adapter has: its key schema, TTLs and reuse of a code."""

from __future__ import annotations

import random

import pytest
from thaw.bus.envelope import Envelope, dumps
from thaw.domain import game
from thaw.domain.model import Phase
from thaw.rooms.frames import screen_frames

from tests.contract.conftest import RESULTS_TTL_S, ROOM_TTL_S, Backend, make_room, transition
from tests.contract.scenario import joined, refused, start
from tests.domain import factories


async def _ttls(backend: Backend) -> dict[str, int]:
    from redis.asyncio import Redis

    client = Redis.from_url(backend.url, decode_responses=True)
    try:
        keys = [k async for k in client.scan_iter(match=f"{backend.prefix}:*")]
        return {k: await client.pttl(k) for k in keys}
    finally:
        await client.aclose()


@pytest.mark.redis
async def test_every_room_key_has_the_room_ttl_then_the_results_ttl(redis_backend: Backend) -> None:
    store = redis_backend.store
    room = await make_room(store, factories.choice(), factories.choice())
    code = room.code
    ann, ben = await joined(store, code, "Ann", "Ben")
    await start(store, code)
    await store.answers.record(code, ann, 0, 1)
    await store.lease.claim(code, "me", 60_000)
    loaded = await store.rooms.load(code)
    assert loaded is not None
    r, _ = loaded
    game.close(r)
    personal = {ann: [dumps({"type": "result"})]}
    envelope = Envelope(frames=screen_frames(r), personal=personal)
    assert await store.rooms.commit(r, r.version, envelope, screen_frames(r))
    ttls = await _ttls(redis_backend)
    p = redis_backend.prefix
    expected = {f"{p}:{{{code}}}:{k}" for k in ("meta", "players", "nicks", "tokens", "conns", "personal", "answers:0")}
    assert expected <= set(ttls)
    assert set(ttls) - expected == {f"{p}:{{{code}}}:timer"} | ({f"{p}:deadlines"} & set(ttls))
    for key in expected:
        assert (ROOM_TTL_S - 5) * 1000 < ttls[key] <= ROOM_TTL_S * 1000, key
    assert 0 < ttls[f"{p}:{{{code}}}:timer"] <= 60_000
    await transition(store, code, lambda r, now: game.end(r))
    ttls = await _ttls(redis_backend)
    assert expected - {f"{p}:{{{code}}}:personal"} <= set(ttls)  # `finished` stores no personal frames here
    for key in expected & set(ttls):
        assert (RESULTS_TTL_S - 5) * 1000 < ttls[key] <= RESULTS_TTL_S * 1000, key
    # a write after the finish keeps the results TTL
    await store.players.set_presence(code, ben, "conn-p-ben", False)
    assert (await _ttls(redis_backend))[f"{p}:{{{code}}}:meta"] > ROOM_TTL_S * 1000


@pytest.mark.redis
async def test_a_code_reused_by_a_new_room_is_not_graded_with_the_old_deck(redis_backend: Backend) -> None:
    """Each process caches a room's deck; a later room with the same code must not
    be served from that cache."""
    store = redis_backend.store
    room = await make_room(store, factories.choice((1,)))
    await store.rooms.view(room.code, None)  # cached now
    from redis.asyncio import Redis

    client = Redis.from_url(redis_backend.url)
    try:
        keys = [k async for k in client.scan_iter(match=f"{redis_backend.prefix}:{{{room.code}}}:*")]
        await client.delete(*keys)
    finally:
        await client.aclose()
    deck = factories.deck(factories.choice((2,)))
    fresh = game.new_room(room.code, deck, "h", room.options, 0, random.Random(2))
    assert await redis_backend.other_store().rooms.create(fresh)
    (ann,) = await joined(store, room.code, "Ann")
    await start(store, room.code)
    await store.answers.record(room.code, ann, 0, factories.option_id(fresh, "Washington", 0))  # the new room's own ids
    loaded = await store.rooms.load(room.code)
    assert loaded is not None
    assert loaded[0].answers[0][ann].correct is True


@pytest.mark.redis
async def test_a_close_that_lost_a_race_with_an_answer_fences_the_question(redis_backend: Backend) -> None:
    """The refused close marks the question closing: answers from then on are
    too_late, so the retried close cannot keep losing to a stream of answers."""
    store = redis_backend.store
    room = await make_room(store, factories.choice())
    ann, ben = await joined(store, room.code, "Ann", "Ben")
    await start(store, room.code)
    loaded = await store.rooms.load(room.code)
    assert loaded is not None
    stale, _ = loaded
    await store.answers.record(room.code, ann, 0, 1)
    game.close(stale)
    assert await store.rooms.commit(stale, stale.version, Envelope(), screen_frames(stale)) is False
    await refused("too_late", store.answers.record(room.code, ben, 0, 1))
    closed = await transition(store, room.code, lambda r, now: game.close_question(r, 0))
    assert closed.phase is Phase.REVEAL and set(closed.answers[0]) == {ann}


async def test_an_unreachable_redis_is_reported_not_crashed() -> None:
    from thaw.backends import open_backends
    from thaw.store.base import StoreUnavailable

    store, bus = open_backends("redis://127.0.0.1:1/0")
    try:
        await store.start()
        assert await store.ping() is False
        with pytest.raises(StoreUnavailable):
            await store.clock.now()
        with pytest.raises(StoreUnavailable):
            await store.answers.record("123456", "p", 0, 1)
        with pytest.raises(StoreUnavailable):
            await store.rooms.load("123456")
    finally:
        await bus.close()
        await store.close()
