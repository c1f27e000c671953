"""`rediss://` with the self-signed certificate a PaaS Redis presents: refused by
default, accepted with REDIS_TLS_INSECURE; the store then works as usual."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from thaw.backends import open_backends

from tests.support.redisproc import RedisProcess, redis_server_binary, start_redis
from tests.support.wsclient import require_service

pytestmark = pytest.mark.redis


@pytest.fixture
def tls_redis() -> Iterator[RedisProcess]:
    if redis_server_binary() is None or shutil.which("openssl") is None:
        require_service("redis-server and openssl")
    redis = start_redis(tls=True)
    yield redis
    redis.stop()


async def test_self_signed_certificate_needs_the_insecure_option(tls_redis: RedisProcess) -> None:
    url = f"rediss://127.0.0.1:{tls_redis.port}/0"
    strict, strict_bus = open_backends(url, socket_timeout_s=2)
    await strict.start()
    try:
        assert await strict.ping() is False  # the certificate is not trusted
    finally:
        await strict_bus.close()
        await strict.close()

    store, bus = open_backends(url, tls_insecure=True, socket_timeout_s=2)
    await store.start()
    await bus.start()
    try:
        assert await store.ping() is True
        assert await bus.ping() is True
        assert await store.clock.now() > 0
        assert await store.rooms.exists("123456") is False
    finally:
        await bus.close()
        await store.close()
