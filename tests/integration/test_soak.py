"""The soak run (`pytest --soak`): 30 rooms × 30 bots on two instances for ten minutes,
one instance restarted every minute. Not part of the default suite.

At the end every room must have finished, every score must equal what the stored
answers imply, and the instance that was never restarted must not have grown
without bound. The figures are printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import time
from pathlib import Path

import pytest
from thaw.backends import open_backends
from thaw.tools.bots import Crowd, Options
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.support.audit import problems
from tests.support.servers import ServerProcess, start_server
from tests.support.wsclient import create_room

from .test_multi_instance import _shared_redis_url

pytestmark = [pytest.mark.soak, pytest.mark.redis]

ROOMS = int(os.environ.get("THAW_SOAK_ROOMS", "30"))
PLAYERS = int(os.environ.get("THAW_SOAK_PLAYERS", "30"))
SECONDS_PER_QUESTION = 10  # at most 5 s of question, then the reveal and a paced scoreboard


def _deck(folder: Path, questions: int) -> Path:
    lines = ["id: soak", "title: Soak", "defaults: {time_limit: 5, points: 1000}", "questions:"]
    for i in range(questions):
        if i % 3 == 2:
            lines += ["  - kind: number", f"    prompt: 'Soak number {i}'", "    min: 0", "    max: 20",
                      "    step: 1", "    answer: 8"]
        else:
            lines += ["  - kind: choice", f"    prompt: 'Soak question {i}'", "    options: [A, B, C, D]",
                      "    correct: A"]
    (folder / "soak.yaml").write_text("\n".join(lines) + "\n")
    return folder / "soak.yaml"


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def _host(ws_urls: list[str], code: str, token: str, players: int, t0: float, per_question: float) -> int:
    """Drive one room like a teacher, moving to the other instance whenever a connection drops.

    Question i+1 opens no earlier than `t0 + (i+1) * per_question`, so a game lasts
    the whole run however fast the bots answer."""
    started = False
    for attempt in range(10_000):
        url = ws_urls[attempt % len(ws_urls)]
        try:
            async with connect(f"{url}/ws/{code}", open_timeout=5) as ws:
                await ws.send(json.dumps({"type": "host", "token": token}))
                lobby_since = time.monotonic()
                async for raw in ws:
                    msg = json.loads(raw)
                    kind = msg.get("type")
                    if kind == "lobby" and not started and msg.get("count", 0) >= players:
                        started = True
                        await ws.send(json.dumps({"type": "start"}))
                    elif kind == "host_welcome" and msg.get("phase") != "lobby":
                        started = True
                    elif kind == "lobby" and not started and time.monotonic() - lobby_since > 30:
                        started = True
                        await ws.send(json.dumps({"type": "start"}))
                    elif kind == "reveal":
                        await asyncio.sleep(0.5)
                        await ws.send(json.dumps({"type": "next"}))
                    elif kind == "scoreboard":
                        wait = t0 + (msg["index"] + 1) * per_question - time.monotonic()
                        await asyncio.sleep(max(0.5, wait))
                        await ws.send(json.dumps({"type": "next"}))
                    elif kind == "finished":
                        return attempt
        except (ConnectionClosed, InvalidHandshake, OSError, TimeoutError):
            pass
        await asyncio.sleep(0.3 + 0.4 * secrets.randbelow(100) / 100)
    raise AssertionError(f"room {code}: the host never saw the end")


async def test_soak(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    minutes = float(request.config.getoption("--soak-minutes"))
    questions = max(3, int(minutes * 60 / SECONDS_PER_QUESTION))
    deck = _deck(tmp_path, questions)
    redis_url = _shared_redis_url()
    prefix = f"soak{secrets.token_hex(3)}"
    env = {
        "REDIS_URL": redis_url, "THAW_REDIS_PREFIX": prefix, "THAW_CONTENT": str(tmp_path),
        "THAW_JOINS_PER_MINUTE": "100000", "THAW_ROOM_JOINS_PER_MINUTE": "100000", "THAW_ROOMS_PER_MINUTE": "10000",
    }
    steady = start_server(env={**env, "THAW_INSTANCE": "steady"}, log_dir=tmp_path)
    restarted: ServerProcess = start_server(env={**env, "THAW_INSTANCE": "restarted"}, log_dir=tmp_path)
    servers = [steady, restarted]
    ws_urls = [steady.ws_url, restarted.ws_url]
    rss: list[tuple[float, int]] = []
    restarts = 0
    t0 = time.monotonic()
    try:
        rooms = [create_room(servers[i % 2].url, "soak") for i in range(ROOMS)]
        crowds = [
            Crowd(Options(url=servers[i % 2].url, room=room["code"], players=PLAYERS, accuracy=0.7, think_ms=3000,
                          seed=i, deck=deck, timeout_s=minutes * 60 + 240, prefix=f"r{i:02d}"))
            for i, room in enumerate(rooms)
        ]
        bot_runs = [asyncio.create_task(crowd.run()) for crowd in crowds]
        hosts = [
            asyncio.create_task(_host(ws_urls[i % 2:] + ws_urls[: i % 2], room["code"], room["host_token"], PLAYERS,
                                      time.monotonic() + 20, SECONDS_PER_QUESTION))
            for i, room in enumerate(rooms)
        ]

        async def chaos() -> None:
            nonlocal restarted, restarts
            while True:
                await asyncio.sleep(60)
                rss.append((time.monotonic() - t0, _rss_kib(steady.proc.pid)))
                port = restarted.port
                await asyncio.to_thread(restarted.terminate, 25)
                restarted = await asyncio.to_thread(
                    start_server, {**env, "THAW_INSTANCE": f"restarted-{restarts + 1}"}, port, tmp_path
                )
                servers[1] = restarted
                restarts += 1

        chaos_task = asyncio.create_task(chaos())
        try:
            host_reconnects = await asyncio.wait_for(asyncio.gather(*hosts), minutes * 60 + 240)
        finally:
            chaos_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await chaos_task
        summaries = await asyncio.wait_for(asyncio.gather(*bot_runs), 120)
        rss.append((time.monotonic() - t0, _rss_kib(steady.proc.pid)))

        store, _bus = open_backends(redis_url, prefix=prefix)
        await store.start()
        found: list[str] = []
        finished = 0
        try:
            for room_info in rooms:
                loaded = await store.rooms.load(room_info["code"])
                assert loaded is not None, f"room {room_info['code']} vanished"
                room, _ = loaded
                finished += room.phase.value == "finished"
                found += problems(room)
        finally:
            await store.close()

        elapsed = time.monotonic() - t0
        acked = sum(s.as_dict()["answers_acked"] for s in summaries)
        refused = sum(sum(s.as_dict()["answers_refused"].values()) for s in summaries)
        bot_reconnects = sum(s.as_dict()["reconnects"] for s in summaries)
        print(f"\nsoak: {elapsed:.0f} s, {ROOMS} rooms x {PLAYERS} bots, {questions} questions, {restarts} restarts")
        print(f"soak: rooms finished {finished}/{ROOMS}; answers acked {acked}, refused {refused}")
        print(f"soak: reconnects: bots {bot_reconnects}, hosts {sum(host_reconnects)}")
        print(f"soak: steady instance RSS (s, KiB): {rss}")
        print(f"soak: score problems: {len(found)}")
        assert finished == ROOMS
        assert found == [], found[:10]
        assert restarts >= int(minutes) - 1
        if len(rss) >= 4:
            early = max(k for _, k in rss[: len(rss) // 3])
            late = max(k for _, k in rss[-(len(rss) // 3):])
            assert late <= early * 1.5 + 20_000, f"memory kept growing: {rss}"
    finally:
        for server in servers:
            server.kill()
