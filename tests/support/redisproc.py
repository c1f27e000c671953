"""A private redis-server on a free port, for tests that stop, pause or restart Redis.

Tests that only need *a* Redis use the shared one (REDIS_URL or 127.0.0.1:6379);
fault tests get their own so they never disturb anything else.
"""

from __future__ import annotations

import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .servers import free_port


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


@dataclass
class RedisProcess:
    port: int
    proc: subprocess.Popen[bytes]
    workdir: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def pause(self) -> None:
        """Freeze the server: connections stay open but nothing answers."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.workdir, ignore_errors=True)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key, as a PaaS Redis would present (needs `openssl`)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=thaw-test-redis"],
        check=True, capture_output=True,
    )
    return cert, key


def start_redis(port: int | None = None, timeout: float = 10, tls: bool = False) -> RedisProcess:
    """A private redis-server; with `tls`, it speaks only TLS, with a self-signed certificate."""
    binary = redis_server_binary()
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = port or free_port()
    workdir = Path(tempfile.mkdtemp(prefix="thaw-redis-"))
    listen = ["--port", str(port)]
    if tls:
        cert, key = self_signed_certificate(workdir)
        listen = ["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(cert), "--tls-key-file", str(key),
                  "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no"]
    proc = subprocess.Popen(
        [binary, *listen, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir), "--logfile", str(workdir / "redis.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return _wait(proc, port, workdir, timeout, tls)


def _wait(proc: subprocess.Popen[bytes], port: int, workdir: Path, timeout: float, tls: bool) -> RedisProcess:
    """Until the server answers PING (over TLS, without checking the certificate, if asked)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as raw:
                s = context.wrap_socket(raw) if tls else raw
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return RedisProcess(port, proc, workdir)
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"redis-server did not start on port {port}")
