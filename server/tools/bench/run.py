"""One run of a scenario: start the processes, join, play, measure."""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import multiprocessing.connection
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .client import open_ws, ws_url
from .driver import Host, Probe
from .loadgen import worker_main
from .procs import Proc, machine_cpu, pid_cpu, redis_commandstats, redis_info, start_floor, start_redis, start_server
from .scenarios import Scenario, bench_deck
from .stats import dist, pct, rounded


@dataclass
class Run:
    scenario: Scenario
    workers: int
    redis_url: str | None
    keep_logs: bool
    seed: int
    profile: Path | None = None
    floor: bool = False  # the floor server instead of Thaw (`floor.py`)
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
        if self.floor:
            self.servers.append(start_floor(self.workdir, "floor"))
        elif sc.store == "redis":
            if self.redis_url is None:
                self.redis = start_redis(self.workdir)
                self.redis_url = f"redis://127.0.0.1:{self.redis.port}/0"
            env["REDIS_URL"] = self.redis_url
        elif sc.instances > 1:
            raise RuntimeError("several instances need --store redis")
        for i in range(0 if self.floor else sc.instances):
            self.servers.append(start_server(self.workdir, {**env, "THAW_INSTANCE": f"bench-{i}"},
                                             sc.compression, f"server{i}"))
        ctx = multiprocessing.get_context("fork")
        for w in range(self.workers):
            parent, child = ctx.Pipe()
            answer_window_s = 0.0 if self.floor else sc.answer_window_s  # the floor asks nothing
            proc = ctx.Process(target=worker_main, daemon=True,
                               args=(child, str(content / "bench.yaml"), answer_window_s, sc.compression,
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
        """Open the rooms, join every player, play, and measure each phase."""
        m: dict[str, Any] = {"notes": []}
        hosts, probes = await self._open_rooms()
        idle_rss = self.rss()
        idle_conns = len(hosts) + len(probes)
        redis0 = self._redis_sample()
        stall_join = await self._join_players(m, hosts, probes)
        await asyncio.sleep(1.5)  # let the lobby coalescing and allocator settle
        conns = m["joined"] + idle_conns
        rss_now = self.rss()
        m["rss_idle_server_kib"] = idle_rss
        m["rss_joined_server_kib"] = rss_now
        m["rss_kib_per_conn"] = rounded((rss_now - idle_rss) / max(1, conns - idle_conns), 1)
        redis1 = self._redis_sample()
        if self.scenario.game:
            await self._play(m, hosts, probes)
        stall_game = [x for p in probes for x in p.take()]
        redis2 = self._redis_sample()
        reports = await self.ask([{"op": "report", "questions": self.scenario.questions} for _ in self.pipes])
        self._join_metrics(m, reports, stall_join)
        if self.scenario.game:
            self._game_metrics(m, reports, hosts, stall_game)
        elif not self.floor:
            m["stall_max_ms"] = m["stall_join_max_ms"]
        self._client_metrics(m, reports)
        if self.redis_url:
            self._redis_metrics(m, redis0, redis1, redis2)
        for client in [h.client for h in hosts] + [p.client for p in probes]:
            if client is not None:
                client.close()
        return m

    async def _open_rooms(self) -> tuple[list[Host], list[Probe]]:
        """A room per `rooms` on the instances in turn, its host attached; a stall probe per instance."""
        sc = self.scenario
        loop = asyncio.get_running_loop()
        if self.floor:
            rooms = [("floor", "")]
        else:
            rooms = [await loop.run_in_executor(None, _create_room, self.servers[i % len(self.servers)].url)
                     for i in range(sc.rooms)]
        hosts = [Host(code, token, self.servers[i % len(self.servers)].url) for i, (code, token) in enumerate(rooms)]
        for h in hosts:
            h.client, _ = await open_ws(ws_url(h.url, h.code), h.on_text, False)
            h.send({"type": "host", "token": h.token})
        probes: list[Probe] = []
        if not self.floor:
            for server in self.servers:
                probe = Probe()
                code, token = rooms[0]
                probe.client, _ = await open_ws(ws_url(server.url, code), probe.on_text, False)
                probe.client.send(json.dumps({"type": "host", "token": token}))
                probes.append(probe)
        await asyncio.sleep(1.0)
        for probe in probes:
            probe.start()
        return hosts, probes

    async def _join_players(self, m: dict[str, Any], hosts: list[Host], probes: list[Probe]) -> list[float]:
        """Open loop, uniform over the window; room r's players spread over the instances."""
        sc = self.scenario
        total = sc.players if self.floor else sc.connections
        start_at = time.time() + 0.5
        plans: list[list[tuple[float, str, str, str]]] = [[] for _ in self.pipes]
        order = list(range(total))
        random.Random(self.seed).shuffle(order)  # rooms fill in parallel, as in a district morning
        width = max(3, len(str(sc.players)))
        for slot, n in enumerate(order):
            room, seat = divmod(n, sc.players)
            target = self.servers[n % len(self.servers)].url
            at = start_at + sc.join_window_s * slot / max(1, total)
            plans[n % len(self.pipes)].append((at, target, hosts[room].code, f"bench-{seat + 1:0{width}d}"))
        join_spy = None if sc.game else self._start_profile()  # join-storm: the joins are the run
        cpu0 = self.cpu()
        mark_join = self.mark()
        t0 = time.time()
        joined = await self.ask([{"op": "join", "plan": plan} for plan in plans])
        self._stop_profile(join_spy)
        m["join_phase_wall_s"] = rounded(time.time() - t0, 2)
        m["join_phase_cpu_s"] = rounded(self.cpu() - cpu0, 2)
        m["foreign_cpu_cores_join"] = rounded(self.foreign(mark_join), 2)
        m["offered"] = total
        m["joined"] = sum(j["joined"] for j in joined)
        if m["joined"] < total:
            m["notes"].append(f"{total - m['joined']} of {total} players failed to join: "
                              + "; ".join(f"{n} x {k}" for j in joined for k, n in j["failures"].items()))
        return [x for p in probes for x in p.take()]

    async def _play(self, m: dict[str, Any], hosts: list[Host], probes: list[Probe]) -> None:
        """Every host plays the deck; one room's server CPU is sampled per question cycle."""
        sc = self.scenario
        await self.ask([{"op": "reset_lag"} for _ in self.pipes])
        for p in probes:
            p.take()
        for h in hosts:
            h.frames = h.bytes = 0
        spy = self._start_profile()
        cpu1 = self.cpu()
        sys1 = self.system_cpu()
        mark_game = self.mark()
        tg = time.time()
        rng = random.Random(self.seed + 1)
        if self.floor:
            plays = [asyncio.create_task(h.broadcast(sc.questions, sc.gap_s, 0.0)) for h in hosts]
        else:
            plays = [asyncio.create_task(h.play(sc.questions, 5.0, sc.gap_s, rng.uniform(0, sc.stagger_s)))
                     for h in hosts]
        cycle_cpu: list[float] = []
        if sc.rooms == 1:
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
        m["game_system_cpu_s"] = rounded(self.system_cpu() - sys1, 2)
        m["foreign_cpu_cores_game"] = rounded(self.foreign(mark_game), 2)
        self._stop_profile(spy)
        await asyncio.sleep(0.5)  # standings
        m["game_wall_s"] = rounded(game_wall, 2)
        m["game_cpu_s"] = rounded(game_cpu, 2)
        m["server_cpu_cores"] = rounded(game_cpu / max(1e-6, game_wall), 3)
        m["cpu_s_per_question"] = rounded(game_cpu / (sc.rooms * sc.questions), 3)
        if cycle_cpu:
            m["cpu_s_per_question_cycle"] = [rounded(x, 3) for x in cycle_cpu[1:]]
        m["host_frames_per_question"] = rounded(sum(h.frames for h in hosts) / (len(hosts) * sc.questions), 1)
        m["host_kib_per_question"] = rounded(sum(h.bytes for h in hosts) / 1024 / (len(hosts) * sc.questions), 1)

    def _join_metrics(self, m: dict[str, Any], reports: list[dict[str, Any]], stall_join: list[float]) -> None:
        connect_ms = [x for r in reports for x in r["connect_ms"]]
        join_ms = [x for r in reports for x in r["join_ms"]]
        first = min(r["first_start"] for r in reports)
        last = max(r["last_welcome"] for r in reports)
        span = max(1e-6, last - first)
        total = m.pop("offered")
        m["join_span_s"] = rounded(span, 2)
        m["joins_per_s"] = rounded(m["joined"] / span, 0)
        m["offered_joins_per_s"] = rounded(total / max(1e-6, self.scenario.join_window_s), 0)
        m["joined_within_2s"] = 1 if m["joined"] == total and span <= 2.0 else 0
        m["connect_ms"] = {k: rounded(v) for k, v in dist(connect_ms).items()}
        m["join_ms"] = {k: rounded(v) for k, v in dist(join_ms).items()}
        m["connect_p99_ms"] = m["connect_ms"]["p99"]
        if not self.floor:  # the floor server answers no pings
            m["stall_join_max_ms"] = rounded(max(stall_join, default=0.0))

    def _game_metrics(self, m: dict[str, Any], reports: list[dict[str, Any]], hosts: list[Host],
                      stall_game: list[float]) -> None:
        sc = self.scenario
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
        m["fanout_ms"] = {k: rounded(v) for k, v in dist(fanout).items()}
        m["fanout_p99_ms"] = m["fanout_ms"]["p99"]
        m["fanout_by_question_ms"] = {str(i): {k: rounded(v) for k, v in dist(xs).items()}
                                      for i, xs in sorted(by_question.items())}
        m["fanout_spread_ms"] = {k: rounded(v) for k, v in dist(spread).items()}
        m["lost_questions"] = sum(r["lost_questions"] for r in reports)
        host_errors: Counter[str] = Counter()
        for h in hosts:
            host_errors.update(h.errors)
        if host_errors:
            m["notes"].append("host errors: " + ", ".join(f"{n} x {k}" for k, n in host_errors.most_common(5)))
        if self.floor:
            m["lost"] = m["lost_questions"]
            return
        reveal_spread = [(max(v) - min(v)) * 1000 for v in r_times.values() if v]
        ack_ms = [x for r in reports for x in r["ack_ms"]]
        m["reveal_spread_ms"] = {k: rounded(v) for k, v in dist(reveal_spread).items()}
        m["ack_ms"] = {k: rounded(v) for k, v in dist(ack_ms).items()}
        m["ack_p99_ms"] = m["ack_ms"]["p99"]
        m["ack_max_ms"] = m["ack_ms"]["max"]
        m["answers_sent"] = sum(r["answers_sent"] for r in reports)
        m["answers_acked"] = len(ack_ms)
        m["lost_reveals"] = sum(r["lost_reveals"] for r in reports)
        m["lost_results"] = sum(r["lost_results"] for r in reports)
        m["lost"] = m["lost_questions"] + m["lost_reveals"]
        m["delivered_pct"] = rounded(100 * (1 - m["lost"] / max(1, 2 * m["joined"] * sc.questions)), 3)
        m["stall_max_ms"] = rounded(max(stall_game, default=0.0))
        m["stall_p99_ms"] = rounded(pct(stall_game, 99))

    @staticmethod
    def _client_metrics(m: dict[str, Any], reports: list[dict[str, Any]]) -> None:
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
        m["loadgen_cpu_s"] = [rounded(r["cpu_s"], 2) for r in reports]
        m["loadgen_lag_max_ms"] = rounded(max(r["lag_max_ms"] for r in reports))

    def _redis_sample(self) -> dict[str, Any]:
        if not self.redis_url:
            return {}
        return {"commands": redis_commandstats(self.redis_url), **redis_info(self.redis_url)}

    def _redis_metrics(self, m: dict[str, Any], s0: dict[str, Any], s1: dict[str, Any], s2: dict[str, Any]) -> None:
        """PUBLISH per room event and per join, every command of the game, Redis's CPU and memory."""
        sc = self.scenario

        def delta(a: dict[str, Any], b: dict[str, Any], name: str) -> int:
            return int(b["commands"].get(name, 0) - a["commands"].get(name, 0))

        pubs_join = delta(s0, s1, "publish") + delta(s0, s1, "spublish")
        pubs_game = delta(s1, s2, "publish") + delta(s1, s2, "spublish")
        m["redis_publish_join_phase"] = pubs_join
        m["redis_publish_game_phase"] = pubs_game
        m["redis_publish_per_join"] = rounded(pubs_join / max(1, m["joined"]), 2)
        m["redis_cpu_s_join"] = rounded(s1["cpu_s"] - s0["cpu_s"], 2)
        m["redis_memory_kib_joined"] = rounded(s1["used_memory_kib"] - s0["used_memory_kib"], 0)
        m["redis_cpu_s_game"] = rounded(s2["cpu_s"] - s1["cpu_s"], 2)
        m["redis_memory_kib_after_game"] = rounded(s2["used_memory_kib"] - s0["used_memory_kib"], 0)
        game_commands = {k: delta(s1, s2, k) for k in sorted(s2["commands"]) if delta(s1, s2, k)}
        m["redis_commands_game_phase"] = game_commands
        if sc.game:
            transitions = sc.rooms * (3 * sc.questions + 1)
            answers = m.get("answers_sent", 0)
            m["redis_publish_per_question_cycle"] = rounded(pubs_game / (sc.rooms * sc.questions), 1)
            m["redis_publish_per_room_event"] = rounded(pubs_game / max(1, transitions + answers), 3)
            m["redis_room_events"] = {"host_transitions": transitions, "answers": answers}
            m["redis_commands_per_room_event"] = rounded(sum(game_commands.values()) / max(1, transitions + answers), 2)


def _create_room(url: str) -> tuple[str, str]:
    body = json.dumps({"deck": "bench"}).encode()
    request = urllib.request.Request(f"{url}/api/rooms", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        created: dict[str, Any] = json.loads(response.read())
    return str(created["code"]), str(created["host_token"])


