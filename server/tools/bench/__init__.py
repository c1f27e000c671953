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
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from .loadgen import run_loop
from .procs import raise_nofile
from .report import table
from .run import Run
from .scenarios import SCENARIOS


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="thaw bench", description="Reproducible load tests against fresh servers.")
    p.add_argument("scenario", choices=sorted(SCENARIOS))
    p.add_argument("--store", choices=("memory", "redis"), default=None)
    p.add_argument("--instances", type=int, default=None, help="server processes (more than 1 needs redis)")
    p.add_argument("--players", type=int, default=None, help="players per room")
    p.add_argument("--rooms", type=int, default=None)
    p.add_argument("--questions", type=int, default=None)
    p.add_argument("--workers", type=int, default=None, help="load-generator processes (the scenario's, else 1)")
    p.add_argument("--join-window", type=float, default=None, help="seconds over which the joins arrive")
    p.add_argument("--answer-window", type=float, default=None,
                   help="each player answers within this many seconds of the question (the deck allows 5)")
    p.add_argument("--compression", action="store_true", help="per-message deflate on servers and clients")
    p.add_argument("--redis-url", default=None, help="use this Redis instead of a private redis-server")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", type=Path, default=None, help="default bench-results/<scenario>-<timestamp>.json")
    p.add_argument("--profile", type=Path, default=None,
                   help="py-spy the first server during the game (the joins for join-storm) into this file "
                        "(.svg, .json speedscope, .txt)")
    p.add_argument("--no-floor", action="store_true",
                   help="skip the floor run at the same number of sockets (no fan-out ratios)")
    p.add_argument("--keep-logs", action="store_true", help="keep the temp folder with the server logs")
    p.add_argument("--timeout", type=float, default=300.0, help="abort the run after this many seconds")
    return p


def measure(run: Run, timeout: float) -> dict[str, Any] | None:
    """One run from start to teardown; None (and the servers' logs) when it could not run."""
    try:
        run.setup()
        return run_loop(asyncio.wait_for(run.go(), timeout))
    except (RuntimeError, OSError, TimeoutError) as exc:
        print(f"thaw bench: {run.scenario.name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        for server in run.servers:
            print(f"--- {server.name} log tail ---\n{server.log_tail()}", file=sys.stderr)
        return None
    finally:
        run.teardown()


def floor_ratios(fanout: dict[str, Any], floor: dict[str, Any]) -> dict[str, float | None]:
    """Fan-out p50 and p99 as multiples of the floor's at the same number of sockets."""
    out: dict[str, float | None] = {}
    for q in ("p50", "p99"):
        ours, base = fanout.get(q), floor.get(q)
        out[f"fanout_{q}_floor_ratio"] = round(ours / base, 2) if ours is not None and base else None
    return out


def main(argv: Sequence[str] | None, *, yardstick: Callable[[], dict[str, float]]) -> int:
    """0 when the run completed (targets are reported, not enforced), 1 when it could not run.

    `yardstick` times the machine before anything starts (`machine.yardstick` in the
    results): a slice of the server's own work, so the command line hands it in,
    and the bench, a client of the public protocol, imports nothing of the server.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    args = parser().parse_args(argv)
    sc = SCENARIOS[args.scenario]()
    for name in ("store", "instances", "players", "rooms", "questions", "workers"):
        value = getattr(args, name)
        if value is not None:
            setattr(sc, name, value)
    if args.join_window is not None:
        sc.join_window_s = args.join_window
    elif args.players is not None or args.rooms is not None:  # keep the scenario's arrival rate
        default = SCENARIOS[args.scenario]()
        sc.join_window_s = max(0.2, default.join_window_s * sc.connections / default.connections)
    if args.answer_window is not None:
        if not 0.1 < args.answer_window < 5:
            print("thaw bench: --answer-window must lie between 0.1 and 5 seconds (the bench deck's time limit)",
                  file=sys.stderr)
            return 2
        sc.answer_window_s = args.answer_window
    sc.compression = args.compression
    if sc.instances > 1 and sc.store != "redis":
        print("thaw bench: several instances need --store redis", file=sys.stderr)
        return 2
    if sc.questions < 1 or sc.questions > 60 or sc.players < 1 or sc.rooms < 1 or sc.workers < 1:
        print("thaw bench: need 1..60 questions, and at least one player, room and worker", file=sys.stderr)
        return 2
    nofile = raise_nofile()
    need = sc.connections // sc.workers + sc.rooms + 100
    if nofile < need:
        print(f"thaw bench: the open-files limit is {nofile}; this run needs about {need}", file=sys.stderr)
        return 1
    speed = yardstick()  # on the idle machine, before anything starts
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    floor_only = sc.name == "floor"
    print(f"thaw bench {sc.name}: starting {'the floor server' if floor_only else f'{sc.instances} server(s)'} "
          f"({sc.store}), {sc.workers} load worker(s)...", file=sys.stderr)
    metrics = measure(Run(sc, sc.workers, args.redis_url, args.keep_logs, args.seed, args.profile,
                          floor=floor_only), args.timeout)
    if metrics is None:
        return 1
    if sc.game and not floor_only and not args.no_floor:
        # The floor at the same broadcast size: one room's players, at the same arrival rate.
        floor_sc = replace(sc, name="floor", rooms=1, instances=1, store="memory", targets=(),
                           join_window_s=sc.join_window_s * sc.players / max(1, sc.connections))
        print(f"thaw bench {sc.name}: the floor at {sc.players} sockets...", file=sys.stderr)
        floor = measure(Run(floor_sc, sc.workers, None, args.keep_logs, args.seed, floor=True), args.timeout)
        if floor is not None:
            metrics["floor_fanout_ms"] = floor["fanout_ms"]
            metrics.update(floor_ratios(metrics["fanout_ms"], floor["fanout_ms"]))
    targets = {t.metric: {"limit": t.limit, "higher_is_better": t.higher_is_better,
                          "value": metrics.get(t.metric), "ok": t.ok(metrics.get(t.metric))}
               for t in sc.targets
               if not (t.metric == "rss_kib_per_conn" and sc.compression)}
    result = {
        "scenario": sc.name,
        "command": "thaw bench " + " ".join(argv),
        "started": started,
        "config": {**{k: v for k, v in asdict(sc).items() if k != "targets"},
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
