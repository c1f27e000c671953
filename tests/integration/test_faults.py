"""Machines fail: Redis goes away for ten seconds, an instance is told to stop.

Redis here is a private redis-server behind a TCP proxy the test can cut, so the
data survives the outage exactly as it would a network partition.
"""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.support.redisproc import RedisProcess, redis_server_binary, start_redis
from tests.support.tcpproxy import TcpProxy
from tests.support.wsclient import Client, create_room, get_json, require_service

from .test_multi_instance import _answer_for, start_cluster

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_behind_proxy() -> Iterator[tuple[RedisProcess, TcpProxy]]:
    if redis_server_binary() is None:
        require_service("redis-server")
    redis = start_redis()
    proxy = TcpProxy(redis.port).start()
    yield redis, proxy
    proxy.stop()
    redis.stop()


def _health(url: str) -> tuple[int, str]:
    status, body = get_json(f"{url}/healthz")
    return status, body.get("status", "") if isinstance(body, dict) else ""


async def _until(check: object, timeout: float) -> float:
    """Poll `check()` (a blocking call) until it is true; seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if await asyncio.to_thread(check):  # type: ignore[arg-type]
            return time.monotonic() - start
        await asyncio.sleep(0.2)
    raise AssertionError(f"not true within {timeout} s")


async def test_redis_unreachable_for_ten_seconds(redis_behind_proxy: tuple[RedisProcess, TcpProxy]) -> None:
    _redis, proxy = redis_behind_proxy
    servers = start_cluster(1, proxy.url, THAW_REDIS_SOCKET_TIMEOUT="2")
    server = servers[0]
    try:
        room = create_room(server.url, "short")
        code = room["code"]
        host = await Client("host").open(server.ws_url, code, {"type": "host", "token": room["host_token"]})
        await host.wait_type("host_welcome")
        early = await Client("early").open(server.ws_url, code, {"type": "join", "nickname": "Early"})
        late = await Client("late").open(server.ws_url, code, {"type": "join", "nickname": "Late"})
        await early.wait_type("welcome")
        await late.wait_type("welcome")
        await host.wait_for(lambda m: m.get("type") == "lobby" and len(m["players"]) == 2)
        await host.send({"type": "start"})
        question = await early.wait_type("question", index=0)
        await early.send({"type": "answer", "index": 0, "answer": _answer_for(question, True)})
        await early.wait_type("answer_ack")

        proxy.cut()
        outage = time.monotonic()
        await _until(lambda: _health(server.url) == (503, "degraded"), timeout=8)
        # An answer during the outage is refused, clearly, and never acknowledged.
        mark = len(late.frames)
        await late.send({"type": "answer", "index": 0, "answer": _answer_for(question, False)})
        refused = await late.wait_for(lambda m: m.get("type") in ("answer_ack", "error"), timeout=10, start=mark)
        assert refused == {**refused, "type": "error", "code": "unavailable"}, refused
        assert "try again" in refused["message"]
        assert server.alive()
        await asyncio.sleep(max(0.0, 10 - (time.monotonic() - outage)))

        proxy.restore()
        await _until(lambda: _health(server.url) == (200, "ok"), timeout=15)
        # The question's deadline passed during the outage: the sweeper closes it now,
        # with the answer accepted before the outage intact.
        reveal = await early.wait_type("reveal", index=0, timeout=15)
        assert reveal["distribution"][str(_answer_for(question, True))] == 1
        result = await early.wait_type("result", index=0)
        assert result["correct"] is True and result["points"] > 0
        late_result = await late.wait_type("result", index=0)
        assert late_result["correct"] is False

        # And the game goes on.
        await host.wait_type("reveal", index=0)
        await host.send({"type": "next"})
        await early.wait_type("scoreboard", index=0)
        await host.send({"type": "next"})
        question = await late.wait_type("question", index=1)
        await late.send({"type": "answer", "index": 1, "answer": _answer_for(question, True)})
        await late.wait_type("answer_ack", timeout=10)
        for client in (host, early, late):
            await client.close()
    finally:
        for s in servers:
            s.kill()


async def test_sigterm_moves_clients_to_another_instance(redis_behind_proxy: tuple[RedisProcess, TcpProxy]) -> None:
    redis, _proxy = redis_behind_proxy
    servers = start_cluster(2, redis.url)
    leaving, staying = servers
    try:
        room = create_room(staying.url, "short")
        code = room["code"]
        host = await Client("host").open(staying.ws_url, code, {"type": "host", "token": room["host_token"]})
        await host.wait_type("host_welcome")
        mover = await Client("mover").open(leaving.ws_url, code, {"type": "join", "nickname": "Mover"})
        await mover.wait_type("welcome")
        # A second player who has not answered keeps the question open through the restart.
        thinker = await Client("thinker").open(staying.ws_url, code, {"type": "join", "nickname": "Thinker"})
        await thinker.wait_type("welcome")
        await host.send({"type": "start"})
        question = await mover.wait_type("question", index=0)
        await mover.send({"type": "answer", "index": 0, "answer": _answer_for(question, True)})
        await mover.wait_type("answer_ack")

        started = time.monotonic()
        code_or_signal = await asyncio.to_thread(leaving.terminate, 25)
        assert time.monotonic() - started < 25
        assert code_or_signal in (0, -15), leaving.log()[-2000:]
        assert await mover.wait_closed() == 1012
        assert any(m["type"] == "reconnect" for m in mover.frames)

        back = await Client("mover2").open(staying.ws_url, code, {"type": "resume", "token": mover.token})
        await back.wait_type("welcome")
        await back.wait_type("question", index=0)
        ack = await back.wait_type("answer_ack", index=0)  # the answer given before the restart stands
        assert ack["answer"] == _answer_for(question, True)
        await host.send({"type": "close"})
        result = await back.wait_type("result", index=0)
        assert result["correct"] is True
        for client in (host, mover, back, thinker):
            await client.close()
    finally:
        for s in servers:
            s.kill()


def test_healthz_is_unavailable_when_redis_is_down_at_start(redis_behind_proxy: tuple[RedisProcess, TcpProxy]) -> None:
    _redis, proxy = redis_behind_proxy
    servers = start_cluster(1, proxy.url, THAW_REDIS_SOCKET_TIMEOUT="2")
    try:
        proxy.cut()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _health(servers[0].url)[0] != 503:
            time.sleep(0.2)
        assert _health(servers[0].url) == (503, "degraded")
        request = urllib.request.Request(
            f"{servers[0].url}/api/rooms", data=b'{"deck":"short"}', headers={"Content-Type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 503
        proxy.restore()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _health(servers[0].url)[0] != 200:
            time.sleep(0.2)
        assert _health(servers[0].url) == (200, "ok")
    finally:
        for s in servers:
            s.kill()
