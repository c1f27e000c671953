"""A fixed workload timed before each benchmark: how fast is this machine?

The bench's targets are absolute, but the 2-core machines they run on differ by
a third or more from one day to the next. Every run records two figures taken
on the idle machine, so that runs on different machines can be compared:

- `python_ms`: CPU time of a fixed piece of the server's own per-message work
  (serialising, framing and parsing frames, one room's answers graded), best of
  three;
- `loopback_us`: one small write and its read over a loopback TCP connection,
  the kernel work behind every frame a bench server sends.

Lower is faster for both. They are not targets. The workload is the socket's own
path (a frame parsed, answers graded, a reveal serialised and framed), so it lives
here; `thaw bench`, a client that imports nothing of the server, is handed
`measure` by the command line.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from ..bus.envelope import dumps
from ..domain import grading
from ..domain.model import Kind, Question
from .messages import parse
from .wire import text_frame

ROUNDS = 400
WRITES = 5000

_QUESTION = Question(kind=Kind.TEXT, prompt="Who gave the Secret Speech?", accepted=("Khrushchev", "N. S. Khrushchev"))


def _python_once() -> float:
    start = time.process_time()
    for i in range(ROUNDS):
        players: list[dict[str, Any]] = [
            {"id": f"p{n}", "nickname": f"Player {n}", "score": n * 37 + i, "rank": n + 1, "correct": n % 3 == 0}
            for n in range(30)
        ]
        wire = text_frame(dumps({"type": "reveal", "index": i, "players": players}))
        for n in range(30):
            msg = parse(dumps({"type": "answer", "index": i, "answer": f"khrushchev {n}"}))
            grading.grade(_QUESTION, None, grading.validate(_QUESTION, None, msg["answer"]))
        if len(wire) < 100:  # pragma: no cover - keeps the work from being optimised away
            raise AssertionError
    return time.process_time() - start


def python_ms() -> float:
    """Best of three: CPU milliseconds of the fixed interpreter workload."""
    return round(1000 * min(_python_once() for _ in range(3)), 1)


def loopback_us() -> float:
    """Microseconds per 200-byte write and read over loopback TCP (best of three)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        a = socket.create_connection(server.getsockname())
        b, _ = server.accept()
    with a, b:
        a.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        payload = b"x" * 200
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(WRITES):
                a.send(payload)
                b.recv(4096)
            best = min(best, time.perf_counter() - start)
    return round(1e6 * best / WRITES, 2)


def measure() -> dict[str, float]:
    return {"python_ms": python_ms(), "loopback_us": loopback_us()}
