"""A short game over real sockets against a running server: a host and two players
through the first question, its reveal and the scoreboard. Any answer is accepted;
what is checked is that the contract's frames arrive in order."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

ANSWERS: dict[str, Any] = {"number": 8, "text": "azure"}


class _Socket:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, message: Any) -> None:
        await self.ws.send(json.dumps(message))

    async def until(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        end = time.monotonic() + timeout
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), max(0.05, end - time.monotonic()))
            frame: dict[str, Any] = json.loads(raw)
            if frame["type"] == kind:
                return frame
            assert frame["type"] != "error", frame


def _answer(question: dict[str, Any]) -> Any:
    kind = question["kind"]
    options = question.get("options") or []
    if kind == "order":
        return [o["id"] for o in options]
    if kind == "truefalse":
        return True
    if kind == "choice":
        return [options[0]["id"]] if question.get("multiple_correct") else options[0]["id"]
    return ANSWERS.get(kind, options[0]["id"] if options else 0)


async def play_short_game(base_url: str, deck: str | None = None, names: tuple[str, str] = ("Ana", "Ben"),
                          keep: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create a room (on `deck`, or the first deck the server lists) and play its first
    question; returns the scoreboard the host saw. `keep` receives the room's code,
    host token and player tokens."""
    ws_base = "ws" + base_url.removeprefix("http")
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        if deck is None:
            decks = (await http.get("/api/decks")).json()
            assert decks, "the server lists no decks"
            deck = str(decks[0]["id"])
        created = await http.post("/api/rooms", json={"deck": deck})
        assert created.status_code == 201, created.text
        code, token = created.json()["code"], created.json()["host_token"]
    if keep is not None:
        keep.update(code=code, host_token=token, tokens=[])
    sockets: list[ClientConnection] = []
    try:
        host_ws = await connect(f"{ws_base}/ws/{code}", open_timeout=10, max_size=None)
        sockets.append(host_ws)
        host = _Socket(host_ws)
        await host.send({"type": "host", "token": token})
        await host.until("host_welcome")
        players = []
        for name in names:
            ws = await connect(f"{ws_base}/ws/{code}", open_timeout=10, max_size=None)
            sockets.append(ws)
            player = _Socket(ws)
            await player.send({"type": "join", "nickname": name})
            welcome = await player.until("welcome")
            if keep is not None:
                keep["tokens"].append(welcome["token"])
            players.append(player)
        await host.send({"type": "start"})
        for player in players:
            question = await player.until("question")
            assert question["index"] == 0
            await player.send({"type": "answer", "index": 0, "answer": _answer(question)})
            assert (await player.until("answer_ack"))["index"] == 0
        reveal = await host.until("reveal")
        assert reveal["index"] == 0 and reveal["answered"] == 2
        for player in players:
            assert (await player.until("result"))["index"] == 0
        await host.send({"type": "next"})
        board = await host.until("scoreboard")
        assert len(board["top"]) == 2
        return board
    finally:
        for ws in sockets:
            await ws.close()
