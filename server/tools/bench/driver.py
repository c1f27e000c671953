"""The main process's clients: each room's host, and the probe that times stalls."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Any

from .client import WsClient


class Host:
    """A room's teacher: drives `next` and notes when each phase's frame arrived."""

    def __init__(self, code: str, token: str, url: str) -> None:
        self.code = code
        self.token = token
        self.url = url
        self.client: WsClient | None = None
        self.seen: dict[tuple[str, int], float] = {}
        self.sent: dict[int, float] = {}  # question index -> time the `next` that opens it was sent
        self._waiters: dict[tuple[str, int], asyncio.Future[float]] = {}
        self.errors: Counter[str] = Counter()
        self.frames = 0  # what reached the projector's socket: it must not grow with the room
        self.bytes = 0

    def on_text(self, text: str, t: float) -> None:
        self.frames += 1
        self.bytes += len(text)
        if text.startswith('{"type":"lobby"') or text.startswith('{"type":"answers"'):
            return  # big and frequent while players join; the bench does not need them
        msg = json.loads(text)
        kind = msg.get("type")
        if kind == "error":
            self.errors[str(msg.get("code"))] += 1
            return
        index = msg.get("index", -1) if kind != "finished" else -1
        key = (str(kind), int(index) if isinstance(index, int) else -1)
        self.seen.setdefault(key, t)
        waiter = self._waiters.pop(key, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(t)

    async def wait(self, kind: str, index: int, timeout: float) -> float | None:
        key = (kind, index)
        if key in self.seen:
            return self.seen[key]
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters[key] = fut
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            self.errors[f"no {kind} {index} within {timeout:.0f} s"] += 1
            return None

    def send(self, msg: dict[str, Any]) -> float:
        assert self.client is not None
        t = time.time()
        self.client.send(json.dumps(msg))
        return t

    async def play(self, questions: int, time_limit_s: float, gap_s: float, start_delay: float) -> None:
        await asyncio.sleep(start_delay)
        for i in range(questions):
            self.sent[i] = self.send({"type": "next"})
            if await self.wait("question", i, 10) is None:
                return
            if await self.wait("reveal", i, time_limit_s + 10) is None:
                return
            await asyncio.sleep(gap_s)
            self.send({"type": "next"})
            if await self.wait("scoreboard", i, 10) is None:
                return
            await asyncio.sleep(gap_s)
        self.send({"type": "next"})
        await self.wait("finished", -1, 10)

    async def broadcast(self, questions: int, gap_s: float, start_delay: float) -> None:
        """Against the floor server: each `next` is one prebuilt frame to every socket."""
        await asyncio.sleep(start_delay)
        for i in range(questions):
            self.sent[i] = self.send({"type": "next"})
            if await self.wait("question", i, 10) is None:
                return
            await asyncio.sleep(gap_s)


class Probe:
    """Pings a server every 50 ms over a WebSocket; the slowest pong bounds its event-loop stalls."""

    def __init__(self, interval_s: float = 0.05) -> None:
        self.interval_s = interval_s
        self.client: WsClient | None = None
        self.rtt_ms: list[float] = []
        self._sent: float | None = None
        self._task: asyncio.Task[None] | None = None

    def on_text(self, text: str, t: float) -> None:
        if text.startswith('{"type":"pong"') and self._sent is not None:
            self.rtt_ms.append((t - self._sent) * 1000)
            self._sent = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            now = time.time()
            if self._sent is not None:
                continue  # the last pong is still owed; its RTT will show the stall
            if self.client is not None:
                self._sent = now
                self.client.send('{"type":"ping"}')

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    def take(self) -> list[float]:
        """RTTs so far (plus a still-owed ping's age), and start afresh."""
        out = list(self.rtt_ms)
        if self._sent is not None:
            out.append((time.time() - self._sent) * 1000)
        self.rtt_ms.clear()
        return out


