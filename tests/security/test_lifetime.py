"""A finished room lives for the results TTL from the moment it finished: players who
resume now and then cannot keep it (and its nicknames and answers) alive for ever.

Run against both stores with a one-second results TTL: a real server's TTL is at
least a minute, too long for a test, and the rule lives in the stores.
"""

from __future__ import annotations

import asyncio
import secrets

import pytest
from thaw.backends import open_backends
from thaw.content import load_decks
from thaw.rooms.service import Service

from tests.integration.test_multi_instance import _shared_redis_url

from .procs import DECKS


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_resuming_does_not_extend_a_finished_room(kind: str) -> None:
    url = _shared_redis_url() if kind == "redis" else None
    store, bus = open_backends(url, room_ttl_s=60, results_ttl_s=1, prefix=f"t{secrets.token_hex(4)}")
    await store.start()
    await bus.start()
    try:
        service = Service(store, load_decks([DECKS]))
        code = (await service.create_room("attack", service.parse_options(None))).code
        player, _ = await service.join(code, "Ana")
        await service.host_command(code, {"type": "end"})
        loop = asyncio.get_running_loop()
        finished = loop.time()
        # A player reconnects every 200 ms: each one writes to the room, as a resume does.
        while await store.rooms.exists(code):
            assert loop.time() - finished < 3, "the finished room outlived its results TTL"
            await service.presence(code, player.id, secrets.token_hex(4), True)
            await asyncio.sleep(0.1)
            await service.presence(code, player.id, secrets.token_hex(4), False)
            await asyncio.sleep(0.1)
        assert loop.time() - finished >= 0.8
    finally:
        await bus.close()
        await store.close()
