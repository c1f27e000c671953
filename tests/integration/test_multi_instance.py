"""Several real server processes sharing one real redis-server serve one room.

The host is on one instance and the players are spread over the others; every
client must see the same room events, byte for byte, in the same order. Then the
faults: the instance owning the question timer is SIGKILLed; Redis connections are
killed; a kicked player is refused everywhere.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import secrets
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.redisproc import RedisProcess, redis_server_binary, start_redis
from tests.support.servers import ServerProcess, start_server
from tests.support.wsclient import Client, create_room, get_json, require_service

DECKS = Path(__file__).parent / "decks"
BROWSER_DECKS = Path(__file__).parents[1] / "browser" / "decks"

pytestmark = pytest.mark.redis


def _shared_redis_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    host_port = url.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port or 6379)), timeout=1) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return url
    except OSError:
        pass
    require_service(f"a redis-server answering at {url}")
    raise AssertionError("unreachable")


def start_cluster(n: int, redis_url: str, decks: Path = DECKS, **env: str) -> list[ServerProcess]:
    prefix = f"t{secrets.token_hex(4)}"
    common = {"REDIS_URL": redis_url, "THAW_REDIS_PREFIX": prefix, "THAW_CONTENT": str(decks), **env}
    servers: list[ServerProcess] = []
    try:
        for i in range(n):
            servers.append(start_server(env={**common, "THAW_INSTANCE": f"instance-{i + 1}"}))
    except Exception:
        for server in servers:
            server.kill()
        raise
    return servers


@pytest.fixture
def cluster() -> Iterator[list[ServerProcess]]:
    servers = start_cluster(3, _shared_redis_url())
    yield servers
    for server in servers:
        server.kill()


@pytest.fixture
def private_redis() -> Iterator[RedisProcess]:
    if redis_server_binary() is None:
        require_service("redis-server")
    redis = start_redis()
    yield redis
    redis.stop()


def _answer_for(question: dict[str, Any], right: bool) -> Any:
    kind = question["kind"]
    ids = [o["id"] for o in question.get("options", [])]
    if kind == "choice":
        return ids[0] if right else ids[1]
    if kind == "poll":
        return ids[0]
    if kind == "order":
        return ids if right else list(reversed(ids))
    if kind == "number":
        return 8 if right else 3
    return "blue" if right else "red"


async def _join_players(instances: list[ServerProcess], code: str, n: int) -> list[Client]:
    players = []
    for i in range(n):
        server = instances[i % len(instances)]
        client = await Client(f"p{i}@{server.port}").open(server.ws_url, code, {"type": "join", "nickname": f"P{i}"})
        await client.wait_type("welcome")
        players.append(client)
    return players


async def _play_question(host: Client, players: list[Client], index: int, right: list[bool]) -> None:
    question = await players[0].wait_type("question", index=index)
    for player, ok in zip(players, right, strict=True):
        await player.wait_type("question", index=index)
        await player.send({"type": "answer", "index": index, "answer": _answer_for(question, ok)})
        ack = await player.wait_for(
            lambda m: m.get("type") in ("answer_ack", "error") and m.get("index", index) == index
        )
        assert ack["type"] == "answer_ack", ack
    for client in (host, *players):
        await client.wait_type("reveal", index=index, timeout=10)
    for player in players:
        await player.wait_type("result", index=index)


async def test_one_game_over_three_instances(cluster: list[ServerProcess]) -> None:
    one, two, three = cluster
    room = create_room(one.url, "short")
    code = room["code"]
    host = await Client("host@1").open(one.ws_url, code, {"type": "host", "token": room["host_token"]})
    await host.wait_type("host_welcome")
    players = await _join_players([two, three], code, 4)
    lobby = await host.wait_for(lambda m: m.get("type") == "lobby" and len(m["players"]) == 4)
    assert [p["nickname"] for p in lobby["players"]] == ["P0", "P1", "P2", "P3"]

    await host.send({"type": "start"})
    for index in range(5):
        await _play_question(host, players, index, right=[True, index % 2 == 0, False, True])
        await host.send({"type": "next"})  # reveal -> scoreboard
        for client in (host, *players):
            await client.wait_type("scoreboard", index=index)
        await host.send({"type": "next"})  # -> next question or finished
    for client in (host, *players):
        await client.wait_type("finished")
    for player in players:
        standing = await player.wait_type("standing")
        results = [m for m in player.frames if m["type"] == "result"]
        assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
        assert standing["score"] == sum(r["points"] + r["bonus"] for r in results) == results[-1]["score"]

    # Every client saw the same room events, byte for byte, in the same order.
    expected = host.broadcasts()
    assert [m["type"] for m in host.frames if m["type"] in ("question", "reveal", "scoreboard", "finished")] == (
        ["question", "reveal", "scoreboard"] * 5 + ["finished"]
    )
    for player in players:
        assert player.broadcasts() == expected, player.name

    # Any instance serves the report, with the same scores.
    request = urllib.request.Request(f"{three.url}/api/rooms/{code}/results.csv",
                                     headers={"Authorization": f"Bearer {room['host_token']}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        rows = list(csv.DictReader(io.StringIO(response.read().decode())))
    finals = {p.name.split("@")[0].upper(): (await p.wait_type("standing"))["score"] for p in players}
    assert {row["nickname"]: int(row["score"]) for row in rows} == finals
    for client in (host, *players):
        await client.close()


async def test_killing_the_timer_owner_mid_question(cluster: list[ServerProcess]) -> None:
    one, two, three = cluster
    room = create_room(one.url, "short")
    code = room["code"]
    host = await Client("host@1").open(one.ws_url, code, {"type": "host", "token": room["host_token"]})
    await host.wait_type("host_welcome")
    stayer = await Client("p0@1").open(one.ws_url, code, {"type": "join", "nickname": "OnOne"})
    await stayer.wait_type("welcome")
    fast = await Client("p1@2").open(two.ws_url, code, {"type": "join", "nickname": "Fast"})
    slow = await Client("p2@3").open(three.ws_url, code, {"type": "join", "nickname": "Slow"})
    await fast.wait_type("welcome")
    await slow.wait_type("welcome")
    await host.wait_for(lambda m: m.get("type") == "lobby" and len(m["players"]) == 3)

    await host.send({"type": "start"})  # instance 1 opened the question: it owns the timer
    question = await fast.wait_type("question", index=0)
    await stayer.send({"type": "answer", "index": 0, "answer": _answer_for(question, True)})
    await stayer.wait_type("answer_ack")
    await fast.send({"type": "answer", "index": 0, "answer": _answer_for(question, True)})
    await fast.wait_type("answer_ack")
    loop = asyncio.get_running_loop()
    killed_at = loop.time()
    one.kill()  # Slow never answers, so only the deadline can close the question.

    reveal = await fast.wait_type("reveal", index=0, timeout=15)
    waited = loop.time() - killed_at
    assert waited < question["time_left_ms"] / 1000 + 5, f"the question closed {waited:.1f} s after the kill"
    assert reveal["distribution"][str(_answer_for(question, True))] == 2  # both accepted answers survived the kill
    result = await fast.wait_type("result", index=0)
    assert result["correct"] is True and result["points"] > 0
    slow_result = await slow.wait_type("result", index=0)
    assert slow_result["correct"] is False and slow_result["points"] == 0

    # The clients of the dead instance come back elsewhere, with their scores.
    assert stayer.close_code is not None or await stayer.wait_closed(5)
    assert stayer.token is not None
    back = await Client("p0@3").open(three.ws_url, code, {"type": "resume", "token": stayer.token})
    welcome = await back.wait_type("welcome")
    assert welcome["nickname"] == "OnOne" and welcome["score"] > 0
    await back.wait_type("reveal", index=0)
    mine = await back.wait_type("result", index=0)
    assert mine["score"] == welcome["score"]
    host2 = await Client("host@2").open(two.ws_url, code, {"type": "host", "token": room["host_token"]})
    await host2.wait_type("host_welcome")
    await host2.wait_type("reveal", index=0)
    await host2.send({"type": "next"})
    for client in (fast, slow, back, host2):
        await client.wait_type("scoreboard", index=0)
    for client in (fast, slow, back, host2, host, stayer):
        await client.close()


async def test_redis_connections_killed_mid_game(private_redis: RedisProcess) -> None:
    servers = start_cluster(2, private_redis.url)
    try:
        one, two = servers
        room = create_room(one.url, "short")
        code = room["code"]
        host = await Client("host").open(one.ws_url, code, {"type": "host", "token": room["host_token"]})
        await host.wait_type("host_welcome")
        players = await _join_players([one, two], code, 2)
        await host.send({"type": "start"})
        await players[0].wait_type("question", index=0)

        import redis.asyncio as aioredis

        admin = aioredis.Redis.from_url(private_redis.url)
        try:
            killed = 0
            for info in await admin.client_list():
                if int(info["id"]) != await admin.client_id():
                    killed += await admin.client_kill_filter(_id=info["id"])
            assert killed >= 4  # each instance's pool and its pub/sub connection
        finally:
            await admin.aclose()

        await _play_question(host, players, 0, right=[True, False])
        await host.send({"type": "next"})
        for client in (host, *players):
            await client.wait_type("scoreboard", index=0)
        await host.send({"type": "end"})
        for client in (host, *players):
            await client.wait_type("finished")
        assert (await players[0].wait_type("standing"))["rank"] == 1
        for client in (host, *players):
            await client.close()
    finally:
        for server in servers:
            server.kill()


async def test_a_kicked_token_is_refused_on_every_instance(cluster: list[ServerProcess]) -> None:
    one, two, three = cluster
    room = create_room(one.url, "short")
    code = room["code"]
    host = await Client("host").open(one.ws_url, code, {"type": "host", "token": room["host_token"]})
    await host.wait_type("host_welcome")
    victim = await Client("victim@2").open(two.ws_url, code, {"type": "join", "nickname": "Mallory"})
    welcome = await victim.wait_type("welcome")
    await host.wait_for(lambda m: m.get("type") == "lobby" and len(m["players"]) == 1)
    await host.send({"type": "kick", "player_id": welcome["player_id"]})
    error = await victim.wait_type("error")
    assert error["code"] == "kicked"
    assert await victim.wait_closed() == 4403
    for server in (one, two, three):
        again = await Client("again").open(server.ws_url, code, {"type": "resume", "token": welcome["token"]})
        refused = await again.wait_type("error")
        assert refused["code"] == "kicked"
        assert await again.wait_closed() == 4403
    status, info = get_json(f"{three.url}/api/rooms/{code}")
    assert status == 200 and info["players"] == 0
    await host.close()
