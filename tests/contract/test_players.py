"""The players role: join, rename, tokens and presence, against memory and Redis."""

from __future__ import annotations

from thaw.domain import game, nicknames
from thaw.domain.errors import GameError

from tests.contract.conftest import Backend, make_room, transition
from tests.contract.scenario import join, joined, refused, start
from tests.domain import factories


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
