"""The rooms role: create, load, compare-and-set commit, views and sequence numbers,
and what a transition loads. Every scenario runs against memory and Redis."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from typing import Any

import pytest
from thaw.bus.envelope import Envelope, dumps
from thaw.domain import game, nicknames
from thaw.domain.model import Phase
from thaw.rooms.frames import screen_frames

from tests.contract.conftest import Backend, make_room, transition, until
from tests.contract.scenario import first_revealed, joined, load_replies, start
from tests.domain import factories
from tests.domain.factories import T


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
