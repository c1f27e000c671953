"""The players: load-generator processes that join, answer and stamp every frame."""

from __future__ import annotations

import asyncio
import json
import math
import multiprocessing
import multiprocessing.connection
import random
import resource
import signal
import time
from collections import Counter, defaultdict
from collections.abc import Coroutine
from typing import Any, TypeVar

from ...shared.gcwatch import GcWatch
from ..bots import AnswerKey, choose_answer
from .client import WsClient, open_ws, ws_url
from .procs import raise_nofile

T = TypeVar("T")


class Player:
    """One simulated phone: joins, answers each question within the answer window, records times."""

    __slots__ = ("answered", "client", "code", "joined", "key", "lost_close", "q_mask", "r_mask", "res_mask",
                 "rng", "sent_at", "t_join_sent", "w")

    def __init__(self, w: Worker, code: str, rng: random.Random) -> None:
        self.w = w
        self.code = code
        self.rng = rng
        self.client: WsClient | None = None
        self.joined: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        # A refusal after the join was given up on is counted in `errors`, not raised again.
        self.joined.add_done_callback(lambda f: f.cancelled() or f.exception())
        self.t_join_sent = 0.0
        self.q_mask = 0
        self.r_mask = 0
        self.res_mask = 0
        self.answered = 0
        self.sent_at: dict[int, float] = {}
        self.lost_close: int | None = None

    def on_text(self, text: str, t: float) -> None:
        msg = json.loads(text)
        kind = msg.get("type")
        w = self.w
        w.frames[kind] += 1
        if kind == "question":
            index = msg["index"]
            bit = 1 << index
            if self.q_mask & bit:
                return
            self.q_mask |= bit
            w.q_times[(self.code, index)].append(t)
            if w.answer_window_s > 0:
                delay = self.rng.uniform(0.1, w.answer_window_s)
                asyncio.get_running_loop().call_later(delay, self.answer, msg)
        elif kind == "answer_ack":
            sent = self.sent_at.pop(msg.get("index"), None)
            if sent is not None:
                w.ack_ms.append((t - sent) * 1000)
        elif kind == "reveal":
            index = msg["index"]
            if not self.r_mask & (1 << index):
                self.r_mask |= 1 << index
                w.r_times[(self.code, index)].append(t)
        elif kind == "result":
            self.res_mask |= 1 << msg["index"]
        elif kind == "welcome":
            if not self.joined.done():
                self.joined.set_result(t)
        elif kind == "error":
            w.errors[str(msg.get("code"))] += 1
            if not self.joined.done():
                self.joined.set_exception(ConnectionError(f"refused: {msg.get('code')}"))
        elif kind == "spectating":
            w.errors["spectating"] += 1

    def answer(self, frame: dict[str, Any]) -> None:
        client = self.client
        if client is None or client.lost.done():
            return
        index = frame["index"]
        value = choose_answer(frame, self.w.key.lookup(frame), self.rng, 0.7)
        self.sent_at[index] = time.time()
        self.answered += 1
        client.send(json.dumps({"type": "answer", "index": index, "answer": value}))


class Worker:
    """The players of one load-generator process."""

    def __init__(self, deck_path: str, answer_window_s: float, compression: bool, seed: int) -> None:
        self.key = AnswerKey.load(deck_path)
        self.answer_window_s = answer_window_s
        self.compression = compression
        self.rng = random.Random(seed)
        self.players: list[Player] = []
        self.q_times: defaultdict[tuple[str, int], list[float]] = defaultdict(list)
        self.r_times: defaultdict[tuple[str, int], list[float]] = defaultdict(list)
        self.ack_ms: list[float] = []
        self.frames: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.connect_ms: list[float] = []
        self.join_ms: list[float] = []
        self.first_start = math.inf
        self.last_welcome = 0.0
        self.failures: Counter[str] = Counter()
        self.lag_max_ms = 0.0
        self.unexpected_closes: Counter[int] = Counter()

    async def join_all(self, plan: list[tuple[float, str, str, str]]) -> dict[str, Any]:
        """plan: (start time, server url, room code, nickname), each started at its time (open loop)."""
        tasks = [asyncio.create_task(self._join_one(*item)) for item in plan]
        await asyncio.gather(*tasks, return_exceptions=True)
        return {"joined": sum(1 for p in self.players if p.joined.done() and not p.joined.exception()),
                "failures": dict(self.failures)}

    async def _join_one(self, at: float, url: str, code: str, nickname: str) -> None:
        await asyncio.sleep(max(0.0, at - time.time()))
        player = Player(self, code, random.Random(self.rng.getrandbits(64)))
        start = time.time()
        self.first_start = min(self.first_start, start)
        try:
            client, connect_s = await open_ws(ws_url(url, code), player.on_text, self.compression)
        except Exception as exc:
            self.failures[f"connect: {type(exc).__name__}: {exc}"[:120]] += 1
            return
        player.client = client
        self.players.append(player)
        client.lost.add_done_callback(self._lost)
        self.connect_ms.append(connect_s * 1000)
        player.t_join_sent = time.time()
        client.send(json.dumps({"type": "join", "nickname": nickname}))
        try:
            t_welcome = await asyncio.wait_for(player.joined, 30)
        except Exception as exc:
            self.failures[f"join: {type(exc).__name__}: {exc}"[:120]] += 1
            return
        self.join_ms.append((t_welcome - player.t_join_sent) * 1000)
        self.last_welcome = max(self.last_welcome, t_welcome)

    def _lost(self, fut: asyncio.Future[int]) -> None:
        if not self.closing:
            self.unexpected_closes[fut.result()] += 1

    closing = False

    async def measure_lag(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            t = loop.time()
            await asyncio.sleep(0.01)
            self.lag_max_ms = max(self.lag_max_ms, (loop.time() - t - 0.01) * 1000)

    def report(self, questions: int) -> dict[str, Any]:
        joined = [p for p in self.players if p.joined.done() and not p.joined.exception()]
        all_bits = (1 << questions) - 1
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "q_times": {f"{c}/{i}": v for (c, i), v in self.q_times.items()},
            "r_times": {f"{c}/{i}": v for (c, i), v in self.r_times.items()},
            "ack_ms": self.ack_ms,
            "connect_ms": self.connect_ms,
            "join_ms": self.join_ms,
            "first_start": self.first_start,
            "last_welcome": self.last_welcome,
            "joined": len(joined),
            "answers_sent": sum(p.answered for p in joined),
            "lost_questions": sum(bin(all_bits & ~p.q_mask).count("1") for p in joined),
            "lost_reveals": sum(bin(all_bits & ~p.r_mask).count("1") for p in joined),
            "lost_results": sum(bin(all_bits & ~p.res_mask).count("1") for p in joined),
            "frames": dict(self.frames),
            "errors": dict(self.errors),
            "failures": dict(self.failures),
            "unexpected_closes": {str(k): v for k, v in self.unexpected_closes.items()},
            "lag_max_ms": self.lag_max_ms,
            "cpu_s": usage.ru_utime + usage.ru_stime,
        }

    async def close_all(self) -> None:
        self.closing = True
        for p in self.players:
            if p.client is not None:
                p.client.close()
        await asyncio.sleep(0.2)


def run_loop(coro: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop

        return uvloop.run(_frozen_gc(coro))
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(_frozen_gc(coro))


async def _frozen_gc(coro: Coroutine[Any, Any, T]) -> T:
    """The server's collector policy (`thaw.shared.gcwatch`) in the load generator too: a full
    collection over 9,000 client sockets' objects stalls it, and its time stamps with it."""
    GcWatch.tune()
    freezer = asyncio.create_task(GcWatch().keep_frozen(1.0, lambda: False))
    try:
        return await coro
    finally:
        freezer.cancel()


def worker_main(pipe: multiprocessing.connection.Connection, deck_path: str, answer_window_s: float,
                compression: bool, seed: int) -> None:
    """A load-generator process: obeys `join`, `report` and `close` from the bench."""
    raise_nofile()
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        worker = Worker(deck_path, answer_window_s, compression, seed)
        lag = asyncio.create_task(worker.measure_lag())
        while True:
            cmd: dict[str, Any] = await loop.run_in_executor(None, pipe.recv)
            op = cmd["op"]
            if op == "join":
                pipe.send(await worker.join_all(cmd["plan"]))
            elif op == "report":
                pipe.send(worker.report(cmd["questions"]))
            elif op == "reset_lag":
                worker.lag_max_ms = 0.0
                pipe.send({})
            elif op == "close":
                await worker.close_all()
                lag.cancel()
                pipe.send({})
                return

    run_loop(serve())


