"""The Bus contract: what a listener hears, in what order, and after a lost connection."""

from __future__ import annotations

import asyncio

import pytest
from thaw.bus.envelope import Envelope
from thaw.domain import game, nicknames
from thaw.domain.model import Player

from tests.contract.conftest import Backend, make_room, transition, until
from tests.domain import factories


async def join(backend: Backend, code: str, nickname: str) -> str:
    pid = f"p-{nickname.lower()}"
    player = Player(id=pid, nickname=nickname, token_hash=f"hash-{pid}", joined=-1)
    await backend.store.players.join(code, player, nicknames.fold(nickname))
    return pid


async def test_listeners_hear_every_event_in_order_with_consecutive_seqs(backend: Backend) -> None:
    store, bus = backend.store, backend.bus
    room = await make_room(store, factories.choice())
    heard: list[tuple[str, Envelope]] = []
    bus.subscribe(room.code, lambda code, env: heard.append((code, env)))
    await backend.subscribed(room.code)
    ann = await join(backend, room.code, "Ann")  # 1: lobby
    await store.players.set_presence(room.code, ann, "c1", True)  # 2: lobby
    await transition(store, room.code, lambda r, now: game.start(r, now))  # 3: question
    await store.answers.record(room.code, ann, 0, 1)  # 4: answers progress
    await store.rooms.publish(room.code, Envelope(kick=["p-x"]))  # 5
    await until(lambda: len(heard) == 5)
    assert [code for code, _ in heard] == [room.code] * 5
    envs = [env for _, env in heard]
    assert [env.seq for env in envs] == [1, 2, 3, 4, 5]
    assert envs[0].lobby and envs[1].lobby
    assert '"type":"question"' in envs[2].frames[0]
    assert envs[3].progress == (0, 1, 1)
    assert envs[4].kick == ["p-x"]


async def test_hosts_hear_the_final_answer_count_however_the_store_coalesces(backend: Backend) -> None:
    store, bus = backend.store, backend.bus
    room = await make_room(store, factories.choice())
    ids = [await join(backend, room.code, f"P{i}") for i in range(40)]
    for pid in ids:
        await store.players.set_presence(room.code, pid, f"c-{pid}", True)
    await transition(store, room.code, lambda r, now: game.start(r, now))
    counts: list[tuple[int, int, int]] = []
    bus.subscribe(room.code, lambda code, env: counts.append(env.progress) if env.progress else None)
    await backend.subscribed(room.code)
    await asyncio.gather(*(store.answers.record(room.code, pid, 0, 1) for pid in ids[:-1]))  # all but one answer
    await until(lambda: bool(counts) and counts[-1] == (0, 39, 40), timeout=2.0)
    assert [answered for _, answered, _ in counts] == sorted(answered for _, answered, _ in counts)
    if backend.store.kind == "redis":  # one PUBLISH per interval, not one per answer
        assert len(counts) <= 5, counts


async def test_many_events_keep_their_order(backend: Backend) -> None:
    store, bus = backend.store, backend.bus
    room = await make_room(store)
    seqs: list[int] = []
    bus.subscribe(room.code, lambda code, env: seqs.append(env.seq))
    await backend.subscribed(room.code)
    await asyncio.gather(*(store.rooms.publish(room.code, Envelope(resync=True)) for _ in range(200)))
    await until(lambda: len(seqs) == 200)
    assert seqs == list(range(1, 201))


async def test_only_subscribed_rooms_are_heard_and_unsubscribe_stops_delivery(backend: Backend) -> None:
    store, bus = backend.store, backend.bus
    mine = await make_room(store)
    other = await make_room(store)
    first: list[int] = []
    second: list[int] = []

    def one(code: str, env: Envelope) -> None:
        first.append(env.seq)

    def two(code: str, env: Envelope) -> None:
        second.append(env.seq)

    bus.subscribe(mine.code, one)
    bus.subscribe(mine.code, two)
    await backend.subscribed(mine.code)
    await store.rooms.publish(other.code, Envelope(lobby=True))
    await store.rooms.publish(mine.code, Envelope(lobby=True))
    await until(lambda: len(first) == 1 and len(second) == 1)
    bus.unsubscribe(mine.code, one)
    await store.rooms.publish(mine.code, Envelope(lobby=True))
    await until(lambda: len(second) == 2)
    bus.unsubscribe(mine.code, two)
    bus.unsubscribe(mine.code, two)  # twice is harmless
    await store.rooms.publish(mine.code, Envelope(lobby=True))
    await asyncio.sleep(0.1)
    assert (first, second) == ([1], [1, 2])
    # and subscribing again works
    bus.subscribe(mine.code, one)
    await backend.subscribed(mine.code)
    await store.rooms.publish(mine.code, Envelope(lobby=True))
    await until(lambda: first == [1, 4])


async def test_a_failing_listener_does_not_starve_the_others(backend: Backend) -> None:
    store, bus = backend.store, backend.bus
    room = await make_room(store)
    heard: list[int] = []

    def broken(code: str, env: Envelope) -> None:
        raise RuntimeError("boom")

    bus.subscribe(room.code, broken)
    bus.subscribe(room.code, lambda code, env: heard.append(env.seq))
    await backend.subscribed(room.code)
    await store.rooms.publish(room.code, Envelope(lobby=True))
    await store.rooms.publish(room.code, Envelope(lobby=True))
    await until(lambda: heard == [1, 2])
    assert await bus.ping()


async def test_every_process_hears_a_room_event_once(backend: Backend) -> None:
    """Two buses (two processes): one PUBLISH reaches both, each exactly once."""
    store = backend.store
    room = await make_room(store)
    other_bus = await backend.other_bus()
    a: list[int] = []
    b: list[int] = []
    backend.bus.subscribe(room.code, lambda code, env: a.append(env.seq))
    other_bus.subscribe(room.code, lambda code, env: b.append(env.seq))
    await backend.subscribed(room.code)
    await backend.subscribed(room.code, other_bus)
    await backend.other_store().rooms.publish(room.code, Envelope(lobby=True))
    await until(lambda: a == [1] and b == [1])
    await asyncio.sleep(0.05)
    assert a == [1] and b == [1]


@pytest.mark.redis
async def test_the_bus_survives_a_killed_pubsub_connection(redis_backend: Backend) -> None:
    """CLIENT KILL of our pub/sub connection: the bus reconnects, resubscribes,
    calls on_resync, and later events arrive again."""
    from redis.asyncio import Redis
    from thaw.bus.redis import RedisBus

    store, bus = redis_backend.store, redis_backend.bus
    assert isinstance(bus, RedisBus)
    room = await make_room(store)
    heard: list[int] = []
    resyncs: list[int] = []

    async def resync() -> None:
        resyncs.append(len(heard))

    bus.on_resync(resync)
    bus.subscribe(room.code, lambda code, env: heard.append(env.seq))
    await bus.wait_subscribed(room.code)
    await store.rooms.publish(room.code, Envelope(lobby=True))
    await until(lambda: heard == [1])
    assert await bus.ping()
    connections = bus.connections

    address = bus.pubsub_address()
    assert address is not None
    admin = Redis.from_url(redis_backend.url)
    try:
        killed = await admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub", "ADDR", address)
        assert killed == 1
    finally:
        await admin.aclose()

    await until(lambda: len(resyncs) == 1)
    assert bus.connections == connections + 1
    assert await bus.ping()
    await store.rooms.publish(room.code, Envelope(lobby=True))
    await until(lambda: heard[-1:] == [2])
    # a room subscribed after the reconnect works too
    later = await make_room(store)
    more: list[int] = []
    bus.subscribe(later.code, lambda code, env: more.append(env.seq))
    await bus.wait_subscribed(later.code)
    await store.rooms.publish(later.code, Envelope(lobby=True))
    await until(lambda: more == [1])
    assert len(resyncs) == 1


async def test_a_bus_without_redis_says_so_and_closes_cleanly() -> None:
    from redis.asyncio import Redis
    from thaw.bus.redis import RedisBus

    client = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    bus = RedisBus(client, backoff_max_s=0.2, start_timeout_s=0.5)
    try:
        await asyncio.wait_for(bus.start(), timeout=10)
        assert await bus.ping() is False
        bus.subscribe("123456", lambda code, env: None)
        await asyncio.sleep(0.3)
        assert await bus.ping() is False
    finally:
        await bus.close()
        await client.aclose()


@pytest.mark.redis
async def test_a_reconnect_made_by_redis_py_underneath_still_resyncs(redis_backend: Backend) -> None:
    """redis-py may silently reconnect a pub/sub connection (and resubscribe);
    events were lost meanwhile, so the bus must still call on_resync."""
    from thaw.bus.redis import RedisBus

    store, bus = redis_backend.store, redis_backend.bus
    assert isinstance(bus, RedisBus)
    room = await make_room(store)
    heard: list[int] = []
    resyncs: list[int] = []

    async def resync() -> None:
        resyncs.append(1)

    bus.on_resync(resync)
    bus.subscribe(room.code, lambda code, env: heard.append(env.seq))
    await bus.wait_subscribed(room.code)
    pubsub = bus._pubsub
    assert pubsub is not None and pubsub.connection is not None
    connection = pubsub.connection
    for ref in list(connection._connect_callbacks):  # what connection.connect() runs after a reconnect
        callback = ref()
        if callback is not None:
            await callback(connection)
    await until(lambda: len(resyncs) == 1)
    await bus.wait_subscribed(room.code)
    await store.rooms.publish(room.code, Envelope(lobby=True))
    await until(lambda: heard == [1])
    assert await bus.ping()


async def test_the_answer_count_counts_who_is_in_the_game(backend: Backend) -> None:
    """M in "N of M": a player who leaves unanswered drops out, one who rejoins comes back,
    an answer that lands after its sender left counts them in again (docs/protocol.md)."""
    store, bus = backend.store, backend.bus
    room = await make_room(store, factories.choice())
    ann, ben, cat = [await join(backend, room.code, name) for name in ("Ann", "Ben", "Cat")]
    for pid in (ann, ben, cat):
        await store.players.set_presence(room.code, pid, f"c-{pid}", True)
    await transition(store, room.code, lambda r, now: game.start(r, now))
    counts: list[tuple[int, int, int]] = []
    bus.subscribe(room.code, lambda code, env: counts.append(env.progress) if env.progress else None)
    await backend.subscribed(room.code)

    async def count_is(want: tuple[int, int, int]) -> None:
        await until(lambda: bool(counts) and counts[-1] == want, timeout=2.0)

    await store.answers.record(room.code, ann, 0, 1)
    await count_is((0, 1, 3))
    await store.players.set_presence(room.code, cat, f"c-{cat}", False)
    await count_is((0, 1, 2))
    await store.players.set_presence(room.code, cat, f"c-{cat}-2", True)
    await count_is((0, 1, 3))
    await store.players.set_presence(room.code, ben, f"c-{ben}", False)
    await count_is((0, 1, 2))
    await store.answers.record(room.code, ben, 0, 0)  # sent before Ben's socket went, stored after
    await count_is((0, 2, 3))
