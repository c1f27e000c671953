"""One real server process: a whole game over real sockets, a reconnect, and a SIGTERM drain."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.servers import ROOT, ServerProcess, free_port


class Client:
    def __init__(self, ws: ClientConnection, name: str) -> None:
        self.ws = ws
        self.name = name
        self.welcome: dict[str, Any] = {}

    async def send(self, message: Any) -> None:
        await self.ws.send(json.dumps(message))

    async def recv(self, timeout: float = 5) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        return frame

    async def until(self, kind: str, timeout: float = 5) -> dict[str, Any]:
        end = time.monotonic() + timeout
        while True:
            frame = await self.recv(max(0.05, end - time.monotonic()))
            if frame["type"] == kind:
                return frame


async def _open(server: ServerProcess, code: str, first: dict[str, Any], name: str) -> Client:
    ws = await connect(f"{server.ws_url}/ws/{code}", open_timeout=5, max_size=None)
    client = Client(ws, name)
    await client.send(first)
    kind = "host_welcome" if first["type"] == "host" else "welcome"
    client.welcome = await client.until(kind)
    return client


async def test_a_whole_game_over_real_sockets_then_a_sigterm_drain(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
        health = (await http.get("/healthz")).json()
        assert health["status"] == "ok" and health["store"] == "memory"
        created = await http.post("/api/rooms", json={"deck": "kinds"})
        assert created.status_code == 201
        code, token = created.json()["code"], created.json()["host_token"]

        host = await _open(server, code, {"type": "host", "token": token}, "host")
        players = [await _open(server, code, {"type": "join", "nickname": n}, n) for n in ("Ana", "Ben", "Cleo")]
        _ana, ben, _cleo = players
        await host.send({"type": "start"})
        scores = {p.name: 0 for p in players}
        for index in range(8):
            for p in players:
                q = await p.until("question")
                assert q["index"] == index
            if index == 2:
                # Ben's phone sleeps: he reconnects with his token mid-question.
                await ben.ws.close()
                ben = await _open(server, code, {"type": "resume", "token": ben.welcome["token"]}, "Ben")
                players[1] = ben
                assert ben.welcome["player_id"] == players[1].welcome["player_id"]
                assert ben.welcome["score"] == scores["Ben"]
                q = await ben.until("question")
                assert q["index"] == 2 and q["time_left_ms"] < q["time_limit_ms"]
            kind = q["kind"]
            for p in players:
                value: Any = {"choice": 0, "poll": 0, "number": 8, "text": "azure"}.get(kind)
                if kind in ("order", "multi"):
                    value = [o["id"] for o in q["options"]]
                await p.send({"type": "answer", "index": index, "answer": value})
                assert (await p.until("answer_ack"))["index"] == index
            reveal = await host.until("reveal")
            assert reveal["index"] == index and reveal["answered"] == 3
            for p in players:
                assert (await p.until("reveal"))["index"] == index
                result = await p.recv()
                assert result["type"] == "result" and result["index"] == index
                scores[p.name] = result["score"]
            await host.send({"type": "next"})
            board = await host.until("scoreboard")
            assert len(board["top"]) == 3
            await host.send({"type": "next"})
        finished = await host.until("finished")
        assert finished["players"] == 3
        for p in players:
            standing = await p.until("standing")
            assert standing["score"] == scores[p.name]
        assert scores["Ana"] == scores["Ben"] == scores["Cleo"] > 0

        csv = await http.get(f"/api/rooms/{code}/results.csv", headers={"Authorization": f"Bearer {token}"})
        assert csv.status_code == 200
        assert len(csv.text.strip().splitlines()) == 4

    # SIGTERM: every connected client is told to reconnect, and the process exits in time.
    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    for client in [host, *players]:
        told = False
        try:
            while True:
                frame = await client.recv(timeout=15)
                if frame["type"] == "reconnect":
                    told = True
        except ConnectionClosed:
            told = told or client.ws.close_code == 1012
        assert told, f"{client.name}: closed with {client.ws.close_code} and no reconnect frame"
    returncode = await asyncio.to_thread(server.proc.wait, 20)
    assert time.monotonic() - started < 20
    assert returncode == 0 or returncode == -signal.SIGTERM


async def test_a_frame_over_4096_bytes_closes_1009_on_the_real_server(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
        code = (await http.post("/api/rooms", json={"deck": "kinds"})).json()["code"]
    ana = await _open(server, code, {"type": "join", "nickname": "Ana"}, "Ana")
    await ana.send({"type": "ping", "pad": "x" * 5000})
    with pytest.raises(ConnectionClosed):
        while True:
            await ana.recv()
    assert ana.ws.close_code == 1009


async def test_the_rooms_limit_from_the_environment_answers_429(tmp_path: Path) -> None:
    from tests.support.servers import start_server

    server = start_server(env={"THAW_CONTENT": str(Path(__file__).resolve().parents[1] / "transport" / "decks"),
                               "THAW_ROOMS_PER_MINUTE": "2"}, log_dir=tmp_path)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
            statuses = [(await http.post("/api/rooms", json={"deck": "kinds"})).status_code for _ in range(3)]
            assert statuses == [201, 201, 429]
            last = await http.post("/api/rooms", json={"deck": "kinds"})
            assert last.json()["error"] == "rate_limited"
            assert int(last.headers["Retry-After"]) >= 1
    finally:
        server.terminate(20)


def _serve(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
    full.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "thaw.cli", "serve", "--host", "127.0.0.1", "--port", str(free_port())],
        cwd=ROOT, env=full, capture_output=True, text=True, timeout=30,
    )


def test_several_workers_without_redis_refuse_to_start(tmp_path: Path) -> None:
    done = _serve({"WEB_CONCURRENCY": "2"}, tmp_path)
    assert done.returncode != 0
    assert "REDIS_URL" in done.stderr + done.stdout
    assert "Uvicorn running" not in done.stderr + done.stdout


def test_an_invalid_deck_folder_stops_the_server_with_file_line_messages(tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "broken.yaml").write_text(
        "id: broken\ntitle: Broken\nquestions:\n  - kind: choice\n    prompt: Pick\n    options: [A]\n"
        "    correct: Z\n",
        encoding="utf-8",
    )
    done = _serve({"THAW_CONTENT": str(decks)}, tmp_path)
    assert done.returncode != 0
    output = done.stderr + done.stdout
    lines = [line for line in output.splitlines() if "broken.yaml:" in line]
    assert lines, output
    assert all(line.split("broken.yaml:")[1].split(":")[0].isdigit() for line in lines), lines
