"""The Store contract: every scenario runs against memory and Redis."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import random
from collections.abc import Iterator
from typing import Any

import pytest
from thaw.bus.envelope import Envelope, dumps
from thaw.domain import game, nicknames
from thaw.domain.errors import GameError
from thaw.domain.model import Phase, Player, Room
from thaw.rooms.frames import screen_frames
from thaw.store.base import Store

from tests.contract.conftest import RESULTS_TTL_S, ROOM_TTL_S, Backend, make_room, transition, until
from tests.domain import factories
from tests.domain.factories import T


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


# -- rooms ------------------------------------------------------------------------------


async def test_create_then_load_gives_back_the_room(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store, streak_bonus=False, max_players=30, opaque_ids=True)
    assert any(room.ids)
    loaded = await store.rooms.load(room.code)
    assert loaded is not None
    back, now = loaded
    assert now >= room.created_at
    assert back.code == room.code
    assert back.deck == room.deck
    assert back.layouts == room.layouts
    assert back.ids == room.ids
    assert back.options == room.options
    assert back.host_token_hash == "host-hash"
    assert (back.phase, back.index, back.version, back.players) == (Phase.LOBBY, -1, 0, {})
    assert await store.rooms.exists(room.code)
    assert not await store.rooms.exists("999999") or room.code == "999999"
    assert await store.rooms.load("000000") is None
    info = await store.rooms.info(room.code)
    assert info is not None
    assert (info["phase"], info["players"], info["deck"], info["locked"]) == ("lobby", 0, "test-deck", False)


async def test_create_refuses_a_code_in_use(backend: Backend) -> None:
    room = await make_room(backend.store)
    assert await backend.store.rooms.create(room) is False


async def test_a_rooms_images_are_kept_with_it(backend: Backend) -> None:
    room = await make_room(backend.store)
    image = bytes(range(256)) * 40  # binary, not text
    await backend.store.media.put(room.code, {"a" * 32 + ".png": image})
    other = backend.other_store()
    assert await other.media.get(room.code, "a" * 32 + ".png") == image
    assert await other.media.get(room.code, "b" * 32 + ".png") is None
    assert await other.media.get("999999" if room.code != "999999" else "888888", "a" * 32 + ".png") is None


async def test_commit_is_compare_and_set_and_one_of_two_racers_wins(backend: Backend) -> None:
    store = backend.store
    other = backend.other_store()
    room = await make_room(store)
    first = await store.rooms.load(room.code)
    second = await other.rooms.load(room.code)
    assert first is not None and second is not None
    # two processes hold two copies (the memory store hands out its live room)
    a, now = copy.deepcopy(first)
    b, _ = copy.deepcopy(second)
    game.lock(a, True)
    game.start(b, now)
    results = await asyncio.gather(
        store.rooms.commit(a, 0, Envelope(lobby=True), None),
        other.rooms.commit(b, 0, Envelope(frames=screen_frames(b)), screen_frames(b)),
    )
    assert sorted(results) == [False, True]
    loaded = await store.rooms.load(room.code)
    assert loaded is not None
    stored = loaded[0]
    assert stored.version == 1
    # exactly the winner's change is kept, nothing of the loser's
    assert (stored.locked, stored.phase) == ((True, Phase.LOBBY) if results[0] else (False, Phase.QUESTION))
    # a commit from a stale version changes nothing
    game.end(a)
    assert await store.rooms.commit(a, 0, Envelope(), None) is False


async def first_revealed(store: Store) -> tuple[Room, str, str]:
    """Two choice questions; Alice right and Bob wrong on the first, now revealed."""
    room = await make_room(store, factories.choice(), factories.choice())
    alice, bob = await joined(store, room.code, "Alice", "Bob")
    await start(store, room.code)
    await store.answers.record(room.code, alice, 0, 1)
    await store.answers.record(room.code, bob, 0, 0)
    await transition(store, room.code, lambda r, now: game.close(r))
    return room, alice, bob


async def test_commit_keeps_scores_and_results(backend: Backend) -> None:
    store = backend.store
    room, alice, bob = await first_revealed(store)
    loaded = await store.rooms.load(room.code)
    assert loaded is not None
    back = loaded[0]
    assert back.phase is Phase.REVEAL
    a, b = back.players[alice], back.players[bob]
    assert a.score > 900 and a.streak == 1 and a.correct_count == 1
    assert a.results[-1].correct is True and a.results[-1].rank == 1
    assert (b.score, b.streak, b.results[-1].correct, b.results[-1].rank) == (0, 0, False, 2)
    assert a.connected and b.connected
    assert set(back.answers[0]) == {alice, bob}


async def test_transitions_need_only_the_current_answers_and_reports_get_them_all(backend: Backend) -> None:
    store = backend.store
    room, alice, bob = await first_revealed(store)
    await transition(store, room.code, game.advance)  # scoreboard
    await transition(store, room.code, game.advance)  # question 1
    await store.answers.record(room.code, bob, 1, 1)
    current = await store.rooms.load(room.code, history=False)
    assert current is not None
    now_room = current[0]
    assert now_room.index == 1 and set(now_room.answers[1]) == {bob}
    assert now_room.players[alice].score > 0 and len(now_room.players[alice].results) == 1
    await transition(store, room.code, lambda r, now: game.close(r))
    full = await store.rooms.load(room.code)
    assert full is not None
    back = full[0]
    assert set(back.answers[0]) == {alice, bob} and set(back.answers[1]) == {bob}
    a, b = back.players[alice], back.players[bob]
    assert [(r.correct, r.answered) for r in a.results] == [(True, True), (False, False)]
    assert [r.correct for r in b.results] == [False, True] and b.score > 0 and b.correct_count == 1
    assert a.score == a.results[0].score  # nothing for a question not answered


# -- joining ----------------------------------------------------------------------------


async def test_join_assigns_order_and_first_index(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store)
    ann = await join(store, room.code, "Ann")
    ben = await join(store, room.code, "Ben")
    assert (ann.joined, ann.first_index, ben.joined, ben.first_index) == (0, 0, 1, 0)
    await start(store, room.code)
    late = await join(store, room.code, "Late")
    assert (late.joined, late.first_index) == (2, 1)
    await transition(store, room.code, lambda r, now: game.close(r))
    later = await join(store, room.code, "Later")
    assert later.first_index == 1
    loaded = await store.rooms.load(room.code)
    assert loaded is not None
    assert [p.nickname for p in loaded[0].active_players()] == ["Ann", "Ben", "Late", "Later"]
    assert loaded[0].nick_index[nicknames.fold("Late")] == late.id


async def test_join_refusals(backend: Backend) -> None:
    """Each store refuses with the code and the text the rules give (the same on both)."""
    store = backend.store
    room = await make_room(store, max_players=2)
    await join(store, room.code, "Straße")
    await refused(GameError.of("nickname_taken", nickname="STRASSE"), join(store, room.code, "STRASSE", pid="p-other"))
    await refused(GameError.of("bad_message.player_id"), join(store, room.code, "Other", pid="p-straße"))
    await join(store, room.code, "Zoë")
    await refused(GameError.of("room_full", max=2), join(store, room.code, "Third"))
    await refused(GameError.of("room_not_found", room="000000"), join(store, "000000", "Nobody"))

    room = await make_room(store)
    await join(store, room.code, "Early")
    await transition(store, room.code, lambda r, now: game.lock(r, True))
    await refused(GameError.of("room_locked"), join(store, room.code, "Blocked"))
    await transition(store, room.code, lambda r, now: game.lock(r, False))
    await join(store, room.code, "Welcome")
    await transition(store, room.code, lambda r, now: game.end(r))
    await refused(GameError.of("room_locked.finished"), join(store, room.code, "TooLate"))


async def test_kick_frees_the_nickname_and_the_seat(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store, max_players=1)
    pid = (await join(store, room.code, "Rex")).id
    await transition(store, room.code, lambda r, now: game.kick(r, pid, now))
    again = await join(store, room.code, "rex", pid="p-rex-2")
    assert again.joined == 1
    await refused("kicked", store.players.rename(room.code, pid, "Other", "other"))
    found = await store.players.by_token(room.code, f"hash-{pid}")
    assert found is not None and found.kicked


async def test_rename(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store)
    ann = await join(store, room.code, "Ann")
    await join(store, room.code, "Ben")
    await refused(GameError.of("nickname_taken", nickname="BEN"), store.players.rename(room.code, ann.id, "BEN", "ben"))
    await refused(GameError.of("not_player"), store.players.rename(room.code, "nobody", "Zed", "zed"))
    for name in ("Cat", "Dog", "Eel"):
        await store.players.rename(room.code, ann.id, name, nicknames.fold(name))
    too_many = GameError.of("rate_limited.rerolls", max=game.MAX_REROLLS)
    await refused(too_many, store.players.rename(room.code, ann.id, "Fox", "fox"))
    await join(store, room.code, "Ann", pid="p-ann-2")  # the old name is free again
    await refused("nickname_taken", join(store, room.code, "eel", pid="p-x"))
    loaded = await store.rooms.load(room.code)
    assert loaded is not None
    assert loaded[0].players[ann.id].nickname == "Eel"
    assert loaded[0].players[ann.id].rerolls == 3
    await start(store, room.code)
    await refused(GameError.of("wrong_phase.rename"), store.players.rename(room.code, "p-ann-2", "Gnu", "gnu"))


async def test_player_by_token(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store)
    ann = await join(store, room.code, "Ann")
    found = await store.players.by_token(room.code, "hash-p-ann")
    assert found is not None
    assert (found.id, found.nickname, found.connected) == (ann.id, "Ann", False)
    await store.players.set_presence(room.code, ann.id, "c1", True)
    found = await store.players.by_token(room.code, "hash-p-ann")
    assert found is not None and found.connected
    assert await store.players.by_token(room.code, "hash-nobody") is None
    assert await store.players.by_token("000000", "hash-p-ann") is None


# -- answers -----------------------------------------------------------------------------


async def test_answer_is_recorded_graded_and_timed_on_the_store_clock(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store, factories.choice(), factories.number())
    (ann,) = await joined(store, room.code, "Ann")
    await start(store, room.code, opened_ago_ms=1500)
    outcome = await store.answers.record(room.code, ann, 0, 1)
    assert (outcome.answered, outcome.all_answered) == (1, True)
    loaded = await store.rooms.load(room.code)
    assert loaded is not None
    answer = loaded[0].answers[0][ann]
    assert answer.value == 1 and answer.correct is True
    assert 1500 <= answer.t < 1500 + 2000


async def test_answer_refusals_carry_the_contract_codes(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store, factories.choice(), factories.choice())
    code = room.code
    ann, ben, cat = await joined(store, code, "Ann", "Ben", "Cat")
    await refused("wrong_phase", store.answers.record(code, ann, 0, 1))
    await start(store, code)
    late = (await join(store, code, "Late")).id
    await refused("not_player", store.answers.record(code, "nobody", 0, 1))
    await refused("wrong_question", store.answers.record(code, ann, 1, 1))
    await refused("wrong_question", store.answers.record(code, ann, 7, 1))
    await refused("too_late", store.answers.record(code, late, 0, 1))
    await refused("invalid_answer", store.answers.record(code, ann, 0, 99))
    await refused("invalid_answer", store.answers.record(code, ann, 0, "one"))
    await store.answers.record(code, ann, 0, 1)
    await refused("already_answered", store.answers.record(code, ann, 0, 2))
    await refused("already_answered", store.answers.record(code, ann, 0, "bad"))
    await transition(store, code, lambda r, now: game.kick(r, ben, now))
    await refused("kicked", store.answers.record(code, ben, 0, 1))
    await refused("room_not_found", store.answers.record("000000", cat, 0, 1))
    await transition(store, code, lambda r, now: game.close(r))
    await refused("wrong_phase", store.answers.record(code, cat, 0, 1))
    await refused("wrong_phase", store.answers.record(code, cat, 0, "bad"))


async def test_answer_after_the_deadline_is_too_late(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store, factories.choice())
    (ann,) = await joined(store, room.code, "Ann")
    await start(store, room.code, opened_ago_ms=T + 50)
    await refused("too_late", store.answers.record(room.code, ann, 0, 1))


async def test_fifty_concurrent_answers_each_count_exactly_once(backend: Backend) -> None:
    """50 players, each answering twice at once through different clients."""
    store = backend.store
    room = await make_room(store, factories.choice())
    code = room.code
    ids = [f"p{i}" for i in range(50)]
    for pid in ids:
        await join(store, code, pid.upper(), pid=pid)
        await store.players.set_presence(code, pid, f"c-{pid}", True)
    await start(store, code)
    clients = [backend.other_store() for _ in range(10)]

    async def attempt(n: int, pid: str) -> Any:
        try:
            return await clients[n % len(clients)].answers.record(code, pid, 0, n % 2 + 1)
        except GameError as exc:
            return exc.code

    results = await asyncio.gather(*(attempt(n, pid) for n, pid in enumerate(ids + ids)))
    refusals = [r for r in results if isinstance(r, str)]
    outcomes = [r for r in results if not isinstance(r, str)]
    assert refusals == ["already_answered"] * 50
    assert sorted(o.answered for o in outcomes) == list(range(1, 51))
    assert [o.all_answered for o in outcomes].count(True) == 1
    loaded = await store.rooms.load(code)
    assert loaded is not None
    assert len(loaded[0].answers[0]) == 50


async def test_an_answer_racing_the_close_is_never_lost(backend: Backend) -> None:
    """A reveal computed before an answer landed must not be kept: the commit
    refuses, and the retry scores the answer."""
    store = backend.store
    room = await make_room(store, factories.choice())
    ann, _ben = await joined(store, room.code, "Ann", "Ben")
    await start(store, room.code)
    loaded = await store.rooms.load(room.code)
    assert loaded is not None
    stale, _ = loaded
    version = stale.version
    await store.answers.record(room.code, ann, 0, 1)
    game.close(stale)
    kept = await store.rooms.commit(stale, version, Envelope(frames=screen_frames(stale)), screen_frames(stale))
    if not kept:
        await transition(store, room.code, lambda r, now: game.close_question(r, 0))
    final = await store.rooms.load(room.code)
    assert final is not None
    assert final[0].phase is Phase.REVEAL
    assert final[0].players[ann].results[-1].answered is True
    assert final[0].players[ann].score > 0


# -- presence ----------------------------------------------------------------------------


async def test_presence_and_all_answered(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store, factories.choice(), factories.choice())
    code = room.code
    ann, ben, cat = await joined(store, code, "Ann", "Ben", "Cat")
    await store.players.set_presence(code, cat, "other-conn", True)  # Cat's newer connection
    assert await store.players.set_presence(code, cat, "conn-p-cat", False) is False  # the old one leaving
    await start(store, code)
    late = (await join(store, code, "Late")).id
    await store.players.set_presence(code, late, "conn-late", True)  # a late joiner is not waited for
    assert (await store.answers.record(code, ann, 0, 1)).all_answered is False
    assert (await store.answers.record(code, ben, 0, 1)).all_answered is False
    # Cat leaves: nobody connected is left to wait for
    assert await store.players.set_presence(code, cat, "other-conn", False) is True
    loaded = await store.rooms.load(code)
    assert loaded is not None
    assert loaded[0].players[cat].connected is False
    assert game.all_answered(loaded[0])
    # unknown players and rooms are no-ops
    assert await store.players.set_presence(code, "nobody", "c", True) is False
    assert await store.players.set_presence("000000", ann, "c", False) is False


async def test_nobody_connected_waits_for_the_deadline(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store, factories.choice())
    (ann,) = await joined(store, room.code, "Ann", connect=False)
    await start(store, room.code)
    assert (await store.answers.record(room.code, ann, 0, 1)).all_answered is False


# -- views and sequence numbers --------------------------------------------------------------


async def test_view_reflects_screen_personal_frames_and_seq(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store, factories.choice(), factories.choice())
    code = room.code
    ann, ben = await joined(store, code, "Ann", "Ben")  # 2 lobby publishes + 2 presence
    view = await store.rooms.view(code, None)
    assert view is not None
    assert (view.room.phase, view.screen, view.seq, view.player) == (Phase.LOBBY, [], 4, None)
    await start(store, code)
    await store.answers.record(code, ann, 0, 1)
    view = await store.rooms.view(code, ann)
    assert view is not None
    assert view.seq == 6
    assert view.player is not None and view.player.nickname == "Ann" and view.player.connected
    assert view.answer is not None and view.answer.value == 1
    assert view.room.phase is Phase.QUESTION and view.room.index == 0
    assert view.room.deadline - view.now <= T
    assert view.room.deck.questions[0].prompt == room.deck.questions[0].prompt
    assert view.room.layouts == room.layouts
    assert view.room.players[ann].id == ann
    assert len(view.screen) == 1 and '"type":"question"' in view.screen[0]
    ben_view = await store.rooms.view(code, ben)
    assert ben_view is not None and ben_view.answer is None

    loaded = await store.rooms.load(code)
    assert loaded is not None
    r, _ = loaded
    version = r.version
    game.close(r)
    frames = screen_frames(r)
    personal = {ann: [dumps({"type": "result", "who": "ann"})], ben: [dumps({"type": "result", "who": "ben"})]}
    assert await store.rooms.commit(r, version, Envelope(frames=frames, personal=personal), frames)
    view = await store.rooms.view(code, ben)
    assert view is not None
    assert (view.screen, view.personal, view.seq, view.answer) == (frames, personal[ben], 7, None)
    assert view.room.phase is Phase.REVEAL
    host = await store.rooms.view(code, None)
    assert host is not None and host.personal == [] and host.screen == frames
    assert await store.rooms.view("000000", None) is None


async def test_publish_without_change_gets_a_seq(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store)
    events: list[Envelope] = []
    backend.bus.subscribe(room.code, lambda code, env: events.append(env))
    await backend.subscribed(room.code)
    await store.rooms.publish(room.code, Envelope(replace=("p1", "c1")))
    await store.rooms.publish("000000", Envelope(resync=True))  # no room: nothing
    await until(lambda: len(events) == 1)
    assert (events[0].seq, events[0].replace) == (1, ("p1", "c1"))
    view = await store.rooms.view(room.code, None)
    assert view is not None and view.seq == 1


# -- timers -------------------------------------------------------------------------------------


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


# -- Redis only: key schema and TTLs -------------------------------------------------------------


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


# -- what a transition loads: players only when they changed --------------------------------


def _players(room: Any) -> dict[str, tuple[Any, ...]]:
    players = room.players.items()
    return {pid: (p.nickname, p.score, p.streak, p.kicked, p.connected, len(p.results)) for pid, p in players}


async def test_a_transition_load_sees_players_another_process_added_or_renamed(backend: Backend) -> None:
    store, other = backend.store, backend.other_store()
    room = await make_room(store)
    (ann,) = await joined(store, room.code, "Ann")
    assert await store.rooms.load(room.code, history=False) is not None  # this process now holds the players
    (ben,) = await joined(other, room.code, "Ben")
    await other.players.rename(room.code, ann, "Anya", nicknames.fold("Anya"))
    loaded = await store.rooms.load(room.code, history=False)
    assert loaded is not None
    players = loaded[0].players
    assert {pid: p.nickname for pid, p in players.items()} == {ann: "Anya", ben: "Ben"}
    assert set(loaded[0].nick_index) == {nicknames.fold("Anya"), nicknames.fold("Ben")}


async def test_a_transition_load_sees_who_connected_or_left_through_another_process(backend: Backend) -> None:
    store, other = backend.store, backend.other_store()
    room = await make_room(store)
    ann, ben = await joined(store, room.code, "Ann", "Ben")
    assert await store.rooms.load(room.code, history=False) is not None
    await other.players.set_presence(room.code, ann, f"conn-{ann}", False)
    loaded = await store.rooms.load(room.code, history=False)
    assert loaded is not None and {p: x.connected for p, x in loaded[0].players.items()} == {ann: False, ben: True}
    await other.players.set_presence(room.code, ann, "conn-again", True)
    await other.players.set_presence(room.code, ben, f"conn-{ben}", False)
    loaded = await store.rooms.load(room.code, history=False)
    assert loaded is not None and {p: x.connected for p, x in loaded[0].players.items()} == {ann: True, ben: False}


async def test_players_joining_between_a_load_and_its_commit_are_kept_and_seen_next(backend: Backend) -> None:
    store, other = backend.store, backend.other_store()
    room = await make_room(store, factories.choice())
    (ann,) = await joined(store, room.code, "Ann")
    loaded = await store.rooms.load(room.code, history=False)
    assert loaded is not None
    held, _ = loaded  # the memory store's live room; a copy of its own in Redis
    (ben,) = await joined(other, room.code, "Ben")  # after the load, before the commit
    game.lock(held, True)
    assert await store.rooms.commit(held, held.version, Envelope(lobby=True), None)
    again = await store.rooms.load(room.code, history=False)
    assert again is not None and set(again[0].players) == {ann, ben} and again[0].locked


async def test_a_transition_load_after_a_reveal_agrees_with_a_full_load_elsewhere(backend: Backend) -> None:
    store, other = backend.store, backend.other_store()
    room = await make_room(store, factories.choice(), factories.choice())
    ann, ben = await joined(store, room.code, "Ann", "Ben")
    for index in (0, 1):
        if index == 0:
            await start(store, room.code)
        else:
            await transition(store, room.code, lambda r, now: game.advance(r, now))
            await transition(store, room.code, lambda r, now: game.advance(r, now))
        await store.answers.record(room.code, ann, index, 1)
        await store.answers.record(room.code, ben, index, 0)
        await transition(store, room.code, lambda r, now, i=index: game.close_question(r, i))
        mine = await store.rooms.load(room.code, history=False)
        theirs = await other.rooms.load(room.code)
        assert mine is not None and theirs is not None
        assert _players(mine[0]) == _players(theirs[0])
        assert mine[0].players[ann].score > 0 and len(mine[0].players[ann].results) == index + 1


@pytest.mark.redis
async def test_unchanged_players_are_not_sent_again(redis_backend: Backend) -> None:
    """Two loads with no change between: the second reply carries no players."""
    store: Any = redis_backend.store
    room = await make_room(store)
    await joined(store, room.code, "Ann", "Ben")
    with load_replies(store) as replies:
        first = await store.rooms.load(room.code, history=False)
        second = await store.rooms.load(room.code, history=False)
        await joined(redis_backend.other_store(), room.code, "Cleo")
        third = await store.rooms.load(room.code, history=False)
    assert first is not None and second is not None and third is not None
    assert [(int(r[8]), int(r[9])) for r in replies] == [(0, 0), (1, 1), (0, 0)]
    assert not replies[1][3] and not replies[1][5] and _players(second[0]) == _players(first[0])
    assert len(third[0].players) == 3 and all(p.connected for p in third[0].players.values())


async def test_a_transition_load_after_another_process_revealed_has_every_result(backend: Backend) -> None:
    """The loading process held the players from before the reveal; the other one scored it."""
    store, other = backend.store, backend.other_store()
    room, alice, bob = await first_revealed(store)
    await transition(store, room.code, game.advance)  # scoreboard
    await transition(store, room.code, game.advance)  # question 1, committed (and so held) here
    await other.answers.record(room.code, alice, 1, 0)
    await transition(other, room.code, lambda r, now: game.close(r))
    mine = await store.rooms.load(room.code, history=False)
    full = await other.rooms.load(room.code)
    assert mine is not None and full is not None
    for pid in (alice, bob):
        assert mine[0].players[pid].results == full[0].players[pid].results
        assert [r.index for r in mine[0].players[pid].results] == [0, 1]
    assert mine[0].players[alice].score == full[0].players[alice].score > 0


@pytest.mark.redis
async def test_a_reparsed_player_keeps_the_results_parsed_before(redis_backend: Backend) -> None:
    """Results are appended and frozen: after a reveal only the new one is built.

    A player whose stored history does not continue the one held is parsed whole."""
    from thaw.store.redis.codec import player_from_json as _player_from_json
    from thaw.store.redis.codec import player_json as _player_json

    store, other = redis_backend.store, redis_backend.other_store()
    room, alice, _bob = await first_revealed(store)
    held = await store.rooms.load(room.code, history=False)
    assert held is not None
    first = held[0].players[alice].results[0]
    await transition(store, room.code, game.advance)
    await transition(store, room.code, game.advance)
    await transition(other, room.code, lambda r, now: game.close(r))  # question 1, revealed elsewhere
    again = await store.rooms.load(room.code, history=False)
    assert again is not None
    results = again[0].players[alice].results
    assert [r.index for r in results] == [0, 1] and results[0] is first

    player = again[0].players[alice]
    stranger = player.copy()
    stranger.results = [dataclasses.replace(results[0], score=results[0].score + 1)]
    parsed = _player_from_json(_player_json(player), True, stranger)
    assert parsed.results == player.results and parsed.results[0] is not stranger.results[0]


@pytest.mark.redis
async def test_a_transition_load_sends_answers_only_while_the_question_is_open(redis_backend: Backend) -> None:
    """A revealed question's answers (2,000 in a big room) are the report's, not the next transition's."""
    store: Any = redis_backend.store
    room, _alice, bob = await first_revealed(store)
    with load_replies(store) as replies:
        revealed = await store.rooms.load(room.code, history=False)
        await transition(store, room.code, game.advance)  # scoreboard
        await transition(store, room.code, game.advance)  # question 1
        await store.answers.record(room.code, bob, 1, 1)
        asking = await store.rooms.load(room.code, history=False)
    assert revealed is not None and asking is not None
    assert [len(reply[6]) for reply in replies] == [0, 0, 0, 2]  # reveal, scoreboard, question 1 open: bob's
    assert asking[0].answers == {1: asking[0].answers[1]} and set(asking[0].answers[1]) == {bob}
    full = await store.rooms.load(room.code)
    assert full is not None and len(full[0].answers[0]) == 2


def _close(room: Room, now: int) -> Any:
    return game.close(room)


def _at_once(coro: Any) -> Any:
    """Run a coroutine to its end in one step; fail if it ever has to wait."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise AssertionError("the store waited")


async def test_the_memory_store_never_waits(memory_backend: Backend) -> None:
    """On the memory adapters the wiring handles a socket's message inside its read
    callback (`Runtime.inline_messages`, transport/inbox.py): every operation must finish there."""
    store = memory_backend.store

    async def a_game() -> None:
        room = await make_room(store)
        code = room.code
        ada, bea = await joined(store, code, "Ada", "Bea")
        await start(store, code)
        loaded = await store.rooms.load(code)
        assert loaded is not None
        question = loaded[0].question
        assert question is not None
        value = 0 if question.options else "x"
        outcome = await store.answers.record(code, ada, 0, value)
        assert outcome.answered == 1 and not outcome.all_answered
        await store.players.set_presence(code, bea, f"conn-{bea}", False)
        await transition(store, code, _close)
        assert (await store.rooms.view(code, ada)) is not None
        assert await store.players.by_token(code, f"hash-{ada}") is not None
        await store.rooms.publish(code, Envelope(lobby=True))
        assert await store.lease.claim(code, "me", 1000)
        assert await store.rooms.info(code) is not None

    _at_once(a_game())


# -- pace -----------------------------------------------------------------------------------


async def test_a_paused_question_refuses_answers_and_its_pause_does_not_count(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store, factories.choice(), factories.choice())
    code = room.code
    ann, _ben = await joined(store, code, "Ann", "Ben")
    await start(store, code, opened_ago_ms=1000)
    paused = await transition(store, code, lambda r, now: game.pause(r, now))
    paused_at, opened_at = paused.paused_at, paused.opened_at  # (the memory store hands out its own room)
    assert paused_at is not None
    await refused("paused", store.answers.record(code, ann, 0, 1))
    await refused("paused", store.answers.record(code, ann, 0, "bad"))  # the rules' order: paused before the shape
    await refused("wrong_question", store.answers.record(code, ann, 1, 1))
    view = await store.rooms.view(code, ann)
    assert view is not None and view.room.paused_at == paused_at
    # A pause of 30 s, as far as the store's clock can tell: the resume moves the opening on.
    resumed = await transition(store, code, lambda r, now: game.resume(r, now + 30_000))
    assert resumed.paused_at is None and resumed.opened_at >= opened_at + 30_000
    await store.answers.record(code, ann, 0, 1)
    loaded = await store.rooms.load(code)
    assert loaded is not None
    assert loaded[0].answers[0][ann].t < 1000  # the answer came "before" the question had run 2 s


async def test_added_time_is_kept_and_lets_an_answer_in_after_the_decks_limit(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store, factories.choice())
    code = room.code
    (ann,) = await joined(store, code, "Ann")
    await start(store, code, opened_ago_ms=T + 50)
    await refused("too_late", store.answers.record(code, ann, 0, 1))
    # Time up but not yet closed: the host's add_time is refused; opened later, it is taken.
    room2 = await make_room(store, factories.choice())
    (ben,) = await joined(store, room2.code, "Ben")
    await start(store, room2.code, opened_ago_ms=T - 2000)
    grown = await transition(store, room2.code, lambda r, now: game.add_time(r, 4000, now))
    assert (grown.added_ms, game.time_limit(grown)) == (4000, T + 4000)
    await asyncio.sleep(2.2)
    await store.answers.record(room2.code, ben, 0, 1)
    loaded = await store.rooms.load(room2.code)
    assert loaded is not None
    assert loaded[0].added_ms == 4000 and T < loaded[0].answers[0][ben].t <= T + 4000


async def test_a_paused_question_is_not_listed_for_the_timers(backend: Backend) -> None:
    store = backend.store
    room = await make_room(store, factories.choice())
    await joined(store, room.code, "Ann")
    opened = await start(store, room.code)
    deadline = opened.deadline

    async def listed() -> list[tuple[str, int, int]]:
        return [d for d in await store.lease.open_deadlines() if d[0] == room.code]

    assert await listed() == [(room.code, 0, deadline)]
    await transition(store, room.code, lambda r, now: game.pause(r, now))
    assert await listed() == []
    resumed = await transition(store, room.code, lambda r, now: game.resume(r, now + 5000))
    assert await listed() == [(room.code, 0, resumed.deadline)]
    assert resumed.deadline >= deadline + 5000
