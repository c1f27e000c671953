"""The media role: a room's images live as long as the room, on either store."""

from __future__ import annotations

from tests.contract.conftest import Backend, make_room


async def test_a_rooms_images_are_kept_with_it(backend: Backend) -> None:
    room = await make_room(backend.store)
    image = bytes(range(256)) * 40  # binary, not text
    await backend.store.media.put(room.code, {"a" * 32 + ".png": image})
    other = backend.other_store()
    assert await other.media.get(room.code, "a" * 32 + ".png") == image
    assert await other.media.get(room.code, "b" * 32 + ".png") is None
    assert await other.media.get("999999" if room.code != "999999" else "888888", "a" * 32 + ".png") is None
