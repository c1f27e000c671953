"""`thaw bots` and `thaw bench` against a real server process: the tools teachers and
operators use to rehearse a class must themselves keep the wire contract."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from thaw.tools import bots
from websockets.asyncio.client import connect

from tests.support.servers import ROOT, ServerProcess, start_server

DECK = """\
id: bots-test
title: Bots test deck
defaults: {time_limit: 5, points: 1000}
questions:
  - kind: choice
    prompt: "Pick the first"
    options: ["first", "second", "third"]
    correct: "first"
  - kind: choice
    prompt: "Pick either of two"
    options: ["a", "b", "c", "d"]
    correct: ["a", "c"]
  - kind: truefalse
    prompt: "True is true"
    correct: true
  - kind: order
    prompt: "Order these"
    items: ["one", "two", "three", "four"]
    points: 2000
  - kind: number
    prompt: "A year"
    min: 1950
    max: 1970
    step: 1
    answer: 1956
  - kind: text
    prompt: "Say yes"
    accept: ["yes", "yep"]
  - kind: poll
    prompt: "Favourite?"
    options: ["x", "y"]
  - kind: multi
    prompt: "Select the vowels"
    options: ["a", "b", "e", "f"]
    correct: ["a", "e"]
"""
QUESTIONS = 8


@pytest.fixture(scope="module")
def deck_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bots-content")
    (folder / "bots-test.yaml").write_text(DECK)
    return folder


@pytest.fixture(scope="module")
def server(deck_dir: Path) -> Iterator[ServerProcess]:
    proc = start_server(env={"THAW_CONTENT": str(deck_dir)})
    try:
        yield proc
    finally:
        proc.terminate()


def create_room(server: ServerProcess) -> tuple[str, str]:
    body = json.dumps({"deck": "bots-test"}).encode()
    request = urllib.request.Request(f"{server.url}/api/rooms", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        created: dict[str, Any] = json.loads(response.read())
    return created["code"], created["host_token"]


async def drive_host(server: ServerProcess, code: str, token: str, players: int) -> list[str]:
    """The teacher: wait for the class, start, then `next` after every reveal and scoreboard."""
    seen: list[str] = []
    async with connect(f"{server.ws_url}/ws/{code}", proxy=None) as ws:
        await ws.send(json.dumps({"type": "host", "token": token}))
        started = False
        async for raw in ws:
            msg = json.loads(raw)
            kind = msg["type"]
            seen.append(kind)
            if kind == "lobby" and not started and sum(p["connected"] for p in msg["players"]) >= players:
                started = True
                await ws.send(json.dumps({"type": "start"}))
            elif kind in ("reveal", "scoreboard"):
                await ws.send(json.dumps({"type": "next"}))
            elif kind == "finished":
                return seen
    return seen


async def test_ten_bots_play_a_whole_game(server: ServerProcess, deck_dir: Path) -> None:
    code, token = create_room(server)
    opts = bots.Options(url=server.url, room=code, players=10, accuracy=0.8, think_ms=400, seed=7,
                        deck=deck_dir / "bots-test.yaml", timeout_s=18, ramp_s=0.2)
    host = asyncio.create_task(drive_host(server, code, token, 10))
    summary = await asyncio.wait_for(bots.run_bots(opts), 19)
    seen = await asyncio.wait_for(host, 5)
    assert "finished" in seen
    d = summary.as_dict()
    assert d["joined"] == 10 and d["finished"] == 10, summary.table()
    assert d["questions_seen"] == QUESTIONS
    assert d["answers_sent"] == d["answers_acked"] == 10 * QUESTIONS, summary.table()
    assert d["answers_refused"] == {} and d["errors"] == {} and d["failed"] == 0, summary.table()
    assert sum(d["ranks"].values()) == 10
    assert all(b.score is not None and b.score > 0 for b in summary.bots)  # 80 % right over 6 scored questions
    assert "players joined        10/10" in summary.table()


async def test_bots_resume_after_a_drop(server: ServerProcess, deck_dir: Path) -> None:
    """A bot whose socket dies comes back with its token: same player, no second join."""
    code, _token = create_room(server)
    opts = bots.Options(url=server.url, room=code, players=3, think_ms=300, seed=1, timeout_s=3, ramp_s=0)
    crowd = bots.Crowd(opts)
    task = asyncio.create_task(crowd.run())
    await asyncio.sleep(1.0)
    with urllib.request.urlopen(f"{server.url}/api/rooms/{code}", timeout=5) as response:
        assert json.loads(response.read())["players"] == 3
    for bot in crowd.bots:  # drop every socket from our side, as a phone losing Wi-Fi would
        assert bot.ws is not None
        bot.ws.transport.abort()
    summary = await asyncio.wait_for(task, 6)
    d = summary.as_dict()
    assert d["joined"] == 3 and d["reconnects"] == 3 and d["failed"] == 0, summary.table()
    with urllib.request.urlopen(f"{server.url}/api/rooms/{code}", timeout=5) as response:
        assert json.loads(response.read())["players"] == 3


def test_bots_exit_non_zero_for_a_room_that_does_not_exist(server: ServerProcess) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "thaw.tools.bots", "--url", server.url, "--room", "999999", "--players", "2",
         "--quiet", "--timeout", "10"],
        cwd=ROOT, capture_output=True, text=True, timeout=20,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "2 x gave up: closed 4404 (room not found)" in run.stdout, run.stdout  # each bot, not after retries


def test_bench_join_storm_smoke(tmp_path: Path) -> None:
    out = tmp_path / "storm.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("REDIS_URL", None)
    run = subprocess.run(
        [sys.executable, "-m", "thaw.cli", "bench", "join-storm", "--players", "50", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env=env,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "joins/s achieved" in run.stdout and "connect p50/p99/max" in run.stdout
    result = json.loads(out.read_text())
    assert result["scenario"] == "join-storm" and result["metrics"]["joined"] == 50
    speed = result["machine"]["yardstick"]  # how fast this machine was, to compare runs across machines
    assert speed["python_ms"] > 0 and speed["loopback_us"] > 0
    assert f"Python {speed['python_ms']:g} ms" in run.stdout
