"""Choose the store and bus adapters: memory by default, Redis when REDIS_URL is set."""

from __future__ import annotations

from .bus.base import Bus
from .bus.memory import MemoryBus
from .store.base import Store
from .store.memory import MemoryStore


def open_backends(
    redis_url: str | None,
    *,
    tls_insecure: bool = False,
    room_ttl_s: int = 6 * 3600,
    results_ttl_s: int = 24 * 3600,
    max_connections: int = 64,
    prefix: str = "quiz",
    socket_timeout_s: float = 5.0,
) -> tuple[Store, Bus]:
    """The memory pair when `redis_url` is empty, else the Redis pair sharing one
    client and its blocking pool (the store closes the pool; close the bus first).

    Nothing connects here: callers `await store.start(); await bus.start()`.
    """
    if not redis_url:
        bus = MemoryBus()
        return MemoryStore(bus, room_ttl_ms=room_ttl_s * 1000, results_ttl_ms=results_ttl_s * 1000), bus

    from redis.asyncio import Redis

    from .bus.redis import RedisBus
    from .store.redis import RedisStore, make_pool

    pool = make_pool(
        redis_url, tls_insecure=tls_insecure, max_connections=max_connections, socket_timeout=socket_timeout_s
    )
    client = Redis(connection_pool=pool)
    store = RedisStore(
        client,
        prefix=prefix,
        room_ttl_ms=room_ttl_s * 1000,
        results_ttl_ms=results_ttl_s * 1000,
        owns_client=True,
    )
    return store, RedisBus(client, prefix=prefix)
