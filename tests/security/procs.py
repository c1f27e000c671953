"""Real `thaw serve` processes for the attack tests, with the memory or the Redis store."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_multi_instance import _shared_redis_url
from tests.support.servers import ServerProcess, start_server
from tests.support.wsclient import Client

DECKS = Path(__file__).resolve().parent / "decks"

Launch = Callable[..., ServerProcess]


@pytest.fixture(params=["memory", "redis"])
def launch(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Launch]:
    """`launch(*args, **env)`: a server on the attack deck with this test's store, stopped afterwards."""
    started: list[ServerProcess] = []

    def start(*args: str, **env: str) -> ServerProcess:
        full = {"THAW_CONTENT": str(DECKS), **env}
        if request.param == "redis":
            full.update(REDIS_URL=_shared_redis_url(), THAW_REDIS_PREFIX=f"t{secrets.token_hex(4)}")
        server = start_server(env=full, log_dir=tmp_path, args=args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.terminate(timeout=20)


def http(url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None,
         ) -> tuple[int, dict[str, str], bytes]:
    """(status, headers with lower-case names, body) for any status."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def new_room(server: ServerProcess, **headers: str) -> dict[str, Any]:
    status, _, body = http(f"{server.url}/api/rooms", "POST", json.dumps({"deck": "attack"}).encode(),
                           {"Content-Type": "application/json", **headers})
    assert status == 201, body
    result: dict[str, Any] = json.loads(body)
    return result


async def host(server: ServerProcess, room: dict[str, Any]) -> Client:
    client = await Client("host").open(server.ws_url, room["code"], {"type": "host", "token": room["host_token"]})
    await client.wait_type("host_welcome")
    return client


async def join(server: ServerProcess, code: str, nickname: str) -> Client:
    client = await Client(nickname).open(server.ws_url, code, {"type": "join", "nickname": nickname})
    await client.wait_for(lambda m: m.get("type") in ("welcome", "error"))
    return client


def rss_mib(server: ServerProcess) -> float:
    """The server process's resident memory, from the kernel."""
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")
