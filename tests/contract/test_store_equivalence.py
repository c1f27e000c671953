"""The same command sequences through the memory and the Redis store give the same outcomes.

Grading and scoring are decided once, in Python; what stays in Lua is the atomic
acceptance of an answer (phase, question, pause, deadline, first answer) and its
bookkeeping. Hypothesis drives joins and renames in the lobby, then host commands
(pace and lock included), answers of every shape, late joins, renames and presence
changes through both stores, the way the service does, and requires identical
refusals (code and text), counts and final rooms.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from thaw.backends import open_backends
from thaw.domain import game, nicknames
from thaw.domain.errors import GameError
from thaw.domain.model import Player
from thaw.store.base import Store

from tests.contract.conftest import _delete_prefix, make_room, transition
from tests.contract.scenario import joined
from tests.domain import factories

pytestmark = pytest.mark.redis

PLAYERS = ("p-ann", "p-ben", "p-cat")
NEWCOMERS = ("p-dee", "p-eve")
EVERYONE = (*PLAYERS, *NEWCOMERS, "p-nobody")
QUESTIONS = (factories.choice((1,)), factories.multi((0, 2)), factories.choice((0, 3)))
MAX_PLAYERS = 5  # the three who start plus two: a third newcomer finds the room full
NAMES = ("Dee", "Eve", "Fay", "ANN", "eve", "Gus")  # "ANN" and "eve" fold to a name in use

# Mostly well-formed (an answer that is taken changes what follows), some of every other shape.
values = st.one_of(
    st.integers(0, 3),
    st.lists(st.integers(0, 3), min_size=1, max_size=3, unique=True),
    st.integers(-1, 4),
    st.lists(st.integers(-1, 4), max_size=4),
    st.sampled_from(["x", None, True, 1.5, [0, 0]]),
)
answers = st.tuples(st.just("answer"), st.sampled_from(EVERYONE), st.sampled_from([0, 1, 2, -1, 3]), values)
good_answers = st.tuples(
    st.just("answer"), st.sampled_from(PLAYERS), st.sampled_from([0, 1]), st.sampled_from([1, [0, 2], [0], 3])
)
# A join may reuse a player id (refused), a name in use (refused), or find the room full, locked or over.
joins = st.tuples(st.just("join"), st.sampled_from(NAMES), st.sampled_from((*NEWCOMERS, "p-ann", "p-fay", "p-gus")))
# More renames than a player may make, to names free and taken, by players and strangers.
new_names = st.sampled_from((*NAMES, "Hal", "Ivy", "Jo"))
renames = st.tuples(st.just("rename"), st.sampled_from(EVERYONE), new_names)
rerolls = st.tuples(st.just("rename"), st.sampled_from(("p-ann", "p-ann", "p-ann", "p-dee", "p-nobody")), new_names)
locks = st.tuples(st.just("lock"), st.booleans())
lobby_commands = st.lists(st.one_of(joins, rerolls, rerolls, locks), max_size=12)
commands = st.lists(
    st.one_of(  # each branch about equally likely: answers and pace commands are most of it
        answers,
        good_answers,
        good_answers,
        joins,
        renames,
        locks,
        st.just(("pause",)),
        st.just(("pause",)),
        st.just(("resume",)),
        st.just(("resume",)),
        st.sampled_from([("next",), ("next",), ("close",), ("close",), ("end",)]),
        st.tuples(st.just("add_time"), st.sampled_from([1, 1000, 60_000])),
        st.tuples(st.just("kick"), st.sampled_from(PLAYERS)),
        st.tuples(st.just("presence"), st.sampled_from(PLAYERS), st.booleans()),
    ),
    min_size=8,
    max_size=30,
)

RULES: dict[str, Any] = {
    "pause": game.pause,
    "resume": game.resume,
    "next": game.advance,
    "close": lambda room, now: game.close(room),
    "end": lambda room, now: game.end(room),
}


def _refusal(exc: GameError) -> tuple[str, str]:
    """What a client is told: the code it switches on and the text beside it."""
    return exc.code, exc.message


async def _rule(store: Store, code: str, rule: Any) -> Any:
    try:
        await transition(store, code, rule)
    except GameError as exc:
        return _refusal(exc)
    return "ok"


async def _player_step(store: Store, code: str, step: tuple[Any, ...]) -> Any:
    """A join or a rename, as the service sends it to the store."""
    try:
        if step[0] == "join":
            _, nickname, pid = step
            player = Player(id=pid, nickname=nickname, token_hash=f"hash-{pid}-{nickname}", joined=-1)
            await store.players.join(code, player, nicknames.fold(nickname))
            return "joined", player.joined, player.first_index
        _, pid, nickname = step
        await store.players.rename(code, pid, nickname, nicknames.fold(nickname))
    except GameError as exc:
        return _refusal(exc)
    return "ok"


async def _step(store: Store, code: str, step: tuple[Any, ...]) -> Any:
    """One command's outcome, with the close that the service would make next folded in."""
    name = step[0]
    if name == "answer":
        _, pid, index, value = step
        try:
            outcome = await store.answers.record(code, pid, index, value)
        except GameError as exc:
            return _refusal(exc)
        closed = None
        if outcome.all_answered:  # what the service does next
            closed = await _rule(store, code, lambda r, now, i=index: game.close_question(r, i))
        return outcome.answered, outcome.all_answered, closed
    if name == "presence":
        _, pid, connected = step
        closes = await store.players.set_presence(code, pid, f"conn-{pid}", connected)
        closed = await _rule(store, code, lambda r, now: game.close_question(r, r.index)) if closes else None
        return "presence", closes, closed
    if name in ("join", "rename"):
        return await _player_step(store, code, step)
    if name == "add_time":
        return await _rule(store, code, lambda r, now, ms=step[1]: game.add_time(r, ms, now))
    if name == "lock":
        return await _rule(store, code, lambda r, now, on=step[1]: game.lock(r, on))
    if name == "kick":
        return await _rule(store, code, lambda r, now, pid=step[1]: game.kick(r, pid, now))
    return await _rule(store, code, RULES[name])


async def _play(
    store: Store, lobby: list[tuple[Any, ...]], steps: list[tuple[Any, ...]]
) -> tuple[list[Any], dict[str, Any]]:
    room = await make_room(store, *QUESTIONS, opaque_ids=True, max_players=MAX_PLAYERS)
    code = room.code
    await joined(store, code, "Ann", "Ben", "Cat")
    outcomes = [await _step(store, code, step) for step in lobby]
    await transition(store, code, lambda r, now: game.start(r, now))
    outcomes += [await _step(store, code, step) for step in steps]
    loaded = await store.rooms.load(code)
    assert loaded is not None
    final = loaded[0]
    state = {
        "phase": final.phase,
        "index": final.index,
        "paused": final.paused_at is not None,
        "added": final.added_ms,
        "answers": {i: {pid: (a.value, a.correct) for pid, a in sorted(given.items())}
                    for i, given in sorted(final.answers.items()) if given},
        # points depend on each store's clock; everything else about a result may not
        "players": {p.id: (p.nickname, p.rerolls, p.joined, p.first_index, p.kicked, p.streak, p.correct_count,
                           [(r.index, r.correct, r.bonus, r.streak, r.answered) for r in p.results])
                    for p in final.players.values()},
    }
    for p in final.players.values():
        for r in p.results:
            q = final.deck.questions[r.index]
            given = final.answers.get(r.index, {}).get(p.id)
            if given is None or q.kind.value == "poll":
                assert r.points == 0
            else:
                assert 0 <= r.points <= q.points
    return outcomes, state


async def _both(url: str, lobby: list[tuple[Any, ...]], steps: list[tuple[Any, ...]]) -> None:
    memory, _bus = open_backends(None)
    prefix = f"t{secrets.token_hex(5)}"
    redis, _rbus = open_backends(url, prefix=prefix, max_connections=4)
    await memory.start()
    await redis.start()
    try:
        in_memory = await _play(memory, lobby, steps)
        in_redis = await _play(redis, lobby, steps)
    finally:
        await redis.close()
        await memory.close()
        await _delete_prefix(url, prefix)
    event(f"steps~{len(steps) // 5 * 5}")
    for step, outcome in zip([*lobby, *steps], in_memory[0], strict=True):
        refused = isinstance(outcome, tuple) and len(outcome) == 2  # (code, text)
        event(f"{step[0]} -> {outcome[0] if refused else outcome if isinstance(outcome, str) else 'taken'}")
    assert in_memory == in_redis


@settings(max_examples=50, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lobby=lobby_commands, steps=commands)
@example(lobby=[("join", "Dee", "p-dee"), ("join", "ANN", "p-x"), ("join", "Eve", "p-dee"), ("rename", "p-ann", "Fay"),
                ("rename", "p-ann", "Gus"), ("rename", "p-ann", "Hal"), ("rename", "p-ann", "Ivy"),
                ("rename", "p-nobody", "Jo"), ("lock", True), ("join", "Jo", "p-gus"), ("lock", False)],
         steps=[("join", "Eve", "p-eve"), ("join", "Fay", "p-fay"), ("answer", "p-eve", 0, 1),
                ("answer", "p-ann", 1, 1), ("pause",), ("answer", "p-ben", 0, 1), ("resume",), ("kick", "p-cat"),
                ("rename", "p-cat", "Jo"), ("rename", "p-ben", "Jo"), ("end",), ("join", "Jo", "p-gus")])
@example(lobby=[],
         steps=[("pause",), ("answer", "p-ann", 0, 1), ("add_time", 1000), ("answer", "p-ben", 0, "x"), ("resume",),
                ("answer", "p-ann", 0, 1), ("resume",), ("answer", "p-ann", 0, 2), ("kick", "p-cat"),
                ("answer", "p-ben", 0, 0), ("next",), ("next",), ("answer", "p-ann", 1, [0, 1]), ("pause",),
                ("presence", "p-ben", False), ("answer", "p-ben", 1, [0, 2]), ("resume",),
                ("answer", "p-ben", 1, [2, 0])])
def test_memory_and_redis_agree_on_every_command_sequence(
    redis_url: str, lobby: list[tuple[Any, ...]], steps: list[tuple[Any, ...]]
) -> None:
    asyncio.run(_both(redis_url, lobby, steps))
