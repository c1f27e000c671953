"""`thaw bench SCENARIO`: reproducible load tests against servers started for the run.

Why it is built this way:

- The servers are real `thaw serve` processes (uvicorn), started here on free
  loopback ports with a small bench deck, so the figures are those of the
  shipped server, not of an in-process test double.
- The load generator speaks the wire contract with a lean client: websockets'
  sans-I/O protocol inside an `asyncio.Protocol`, so that one process can hold
  thousands of sockets and stamp each frame when its bytes arrive (the asyncio
  client's per-message tasks would add its own queueing to every latency).
- Players run in worker processes (`--workers`); hosts, the stall probe and the
  bookkeeping run in the main process, which stays nearly idle, so its clocks
  are honest. Latencies across processes compare `time.time()` stamps: all
  processes share the machine's clock.
- Fan-out latency is measured from the host's `next` (just before its bytes are
  written) to each player's receipt of the `question` frame: it includes the
  command's trip and processing, the commit, and the fan-out to every socket.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from ..gcwatch import GcWatch
from . import yardstick
from .bots import AnswerKey, choose_answer

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
T = TypeVar("T")

KIND_CYCLE = ("choice", "order", "number", "text", "poll", "truefalse", "multi")


# -- scenarios ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    metric: str
    limit: float
    higher_is_better: bool = False

    def ok(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.limit if self.higher_is_better else value <= self.limit


@dataclass(slots=True)
class Scenario:
    name: str
    rooms: int
    players: int  # per room
    questions: int
    instances: int = 1
    store: str = "memory"
    game: bool = True
    join_window_s: float = 4.0  # joins arrive uniformly over this window (open loop)
    answer_window_s: float = 2.0  # each player answers uniform(0.1, this) after the question
    stagger_s: float = 0.0  # rooms start their games spread over this many seconds
    gap_s: float = 0.5  # host pause between reveal, scoreboard and the next question
    targets: tuple[Target, ...] = ()
    compression: bool = False

    @property
    def connections(self) -> int:
        return self.rooms * self.players


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "room-2000": lambda: Scenario(
        "room-2000", rooms=1, players=2000, questions=5, join_window_s=4.0, gap_s=1.0,
        targets=(Target("fanout_p99_ms", 120), Target("lost", 0), Target("ack_p99_ms", 60),
                 Target("ack_max_ms", 250))),
    "room-5000": lambda: Scenario(  # the stretch goal
        "room-5000", rooms=1, players=5000, questions=5, join_window_s=10.0, gap_s=1.0,
        targets=(Target("fanout_p99_ms", 400), Target("lost", 0))),
    "district": lambda: Scenario(
        "district", rooms=300, players=30, questions=5, join_window_s=12.0, stagger_s=4.0, gap_s=1.0,
        targets=(Target("fanout_p99_ms", 25), Target("ack_p99_ms", 50), Target("stall_max_ms", 100),
                 Target("server_cpu_cores", 0.5), Target("rss_kib_per_conn", 32), Target("lost", 0))),
    "join-storm": lambda: Scenario(
        "join-storm", rooms=1, players=2000, questions=1, game=False, join_window_s=1.6,
        targets=(Target("joins_per_s", 1000, higher_is_better=True), Target("connect_p99_ms", 300),
                 Target("joined_within_2s", 1, higher_is_better=True))),
    "scale-out": lambda: Scenario(
        "scale-out", rooms=1, players=2000, questions=5, instances=3, store="redis", join_window_s=4.0,
        gap_s=1.0,
        targets=(Target("fanout_p99_ms", 120), Target("lost", 0), Target("ack_p99_ms", 60),
                 Target("ack_max_ms", 250))),
}


def bench_deck(questions: int) -> str:
    """A deck with every kind (5 s, the shortest time limit), cycled to `questions` questions."""
    lines = ["id: bench", "title: Bench deck (every kind)", "defaults: {time_limit: 5, points: 1000}", "questions:"]
    for i in range(questions):
        kind = KIND_CYCLE[i % len(KIND_CYCLE)]
        p = f'    prompt: "Bench question {i + 1} ({kind})"'
        if kind == "choice":
            lines += ["  - kind: choice", p, '    options: ["alpha", "bravo", "charlie", "delta"]',
                      '    correct: "bravo"']
        elif kind == "multi":
            lines += ["  - kind: choice", p, '    options: ["north", "south", "east", "west"]',
                      '    correct: ["north", "east"]']
        elif kind == "truefalse":
            lines += ["  - kind: truefalse", p, "    correct: false"]
        elif kind == "order":
            lines += ["  - kind: order", p, '    items: ["first", "second", "third", "fourth", "fifth"]',
                      "    points: 2000"]
        elif kind == "number":
            lines += ["  - kind: number", p, "    min: 1900", "    max: 2000", "    step: 1", "    answer: 1956"]
        elif kind == "text":
            lines += ["  - kind: text", p, '    accept: ["Khrushchev", "Khrushchov"]']
        else:
            lines += ["  - kind: poll", p, '    options: ["yes", "no", "maybe"]']
    return "\n".join(lines) + "\n"


# -- processes: servers, redis -------------------------------------------------------------


def raise_nofile() -> int:
    """Soft open-files limit up to the hard one: thousands of sockets per process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft < want:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Proc:
    """A child process we started, with the bits of /proc the report needs."""

    name: str
    port: int
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_s(self) -> float:
        return sum(self.cpu_split())

    def cpu_split(self) -> tuple[float, float]:
        """(user, system) CPU seconds: on loopback, the kernel's share includes delivering to the peer."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan, math.nan
        return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK

    def rss_kib(self) -> int:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)


def _get(url: str, timeout: float = 1.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return int(r.status), r.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


def start_server(workdir: Path, env: dict[str, str], compression: bool, name: str) -> Proc:
    """`python -m thaw.cli serve` on a free port; returns once /healthz answers 200."""
    port = free_port()
    log_path = workdir / f"{name}-{port}.log"
    args = [sys.executable, "-m", "thaw.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning"]
    if compression:
        args.append("--compression")
    with open(log_path, "wb") as out:
        popen = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT,
                                 preexec_fn=raise_nofile)
    proc = Proc(name, port, popen, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            raise RuntimeError(f"{name} exited with {popen.returncode}:\n{proc.log_tail()}")
        with contextlib.suppress(OSError):
            if _get(f"{proc.url}/healthz")[0] == 200:
                return proc
        time.sleep(0.1)
    proc.stop()
    raise RuntimeError(f"{name} did not become healthy in 30 s:\n{proc.log_tail()}")


def start_redis(workdir: Path) -> Proc:
    """A private redis-server, so that INFO commandstats counts this run's commands only."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not installed; pass --redis-url")
    port = free_port()
    log_path = workdir / f"redis-{port}.log"
    with open(log_path, "wb") as out:
        popen = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                  "--maxclients", "20000", "--dir", str(workdir)],
                                 stdout=out, stderr=subprocess.STDOUT, preexec_fn=raise_nofile)
    proc = Proc("redis", port, popen, log_path)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return proc
        time.sleep(0.05)
    proc.stop()
    raise RuntimeError(f"redis-server did not start:\n{proc.log_tail()}")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


def pid_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def redis_commandstats(url: str) -> dict[str, int]:
    import redis

    client = redis.Redis.from_url(url)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return {k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in stats.items() if isinstance(v, dict)}


# -- a lean WebSocket client ------------------------------------------------------------------


class WsClient(asyncio.Protocol):
    """websockets' sans-I/O client in an asyncio.Protocol; `handler(text, t)` gets every text
    message with `t = time.time()` taken when its bytes arrived.

    websockets does the handshake and everything this client sends. Once the
    connection is open (and uncompressed), incoming frames are parsed here: a
    server's frames are never masked, so a frame is a header and a payload, and
    this is several times cheaper than the general parser. At 9,000 sockets in one
    process, the client's own parsing was what delayed the stamps
    (`docs/performance.md`).
    """

    def __init__(self, uri: str, handler: Callable[[str, float], None], compression: bool = False) -> None:
        extensions = [ClientPerMessageDeflateFactory(client_max_window_bits=True)] if compression else None
        self.ws = ClientProtocol(parse_uri(uri), extensions=extensions, max_size=1 << 24)
        self.handler = handler
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[float] = loop.create_future()
        self.lost: asyncio.Future[int] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self._parts: list[bytes] = []
        self._lean = False  # parse frames here (after an uncompressed handshake)
        self._buffer = b""
        self._close_code: int | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass, but quacks
        self.ws.send_request(self.ws.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        t = time.time()
        if self._lean:
            self._parse(data, t)
            return
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Frame):
                op = event.opcode
                if op is Opcode.TEXT:
                    if event.fin:
                        self.handler(str(event.data, "utf-8"), t)
                    else:
                        self._parts = [bytes(event.data)]
                elif op is Opcode.CONT and self._parts:
                    self._parts.append(bytes(event.data))
                    if event.fin:
                        text, self._parts = b"".join(self._parts).decode(), []
                        self.handler(text, t)
            elif isinstance(event, Response) and not self.opened.done():
                if self.ws.handshake_exc is not None:
                    self.opened.set_exception(self.ws.handshake_exc)
                else:
                    # The server speaks only when spoken to: nothing follows the 101 yet.
                    self._lean = not self.ws.extensions
                    self.opened.set_result(t)
        self._flush()

    def _parse(self, data: bytes, t: float) -> None:
        buf = self._buffer + data if self._buffer else data
        end = len(buf)
        pos = 0
        handler = self.handler
        while end - pos >= 2:
            b0 = buf[pos]
            length = buf[pos + 1]
            head = pos + 2
            if length & 0x80:
                self._fail(1002)  # a server never masks its frames
                return
            if length == 126:
                if end - head < 2:
                    break
                length = int.from_bytes(buf[head:head + 2], "big")
                head += 2
            elif length == 127:
                if end - head < 8:
                    break
                length = int.from_bytes(buf[head:head + 8], "big")
                head += 8
            stop = head + length
            if stop > end:
                break
            pos = stop
            op = b0 & 0x0F
            if op == 1:
                if b0 & 0x80:
                    handler(buf[head:stop].decode(), t)
                else:
                    self._parts = [buf[head:stop]]
            elif op == 0 and self._parts:
                self._parts.append(buf[head:stop])
                if b0 & 0x80:
                    text, self._parts = b"".join(self._parts).decode(), []
                    handler(text, t)
            elif op == 9:  # ping
                self._control(9, buf[head:stop])
            elif op == 8:  # close: answer it, then the server closes the TCP connection
                payload = buf[head:stop]
                self._close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self._control(8, b"")
                self._buffer = b""
                return
        self._buffer = buf[pos:]

    def _control(self, op: int, payload: bytes) -> None:
        """Answer a ping with a pong, a close with a close (masked by websockets)."""
        with contextlib.suppress(Exception):
            if op == 9:
                self.ws.send_pong(payload)
            else:
                self.ws.send_close(self._close_code or 1000)
            self._flush()

    def _fail(self, code: int) -> None:
        self._close_code = code
        if self.transport is not None:
            self.transport.close()

    def _flush(self) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        for chunk in self.ws.data_to_send():
            if chunk:
                transport.write(chunk)
            elif transport.can_write_eof():
                transport.write_eof()

    def send(self, text: str) -> None:
        with contextlib.suppress(Exception):  # a closed socket: the caller sees it via `lost`
            self.ws.send_text(text.encode())
            self._flush()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.send_close(1000)
            self._flush()
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.ws.receive_eof()
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"connection lost during the handshake: {exc}"))
        if not self.lost.done():
            self.lost.set_result(self._close_code or self.ws.close_code or 1006)


async def open_ws(url: str, handler: Callable[[str, float], None], compression: bool,
                  timeout: float = 30.0) -> tuple[WsClient, float]:
    """Connect; returns the client and the seconds from connect() to the handshake's response."""
    loop = asyncio.get_running_loop()
    uri = parse_uri(url)
    t0 = time.time()
    _transport, client = await asyncio.wait_for(
        loop.create_connection(lambda: WsClient(url, handler, compression), uri.host, uri.port), timeout)
    t_open = await asyncio.wait_for(client.opened, timeout)
    return client, t_open - t0


def _ws_url(http_url: str, code: str) -> str:
    return http_url.replace("http://", "ws://", 1) + f"/ws/{code}"


# -- players (in worker processes) --------------------------------------------------------------


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
            client, connect_s = await open_ws(_ws_url(url, code), player.on_text, self.compression)
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


def _run_loop(coro: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop

        return uvloop.run(_frozen_gc(coro))
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(_frozen_gc(coro))


async def _frozen_gc(coro: Coroutine[Any, Any, T]) -> T:
    """The server's collector policy (`thaw.gcwatch`) in the load generator too: a full
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

    _run_loop(serve())


# -- hosts and the stall probe (main process) ------------------------------------------------------


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

    def on_text(self, text: str, t: float) -> None:
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


# -- statistics ------------------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


def dist(values: Sequence[float]) -> dict[str, float | int | None]:
    return {"n": len(values), "p50": pct(values, 50), "p99": pct(values, 99),
            "max": max(values) if values else None}


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None or math.isnan(x) else round(x, nd)


# -- the run ------------------------------------------------------------------------------------------


@dataclass
class Run:
    scenario: Scenario
    workers: int
    redis_url: str | None
    keep_logs: bool
    seed: int
    profile: Path | None = None
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="thaw-bench-")))
    servers: list[Proc] = field(default_factory=list)
    redis: Proc | None = None
    pipes: list[multiprocessing.connection.Connection] = field(default_factory=list)
    procs: list[multiprocessing.process.BaseProcess] = field(default_factory=list)

    def setup(self) -> None:
        sc = self.scenario
        content = self.workdir / "content"
        content.mkdir()
        (content / "bench.yaml").write_text(bench_deck(sc.questions))
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "THAW_CONTENT": str(content),
               # Every bench client comes from 127.0.0.1: lift the per-address limits.
               "THAW_JOINS_PER_MINUTE": "1000000", "THAW_ROOM_JOINS_PER_MINUTE": "1000000",
               "THAW_ROOMS_PER_MINUTE": "100000", "THAW_CONNECTIONS_PER_ADDRESS": "1000000",
               "THAW_MESSAGES_PER_SECOND": "1000", "THAW_MESSAGE_BURST": "1000",
               "THAW_MAX_PLAYERS": str(max(2000, sc.players))}
        env.pop("REDIS_URL", None)
        if sc.store == "redis":
            if self.redis_url is None:
                self.redis = start_redis(self.workdir)
                self.redis_url = f"redis://127.0.0.1:{self.redis.port}/0"
            env["REDIS_URL"] = self.redis_url
        elif sc.instances > 1:
            raise RuntimeError("several instances need --store redis")
        for i in range(sc.instances):
            self.servers.append(start_server(self.workdir, {**env, "THAW_INSTANCE": f"bench-{i}"},
                                             sc.compression, f"server{i}"))
        ctx = multiprocessing.get_context("fork")
        for w in range(self.workers):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=worker_main, daemon=True,
                               args=(child, str(content / "bench.yaml"), sc.answer_window_s, sc.compression,
                                     self.seed * 1000 + w))
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    def teardown(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(Exception):
                pipe.send({"op": "close"})
                if pipe.poll(5):
                    pipe.recv()
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
        for server in self.servers:
            server.stop()
        if self.redis is not None:
            self.redis.stop()
        if not self.keep_logs:
            shutil.rmtree(self.workdir, ignore_errors=True)

    async def ask(self, msgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send one command to each worker, wait for every answer (in threads: pipes block)."""
        loop = asyncio.get_running_loop()

        def roundtrip(pipe: multiprocessing.connection.Connection, msg: dict[str, Any]) -> dict[str, Any]:
            pipe.send(msg)
            answer: dict[str, Any] = pipe.recv()
            return answer

        return list(await asyncio.gather(*(loop.run_in_executor(None, roundtrip, p, m)
                                           for p, m in zip(self.pipes, msgs, strict=True))))

    def _start_profile(self) -> subprocess.Popen[bytes] | None:
        """py-spy on the first server (`--profile FILE`): where its CPU goes.

        It covers the game, or the joins in a scenario without one (join-storm).
        """
        if self.profile is None:
            return None
        exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        fmt = "speedscope" if self.profile.suffix == ".json" else ("raw" if self.profile.suffix == ".txt"
                                                                   else "flamegraph")
        self.profile.parent.mkdir(parents=True, exist_ok=True)
        return subprocess.Popen([exe, "record", "--pid", str(self.servers[0].pid), "--rate", "200", "--format", fmt,
                                 "-o", str(self.profile)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    @staticmethod
    def _stop_profile(spy: subprocess.Popen[bytes] | None) -> None:
        if spy is None:
            return
        spy.send_signal(signal.SIGINT)
        try:
            spy.wait(30)
        except subprocess.TimeoutExpired:
            spy.kill()

    def cpu(self) -> float:
        return sum(s.cpu_s() for s in self.servers)

    def system_cpu(self) -> float:
        return sum(s.cpu_split()[1] for s in self.servers)

    def ours_cpu(self) -> float:
        """CPU seconds of every process of this run (servers, redis, workers, this one)."""
        pids = [s.pid for s in self.servers] + [p.pid for p in self.procs if p.pid is not None]
        if self.redis is not None:
            pids.append(self.redis.pid)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return sum(pid_cpu(pid) for pid in pids) + usage.ru_utime + usage.ru_stime

    def foreign(self, before: tuple[float, float, float]) -> float:
        """Cores used by processes outside this run since `before` (a shared machine skews figures)."""
        busy0, total0, ours0 = before
        busy1, total1 = machine_cpu()
        wall = (total1 - total0) / max(1, os.cpu_count() or 1)
        return max(0.0, (busy1 - busy0) - (self.ours_cpu() - ours0)) / max(1e-6, wall)

    def mark(self) -> tuple[float, float, float]:
        return (*machine_cpu(), self.ours_cpu())

    def rss(self) -> int:
        return sum(s.rss_kib() for s in self.servers)

    async def go(self) -> dict[str, Any]:
        sc = self.scenario
        loop = asyncio.get_running_loop()
        m: dict[str, Any] = {}
        notes: list[str] = []

        # Rooms, and their hosts.
        rooms: list[tuple[str, str]] = []
        for ri in range(sc.rooms):
            url = self.servers[ri % len(self.servers)].url
            created = await loop.run_in_executor(None, _create_room, url)
            rooms.append(created)
        hosts = [Host(code, token, self.servers[i % len(self.servers)].url) for i, (code, token) in enumerate(rooms)]
        for h in hosts:
            h.client, _ = await open_ws(_ws_url(h.url, h.code), h.on_text, False)
            h.send({"type": "host", "token": h.token})
        probes: list[Probe] = []
        for server in self.servers:
            probe = Probe()
            code, token = rooms[0]
            probe.client, _ = await open_ws(_ws_url(server.url, code), probe.on_text, False)
            probe.client.send(json.dumps({"type": "host", "token": token}))
            probes.append(probe)
        await asyncio.sleep(1.0)
        for probe in probes:
            probe.start()
        idle_rss = self.rss()
        idle_conns = len(hosts) + len(probes)
        stats0 = redis_commandstats(self.redis_url) if self.redis_url else {}

        # Joins: open loop, uniform over the window, players of room r spread over the instances.
        total = sc.connections
        start_at = time.time() + 0.5
        plans: list[list[tuple[float, str, str, str]]] = [[] for _ in self.pipes]
        order = list(range(total))
        random.Random(self.seed).shuffle(order)  # rooms fill in parallel, as in a district morning
        width = max(3, len(str(sc.players)))
        for slot, n in enumerate(order):
            room, seat = divmod(n, sc.players)
            target = self.servers[n % len(self.servers)].url
            at = start_at + sc.join_window_s * slot / max(1, total)
            plans[n % len(self.pipes)].append((at, target, rooms[room][0], f"bench-{seat + 1:0{width}d}"))
        join_spy = None if sc.game else self._start_profile()  # join-storm: the joins are the run
        cpu0 = self.cpu()
        mark_join = self.mark()
        t0 = time.time()
        joined = await self.ask([{"op": "join", "plan": plan} for plan in plans])
        self._stop_profile(join_spy)
        join_wall = time.time() - t0
        m["join_phase_cpu_s"] = _r(self.cpu() - cpu0, 2)
        m["foreign_cpu_cores_join"] = _r(self.foreign(mark_join), 2)
        stall_join = [x for p in probes for x in p.take()]
        m["joined"] = sum(j["joined"] for j in joined)
        if m["joined"] < total:
            notes.append(f"{total - m['joined']} of {total} players failed to join: "
                         + "; ".join(f"{n} x {k}" for j in joined for k, n in j["failures"].items()))
        await asyncio.sleep(1.5)  # let the lobby coalescing and allocator settle
        rss_now = self.rss()
        conns = m["joined"] + len(hosts) + len(probes)
        m["rss_idle_server_kib"] = idle_rss
        m["rss_joined_server_kib"] = rss_now
        m["rss_kib_per_conn"] = _r((rss_now - idle_rss) / max(1, conns - idle_conns), 1)
        stats1 = redis_commandstats(self.redis_url) if self.redis_url else {}

        # The game.
        game_cpu = 0.0
        game_wall = 0.0
        cycle_cpu: list[float] = []
        if sc.game:
            await self.ask([{"op": "reset_lag"} for _ in self.pipes])
            for p in probes:
                p.take()
            spy = self._start_profile()
            cpu1 = self.cpu()
            sys1 = self.system_cpu()
            mark_game = self.mark()
            tg = time.time()
            rng = random.Random(self.seed + 1)
            plays = [asyncio.create_task(h.play(sc.questions, 5.0, sc.gap_s, rng.uniform(0, sc.stagger_s)))
                     for h in hosts]
            if sc.rooms == 1:
                # One room: sample the server's CPU at each question's `next`.
                host = hosts[0]
                last = cpu1
                while not plays[0].done():
                    await asyncio.sleep(0.01)
                    if len(host.sent) > len(cycle_cpu) + 1:
                        now = self.cpu()
                        cycle_cpu.append(now - last)
                        last = now
                await plays[0]
                cycle_cpu.append(self.cpu() - last)
            await asyncio.gather(*plays)
            game_wall = time.time() - tg
            game_cpu = self.cpu() - cpu1
            m["game_system_cpu_s"] = _r(self.system_cpu() - sys1, 2)
            m["foreign_cpu_cores_game"] = _r(self.foreign(mark_game), 2)
            self._stop_profile(spy)
            await asyncio.sleep(0.5)  # standings
        stall_game = [x for p in probes for x in p.take()]
        stats2 = redis_commandstats(self.redis_url) if self.redis_url else {}
        reports = await self.ask([{"op": "report", "questions": sc.questions} for _ in self.pipes])

        # Join metrics.
        connect_ms = [x for r in reports for x in r["connect_ms"]]
        join_ms = [x for r in reports for x in r["join_ms"]]
        first = min(r["first_start"] for r in reports)
        last = max(r["last_welcome"] for r in reports)
        span = max(1e-6, last - first)
        m["join_span_s"] = _r(span, 2)
        m["joins_per_s"] = _r(m["joined"] / span, 0)
        m["offered_joins_per_s"] = _r(total / max(1e-6, sc.join_window_s), 0)
        m["joined_within_2s"] = 1 if m["joined"] == total and span <= 2.0 else 0
        m["connect_ms"] = {k: _r(v) for k, v in dist(connect_ms).items()}
        m["join_ms"] = {k: _r(v) for k, v in dist(join_ms).items()}
        m["connect_p99_ms"] = m["connect_ms"]["p99"]
        m["stall_join_max_ms"] = _r(max(stall_join, default=0.0))
        m["join_phase_wall_s"] = _r(join_wall, 2)

        if sc.game:
            fanout: list[float] = []
            spread: list[float] = []
            q_times: defaultdict[str, list[float]] = defaultdict(list)
            r_times: defaultdict[str, list[float]] = defaultdict(list)
            for r in reports:
                for k, v in r["q_times"].items():
                    q_times[k].extend(v)
                for k, v in r["r_times"].items():
                    r_times[k].extend(v)
            by_question: defaultdict[int, list[float]] = defaultdict(list)
            for h in hosts:
                for i, sent in h.sent.items():
                    times = q_times.get(f"{h.code}/{i}", [])
                    fanout.extend((t - sent) * 1000 for t in times)
                    by_question[i].extend((t - sent) * 1000 for t in times)
                    if times:
                        spread.append((max(times) - min(times)) * 1000)
            reveal_spread = [(max(v) - min(v)) * 1000 for v in r_times.values() if v]
            ack_ms = [x for r in reports for x in r["ack_ms"]]
            m["fanout_ms"] = {k: _r(v) for k, v in dist(fanout).items()}
            m["fanout_p99_ms"] = m["fanout_ms"]["p99"]
            m["fanout_by_question_ms"] = {str(i): {k: _r(v) for k, v in dist(xs).items()}
                                          for i, xs in sorted(by_question.items())}
            m["fanout_spread_ms"] = {k: _r(v) for k, v in dist(spread).items()}
            m["reveal_spread_ms"] = {k: _r(v) for k, v in dist(reveal_spread).items()}
            m["ack_ms"] = {k: _r(v) for k, v in dist(ack_ms).items()}
            m["ack_p99_ms"] = m["ack_ms"]["p99"]
            m["ack_max_ms"] = m["ack_ms"]["max"]
            m["answers_sent"] = sum(r["answers_sent"] for r in reports)
            m["answers_acked"] = len(ack_ms)
            m["lost_questions"] = sum(r["lost_questions"] for r in reports)
            m["lost_reveals"] = sum(r["lost_reveals"] for r in reports)
            m["lost_results"] = sum(r["lost_results"] for r in reports)
            m["lost"] = m["lost_questions"] + m["lost_reveals"]
            m["delivered_pct"] = _r(100 * (1 - m["lost"] / max(1, 2 * m["joined"] * sc.questions)), 3)
            m["game_wall_s"] = _r(game_wall, 2)
            m["game_cpu_s"] = _r(game_cpu, 2)
            m["server_cpu_cores"] = _r(game_cpu / max(1e-6, game_wall), 3)
            m["cpu_s_per_question"] = _r(game_cpu / (sc.rooms * sc.questions), 3)
            if cycle_cpu:
                m["cpu_s_per_question_cycle"] = [_r(x, 3) for x in cycle_cpu[1:]]
            m["stall_max_ms"] = _r(max(stall_game, default=0.0))
            m["stall_p99_ms"] = _r(pct(stall_game, 99))
            host_errors: Counter[str] = Counter()
            for h in hosts:
                host_errors.update(h.errors)
            if host_errors:
                notes.append("host errors: " + ", ".join(f"{n} x {k}" for k, n in host_errors.most_common(5)))
        else:
            m["stall_max_ms"] = m["stall_join_max_ms"]
        errors: Counter[str] = Counter()
        frames: Counter[str] = Counter()
        closes: Counter[str] = Counter()
        for r in reports:
            errors.update(r["errors"])
            frames.update(r["frames"])
            closes.update(r["unexpected_closes"])
        m["player_errors"] = dict(errors)
        m["player_frames"] = dict(frames)
        m["unexpected_closes"] = dict(closes)
        m["loadgen_cpu_s"] = [_r(r["cpu_s"], 2) for r in reports]
        m["loadgen_lag_max_ms"] = _r(max(r["lag_max_ms"] for r in reports))
        if self.redis_url:
            def delta(a: dict[str, int], b: dict[str, int], name: str) -> int:
                return b.get(name, 0) - a.get(name, 0)

            pubs_join = delta(stats0, stats1, "publish") + delta(stats0, stats1, "spublish")
            pubs_game = delta(stats1, stats2, "publish") + delta(stats1, stats2, "spublish")
            m["redis_publish_join_phase"] = pubs_join
            m["redis_publish_game_phase"] = pubs_game
            m["redis_publish_per_join"] = _r(pubs_join / max(1, m["joined"]), 2)
            if sc.game:
                transitions = sc.rooms * (3 * sc.questions + 1)
                answers = m.get("answers_sent", 0)
                m["redis_publish_per_question_cycle"] = _r(pubs_game / (sc.rooms * sc.questions), 1)
                m["redis_publish_per_room_event"] = _r(pubs_game / max(1, transitions + answers), 3)
                m["redis_room_events"] = {"host_transitions": transitions, "answers": answers}
            m["redis_commands_game_phase"] = {k: delta(stats1, stats2, k) for k in sorted(stats2)
                                              if delta(stats1, stats2, k)}
        for h in hosts:
            if h.client is not None:
                h.client.close()
        for p in probes:
            if p.client is not None:
                p.client.close()
        m["notes"] = notes
        return m


def _create_room(url: str) -> tuple[str, str]:
    body = json.dumps({"deck": "bench"}).encode()
    request = urllib.request.Request(f"{url}/api/rooms", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        created: dict[str, Any] = json.loads(response.read())
    return str(created["code"]), str(created["host_token"])


# -- report ----------------------------------------------------------------------------------------------


ROWS: tuple[tuple[str, str, str], ...] = (
    ("joined", "players joined", ""),
    ("offered_joins_per_s", "offered joins/s (arrival rate)", ""),
    ("joins_per_s", "joins/s achieved", ""),
    ("join_span_s", "first connect -> last welcome", "s"),
    ("connect_ms", "connect p50/p99/max", "ms"),
    ("join_ms", "join -> welcome p50/p99/max", "ms"),
    ("fanout_ms", "question fan-out p50/p99/max", "ms"),
    ("fanout_spread_ms", "fan-out first->last p50/max", "ms"),
    ("reveal_spread_ms", "reveal first->last p50/max", "ms"),
    ("ack_ms", "answer ack p50/p99/max", "ms"),
    ("answers_sent", "answers sent", ""),
    ("answers_acked", "answers acked", ""),
    ("lost", "messages lost (question+reveal)", ""),
    ("delivered_pct", "delivered", "%"),
    ("cpu_s_per_question", "server CPU per question", "s"),
    ("server_cpu_cores", "server CPU during game", "cores"),
    ("game_system_cpu_s", "  of which in the kernel (game)", "s"),
    ("rss_kib_per_conn", "RSS per connection", "KiB"),
    ("stall_max_ms", "longest ping RTT (stall)", "ms"),
    ("stall_join_max_ms", "longest ping RTT while joining", "ms"),
    ("redis_publish_per_question_cycle", "PUBLISH per question cycle", ""),
    ("redis_publish_per_room_event", "PUBLISH per transition or answer", ""),
    ("redis_publish_per_join", "PUBLISH per join", ""),
    ("loadgen_lag_max_ms", "load generator max loop lag", "ms"),
    ("foreign_cpu_cores_join", "other processes' CPU, joins", "cores"),
    ("foreign_cpu_cores_game", "other processes' CPU, game", "cores"),
)

TARGET_ROW = {"fanout_p99_ms": "fanout_ms", "ack_p99_ms": "ack_ms", "ack_max_ms": "ack_ms",
              "connect_p99_ms": "connect_ms", "joined_within_2s": "join_span_s"}


def _fmt(value: Any) -> str:
    if isinstance(value, dict):
        keys = ("p50", "max") if "p99" in value and value.get("n", 0) and "spread" in str(value) else None
        parts = [value.get(k) for k in (keys or ("p50", "p99", "max"))]
        return "/".join("-" if p is None else f"{p:g}" for p in parts)
    if isinstance(value, float):
        return f"{value:g}"
    return "-" if value is None else str(value)


def _machine_line(machine: dict[str, Any]) -> list[str]:
    speed = machine.get("yardstick")
    if not speed:
        return []
    return [f"machine yardstick (lower is faster): Python {speed['python_ms']:g} ms, "
            f"loopback {speed['loopback_us']:g} us per write"]


def table(result: dict[str, Any]) -> str:
    m = result["metrics"]
    checks: dict[str, list[str]] = defaultdict(list)
    for name, t in result["targets"].items():
        mark = {True: "ok", False: "MISSED", None: "n/a"}[t["ok"]]
        op = ">=" if t["higher_is_better"] else "<="
        checks[TARGET_ROW.get(name, name)].append(f"{name} {op} {t['limit']:g}: {mark}")
    lines = [f"thaw bench {result['scenario']}: {result['config']['rooms']} room(s) x {result['config']['players']} "
             f"players, {result['config']['instances']} instance(s), {result['config']['store']} store, "
             f"compression {'on' if result['config']['compression'] else 'off'}",
             *_machine_line(result.get("machine", {})),
             f"{'metric':<34}{'value':>22}  target"]
    for key, label, unit in ROWS:
        if key not in m:
            continue
        value = m[key]
        if key.endswith("spread_ms") and isinstance(value, dict):
            text = "/".join("-" if value.get(k) is None else f"{value[k]:g}" for k in ("p50", "max"))
        else:
            text = _fmt(value)
        lines.append(f"{label:<34}{(text + ' ' + unit).strip():>22}  {'; '.join(checks.get(key, []))}")
    for note in m.get("notes", []):
        lines.append(f"note: {note}")
    if m.get("player_errors"):
        lines.append("player errors: " + ", ".join(f"{k}: {v}" for k, v in m["player_errors"].items()))
    if m.get("unexpected_closes"):
        lines.append("unexpected closes: " + ", ".join(f"{k}: {v}" for k, v in m["unexpected_closes"].items()))
    missed = [n for n, t in result["targets"].items() if t["ok"] is False]
    lines.append("targets: " + ("all met" if not missed else "MISSED " + ", ".join(missed)))
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="thaw bench", description="Reproducible load tests against fresh servers.")
    p.add_argument("scenario", choices=sorted(SCENARIOS))
    p.add_argument("--store", choices=("memory", "redis"), default=None)
    p.add_argument("--instances", type=int, default=None, help="server processes (more than 1 needs redis)")
    p.add_argument("--players", type=int, default=None, help="players per room")
    p.add_argument("--rooms", type=int, default=None)
    p.add_argument("--questions", type=int, default=None)
    p.add_argument("--workers", type=int, default=1, help="load-generator processes (default 1)")
    p.add_argument("--join-window", type=float, default=None, help="seconds over which the joins arrive")
    p.add_argument("--compression", action="store_true", help="per-message deflate on servers and clients")
    p.add_argument("--redis-url", default=None, help="use this Redis instead of a private redis-server")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", type=Path, default=None, help="default bench-results/<scenario>-<timestamp>.json")
    p.add_argument("--profile", type=Path, default=None,
                   help="py-spy the first server during the game (the joins for join-storm) into this file "
                        "(.svg, .json speedscope, .txt)")
    p.add_argument("--keep-logs", action="store_true", help="keep the temp folder with the server logs")
    p.add_argument("--timeout", type=float, default=300.0, help="abort the run after this many seconds")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """0 when the run completed (targets are reported, not enforced), 1 when it could not run."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    args = parser().parse_args(argv)
    sc = SCENARIOS[args.scenario]()
    for name in ("store", "instances", "players", "rooms", "questions"):
        value = getattr(args, name)
        if value is not None:
            setattr(sc, name, value)
    if args.join_window is not None:
        sc.join_window_s = args.join_window
    elif args.players is not None or args.rooms is not None:  # keep the scenario's arrival rate
        default = SCENARIOS[args.scenario]()
        sc.join_window_s = max(0.2, default.join_window_s * sc.connections / default.connections)
    sc.compression = args.compression
    if sc.instances > 1 and sc.store != "redis":
        print("thaw bench: several instances need --store redis", file=sys.stderr)
        return 2
    if sc.questions < 1 or sc.questions > 60 or sc.players < 1 or sc.rooms < 1 or args.workers < 1:
        print("thaw bench: need 1..60 questions, and at least one player, room and worker", file=sys.stderr)
        return 2
    nofile = raise_nofile()
    need = sc.connections // args.workers + sc.rooms + 100
    if nofile < need:
        print(f"thaw bench: the open-files limit is {nofile}; this run needs about {need}", file=sys.stderr)
        return 1
    speed = yardstick.measure()  # on the idle machine, before anything starts
    run = Run(sc, args.workers, args.redis_url, args.keep_logs, args.seed, args.profile)
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(f"thaw bench {sc.name}: starting {sc.instances} server(s) ({sc.store}), {args.workers} load worker(s)...",
          file=sys.stderr)
    try:
        run.setup()
        metrics = _run_loop(asyncio.wait_for(run.go(), args.timeout))
    except (RuntimeError, OSError, TimeoutError) as exc:
        print(f"thaw bench: {sc.name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        for server in run.servers:
            print(f"--- {server.name} log tail ---\n{server.log_tail()}", file=sys.stderr)
        return 1
    finally:
        run.teardown()
    targets = {t.metric: {"limit": t.limit, "higher_is_better": t.higher_is_better,
                          "value": metrics.get(t.metric), "ok": t.ok(metrics.get(t.metric))}
               for t in sc.targets
               if not (t.metric == "rss_kib_per_conn" and sc.compression)}
    result = {
        "scenario": sc.name,
        "command": "thaw bench " + " ".join(argv),
        "started": started,
        "config": {**{k: v for k, v in asdict(sc).items() if k != "targets"}, "workers": args.workers,
                   "seed": args.seed},
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "nofile": nofile,
                    "yardstick": speed},
        "metrics": metrics,
        "targets": targets,
    }
    print(table(result))
    path = args.json or Path("bench-results") / f"{sc.name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
