"""What only the memory adapter promises: it never waits."""

from __future__ import annotations

from typing import Any

from thaw.bus.envelope import Envelope
from thaw.domain import game
from thaw.domain.model import Room

from tests.contract.conftest import Backend, make_room, transition
from tests.contract.scenario import joined, start


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
