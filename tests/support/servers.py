"""Real server processes on free loopback ports, for integration and browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServerProcess:
    """One `thaw serve` (uvicorn) process; its output goes to a log file for post-mortems."""

    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: the process dies mid-whatever, as a crashed instance would."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, as a platform does before a restart; returns the exit code."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return int(self.proc.returncode)

    stop = terminate


def start_server(
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    log_dir: Path | None = None,
    timeout: float = 20,
    args: tuple[str, ...] = (),
) -> ServerProcess:
    """Start `python -m thaw.cli serve` and wait until /healthz answers 200."""
    port = port or free_port()
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    full_env.pop("REDIS_URL", None)
    full_env.update(env or {})
    log_dir = log_dir or Path(os.environ.get("THAW_TEST_LOGS", "/tmp"))
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"thaw-test-server-{port}.log"
    out = open(log_path, "wb")  # noqa: SIM115 - the child keeps writing after we return
    proc = subprocess.Popen(
        [sys.executable, "-m", "thaw.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        cwd=ROOT,
        env=full_env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    server = ServerProcess(port=port, proc=proc, log_path=log_path, env=dict(env or {}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"server did not become healthy in {timeout} s:\n{server.log()}")
