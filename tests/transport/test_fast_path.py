"""The fast path (`thaw.transport.internals`): its start-up check, the fallback to public
APIs when the libraries' internals are not what it was written for, and the limits it
puts on control frames. The fallback and the limits are tried against real
`thaw serve` processes."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import time
from pathlib import Path

import pytest
from thaw.transport import internals
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.support.game import play_short_game
from tests.support.servers import ServerProcess, start_server
from tests.support.wsclient import create_room

from .helpers import DECKS_DIR

WARNING = "fast path is unavailable"
FAST = {"THAW_FAST_PATH": "auto", "THAW_CONTENT": str(DECKS_DIR)}

# A websockets release whose C helper takes its arguments the other way round: loaded
# after websockets' own modules bound the real one, so only Thaw's fast path sees it.
SIMULATED_RELEASE = '''
import websockets.frames, websockets.speedups
_real = websockets.speedups.apply_mask
websockets.speedups.apply_mask = lambda mask, data: _real(data, mask)
'''


def _play_on_a_simulated_release(tmp_path: Path, sitecustomize: str) -> str:
    """Play a short game on a server whose libraries `sitecustomize` changed; its log."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(sitecustomize)
    server = start_server(env={**FAST, "PYTHONPATH": str(shim)}, log_dir=tmp_path)
    try:
        board = asyncio.run(play_short_game(server.url, "fast"))
        assert len(board["top"]) == 2
    finally:
        server.terminate()
    return server.log()


def test_the_check_passes_with_the_installed_libraries() -> None:
    assert internals.check() is None


def test_the_check_names_a_c_helper_whose_arguments_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    real = internals.apply_mask
    monkeypatch.setattr(internals, "apply_mask", lambda mask, data: real(data, mask))
    reason = internals.check()
    assert reason is not None and "mask" in reason


def test_the_check_names_a_uvicorn_without_its_keepalive_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    # As in uvicorn releases before the keepalive: nothing calls the hook after the handshake.
    monkeypatch.setattr(internals.WebSocketProtocol, "start_keepalive", lambda self: None)
    reason = internals.check()
    assert reason is not None and "keepalive hook" in reason


def test_the_http_check_passes_with_the_installed_libraries() -> None:
    assert internals.check_http() is None


def test_the_http_check_names_a_uvicorn_whose_header_hook_is_not_called(monkeypatch: pytest.MonkeyPatch) -> None:
    # As in a uvicorn that renamed the parser callback: the deadline would never be disarmed.
    monkeypatch.setattr(internals.HttpProtocol, "on_headers_complete", internals._UvicornHttp.on_headers_complete)
    reason = internals.check_http()
    assert reason is not None and "header deadline" in reason


def test_without_its_http_protocol_a_server_warns_once_and_serves(tmp_path: Path) -> None:
    # A uvicorn without the httptools protocol (as when httptools is not installed).
    log = _play_on_a_simulated_release(tmp_path, "import sys\nsys.modules['httptools'] = None\n")
    assert log.count("HTTP protocol is unavailable") == 1, log
    assert "httptools" in log and WARNING not in log, log  # the WebSocket fast path still runs


def test_without_the_internals_a_server_warns_once_and_plays_through_public_apis(tmp_path: Path) -> None:
    log = _play_on_a_simulated_release(tmp_path, SIMULATED_RELEASE)
    assert log.count(WARNING) == 1, log
    assert "mask" in log, log  # the warning says what did not behave


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _ping(payload: bytes, mask: bytes = b"\x11\x22\x33\x44") -> bytes:
    return bytes([0x89, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _handshake(server: ServerProcess, code: str, rcvbuf: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /ws/{code} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(1)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


def test_pings_from_a_client_that_never_reads_cannot_grow_the_server(tmp_path: Path) -> None:
    """60 MiB of PINGs, no pong read: the server stops reading once its pongs back up."""
    server = start_server(env=FAST, log_dir=tmp_path)
    try:
        code = create_room(server.url, "fast")["code"]
        before = _rss_kib(server.proc.pid)
        sock = _handshake(server, code, rcvbuf=4096)  # before its first message: no rate limit applies yet
        chunk = _ping(b"p" * 125) * 1000
        target = 60 * 2**20
        sent = 0
        sock.settimeout(2)
        try:
            while sent < target:
                sent += sock.send(chunk)
        except TimeoutError:
            pass  # the server stopped reading: everything it did not read waits in the kernel
        time.sleep(0.5)
        grown = _rss_kib(server.proc.pid) - before
        sock.close()
        assert sent < target / 4, f"the server read {sent >> 20} MiB of pings from a client that reads nothing"
        assert grown < 16 * 1024, f"the server grew by {grown >> 10} MiB"
        print(f"pings accepted before reading stopped: {sent >> 10} KiB; server grew by {grown} KiB")
    finally:
        server.terminate()


async def test_pings_count_against_the_message_limit(tmp_path: Path) -> None:
    server = start_server(
        env={**FAST, "THAW_MESSAGE_BURST": "10", "THAW_MESSAGES_PER_SECOND": "1"}, log_dir=tmp_path
    )
    try:
        code = create_room(server.url, "fast")["code"]
        async with connect(f"{server.ws_url}/ws/{code}", open_timeout=10) as ws:
            await ws.send(json.dumps({"type": "join", "nickname": "Pinger"}))
            assert json.loads(await ws.recv())["type"] == "welcome"
            for n in range(30):
                try:
                    await ws.ping(b"%d" % n)
                except ConnectionClosed:
                    break
            frames = []
            try:
                while True:
                    frames.append(json.loads(await ws.recv()))
            except ConnectionClosed:
                pass
            assert ws.close_code == 1008, (ws.close_code, frames)
            assert {"type": "error", "code": "rate_limited"} in [
                {"type": f["type"], "code": f.get("code")} for f in frames
            ]
    finally:
        server.terminate()


async def test_after_the_upgrade_nothing_keeps_the_http_protocol_alive() -> None:
    """Its count moves to the WebSocket; the HTTP protocol (a few KiB) is garbage."""
    import gc
    import weakref

    import uvicorn
    from thaw.transport import connlimits
    from uvicorn.server import ServerState

    accepted = asyncio.Event()

    async def app(scope: object, receive: object, send: object) -> None:
        assert (await receive())["type"] == "websocket.connect"  # type: ignore[operator]
        await send({"type": "websocket.accept"})  # type: ignore[operator]
        accepted.set()
        await asyncio.sleep(3600)

    config = uvicorn.Config(app, http=internals.HttpProtocol, ws=internals.WebSocketProtocol, log_config=None,
                            lifespan="off")
    config.load()
    http = internals.HttpProtocol(config=config, server_state=ServerState(), app_state={})
    transport = _OtherPeer()
    before = sum(connlimits.OPEN.values())
    http.connection_made(transport)
    http.data_received(
        b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await asyncio.wait_for(accepted.wait(), 2)
    ws = transport.protocol
    assert ws is not http and sum(connlimits.OPEN.values()) == before + 1
    gone = weakref.ref(http)
    del http
    gc.collect()
    assert gone() is None, [type(r).__name__ for r in gc.get_referrers(gone())]
    ws.connection_lost(None)
    assert sum(connlimits.OPEN.values()) == before  # released with the WebSocket
    for task in asyncio.all_tasks() - {asyncio.current_task()}:
        task.cancel()


class _OtherPeer(internals._Transport):
    """An in-memory transport from an address that is counted, remembering its protocol."""

    protocol: object = None

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("192.0.2.7", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def set_protocol(self, protocol: object) -> None:  # type: ignore[override]
        self.protocol = protocol

    def get_protocol(self) -> object:  # type: ignore[override]
        return self.protocol
