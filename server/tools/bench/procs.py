"""Processes a run starts (servers, a private redis-server) and what /proc says of them."""

from __future__ import annotations

import contextlib
import math
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


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


def redis_info(url: str) -> dict[str, float]:
    """Redis's own CPU seconds and memory, so that a run reports what the room costs there."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        cpu = client.info("cpu")
        memory = client.info("memory")
    finally:
        client.close()
    return {"cpu_s": float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"]),
            "used_memory_kib": int(memory["used_memory"]) / 1024}


def start_floor(workdir: Path, name: str) -> Proc:
    """The floor server (`floor.py`) on a free port; returns once it accepts connections."""
    port = free_port()
    log_path = workdir / f"{name}-{port}.log"
    with open(log_path, "wb") as out:
        popen = subprocess.Popen([sys.executable, "-m", "thaw.tools.bench.floor", "--port", str(port)],
                                 stdout=out, stderr=subprocess.STDOUT, preexec_fn=raise_nofile)
    proc = Proc(name, port, popen, log_path)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            raise RuntimeError(f"{name} exited with {popen.returncode}:\n{proc.log_tail()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return proc
        time.sleep(0.05)
    proc.stop()
    raise RuntimeError(f"{name} did not start:\n{proc.log_tail()}")


def redis_commandstats(url: str) -> dict[str, int]:
    import redis

    client = redis.Redis.from_url(url)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return {k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in stats.items() if isinstance(v, dict)}


