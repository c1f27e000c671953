"""The answer path: recorded, graded, timed on the store's clock, refused with the
contract's codes, and paced (pause, added time), against memory and Redis."""

from __future__ import annotations

import asyncio
from typing import Any

from thaw.bus.envelope import Envelope
from thaw.domain import game
from thaw.domain.errors import GameError
from thaw.domain.model import Phase
from thaw.rooms.frames import screen_frames

from tests.contract.conftest import Backend, make_room, transition
from tests.contract.scenario import join, joined, refused, start
from tests.domain import factories
from tests.domain.factories import T


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
