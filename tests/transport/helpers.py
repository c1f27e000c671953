"""An in-process server on a real loopback port, and a WebSocket client that keeps a log.

The app is the real one (`create_app`, lifespan included) served by uvicorn inside
the test's event loop, so tests can reach `runtime` and patch the store's clock,
while clients speak real WebSocket frames with timeouts and see real close codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette import exceptions as starlette_exceptions
from starlette.applications import Starlette
from thaw.app import create_app
from thaw.content import load_decks
from thaw.domain.model import Deck
from thaw.store.memory import Records
from thaw.transport.config import Limits, Settings
from thaw.transport.internals import ws_protocol
from thaw.transport.runtime import Runtime
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

with warnings.catch_warnings():
    # Starlette 1.x prefers `httpx2` for its TestClient and warns once, at import, with plain `httpx`.
    # (Starlette releases before the warning have no such class.)
    warnings.simplefilter("ignore", getattr(starlette_exceptions, "StarletteDeprecationWarning", DeprecationWarning))
    from starlette.testclient import TestClient

HERE = Path(__file__).resolve().parent
DECKS_DIR = HERE / "decks"
PUBLIC_URL = "http://quiz.test"
TIMEOUT = 3.0

# Frames the host receives at times of the server's choosing (coalesced progress, lobby).
HOST_NOISE = ("answers", "lobby", "pong")

__all__ = ["TestClient"]


@cache
def transport_decks() -> dict[str, Deck]:
    return load_decks([DECKS_DIR])


def make_settings(**limits: Any) -> Settings:
    """Settings for a test server; keyword arguments override `Limits` fields."""
    return Settings(public_url=PUBLIC_URL, limits=replace(Limits(), **limits))


class Peer:
    """One WebSocket client: JSON in and out, every received frame kept in `log`."""

    def __init__(self, ws: ClientConnection, name: str) -> None:
        self.ws = ws
        self.name = name
        self.log: list[str] = []
        self.welcome: dict[str, Any] = {}

    @property
    def token(self) -> str:
        return str(self.welcome["token"])

    @property
    def player_id(self) -> str:
        return str(self.welcome["player_id"])

    async def send(self, message: Any) -> None:
        await self.send_raw(json.dumps(message))

    async def send_raw(self, data: str | bytes) -> None:
        """Send a frame; a connection the server already closed is left for the reader to notice."""
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(data)

    async def recv_text(self, timeout: float = TIMEOUT) -> str:
        try:
            text = await asyncio.wait_for(self.ws.recv(), timeout)
        except TimeoutError:
            raise AssertionError(f"{self.name}: nothing received in {timeout} s; log: {self.log[-5:]}") from None
        assert isinstance(text, str), f"{self.name}: a binary frame from the server"
        self.log.append(text)
        return text

    async def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        frame = json.loads(await self.recv_text(timeout))
        assert isinstance(frame, dict) and isinstance(frame.get("type"), str), frame
        return frame

    async def expect(self, kind: str, timeout: float = TIMEOUT, skip: tuple[str, ...] = ()) -> dict[str, Any]:
        """The next frame, which must be of type `kind` (frames of a type in `skip` are passed over)."""
        while True:
            frame = await self.recv(timeout)
            if frame["type"] == kind:
                return frame
            assert frame["type"] in skip, f"{self.name}: expected {kind!r}, got {frame}"

    async def until(self, kind: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The first frame of type `kind`, whatever comes before it."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            frame = await self.recv(max(0.01, end - loop.time()))
            if frame["type"] == kind:
                return frame

    async def expect_error(self, code: str, timeout: float = TIMEOUT, skip: tuple[str, ...] = ()) -> dict[str, Any]:
        frame = await self.expect("error", timeout, skip)
        assert frame["code"] == code, f"{self.name}: expected error {code!r}, got {frame}"
        assert isinstance(frame.get("message"), str) and frame["message"], frame
        return frame

    async def expect_close(self, code: int, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """Read until the server closes; the close code must be `code`. Returns the frames read."""
        frames: list[dict[str, Any]] = []
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        try:
            while True:
                left = end - loop.time()
                if left <= 0:
                    raise AssertionError(f"{self.name}: still open after {timeout} s; read {frames}")
                text = await asyncio.wait_for(self.ws.recv(), left)
                assert isinstance(text, str)
                self.log.append(text)
                frames.append(json.loads(text))
        except ConnectionClosed:
            pass
        except TimeoutError:
            raise AssertionError(f"{self.name}: still open after {timeout} s; read {frames}") from None
        assert self.ws.close_code == code, f"{self.name}: closed with {self.ws.close_code}, not {code}"
        return frames

    async def quiet(self, seconds: float = 0.3) -> list[dict[str, Any]]:
        """Whatever arrives within `seconds` (possibly nothing)."""
        frames: list[dict[str, Any]] = []
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while (left := end - loop.time()) > 0:
            try:
                frames.append(await self.recv(left))
            except AssertionError:
                break
        return frames

    async def ping(self) -> None:
        """Prove the connection still serves: a `ping` gets a `pong`."""
        await self.send({"type": "ping", "t": 1})
        await self.expect("pong", skip=HOST_NOISE)

    async def close(self) -> None:
        await self.ws.close()


@dataclass
class LiveServer:
    app: Starlette
    port: int
    http: httpx.AsyncClient
    peers: list[Peer] = field(default_factory=list)

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    def ws_url(self, code: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/{code}"

    async def create_room(self, deck: str = "kinds", **options: Any) -> tuple[str, str]:
        body: dict[str, Any] = {"deck": deck}
        if options:
            body["options"] = options
        response = await self.http.post("/api/rooms", json=body)
        assert response.status_code == 201, response.text
        data = response.json()
        return str(data["code"]), str(data["host_token"])

    async def open(self, code: str, name: str = "peer") -> Peer:
        ws = await connect(self.ws_url(code), max_size=None, ping_interval=None, open_timeout=TIMEOUT)
        peer = Peer(ws, name)
        self.peers.append(peer)
        return peer

    async def host(self, code: str, token: str, name: str = "host") -> Peer:
        """A host attached: `host_welcome` and `lobby` read, the present (if any) left to read."""
        peer = await self.open(code, name)
        await peer.send({"type": "host", "token": token})
        peer.welcome = await peer.expect("host_welcome")
        await peer.expect("lobby")
        return peer

    async def join(self, code: str, nickname: str) -> Peer:
        """A player joined: `welcome` read, the present (if any) left to read."""
        peer = await self.open(code, nickname)
        await peer.send({"type": "join", "nickname": nickname})
        peer.welcome = await peer.expect("welcome")
        return peer

    async def resume(self, code: str, token: str, name: str = "resumed") -> Peer:
        peer = await self.open(code, name)
        await peer.send({"type": "resume", "token": token})
        peer.welcome = await peer.expect("welcome")
        return peer


def option(peer: Peer, text: str) -> int:
    """The id of the option with this text in the last question the peer received
    (option ids are drawn per room: tests name options by their text)."""
    for raw in reversed(peer.log):
        frame = json.loads(raw)
        if frame.get("type") == "question":
            return next(int(o["id"]) for o in frame["options"] if o["text"] == text)
    raise AssertionError(f"{peer.name} has seen no question")


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.asynccontextmanager
async def uvicorn_running(app: Any, **options: Any) -> AsyncIterator[tuple[int, uvicorn.Server]]:
    """`app` under real uvicorn on a free loopback port, in this event loop: (port, server)."""
    sock = _free_socket()
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", **options))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(500):
            if server.started or task.done():
                break
            await asyncio.sleep(0.01)
        if task.done():
            task.result()
        assert server.started, "the in-process server did not start"
        yield port, server
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)
        sock.close()


@contextlib.asynccontextmanager
async def serve(settings: Settings | None = None, decks: dict[str, Deck] | None = None) -> AsyncIterator[LiveServer]:
    """The real app under uvicorn on a free loopback port, in this event loop."""
    app = create_app(settings or make_settings(), decks if decks is not None else transport_decks())
    running = uvicorn_running(
        app,
        lifespan="on",
        ws=ws_protocol(),  # as `thaw serve`: the fast path unless THAW_FAST_PATH=off
        ws_ping_interval=None,
        ws_per_message_deflate=False,  # as `thaw serve` by default: frames go out prebuilt (thaw.transport.wire)
        timeout_graceful_shutdown=2,
    )
    async with (
        running as (port, _server),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=TIMEOUT) as http,
    ):
        live = LiveServer(app=app, port=port, http=http)
        try:
            yield live
        finally:
            for peer in live.peers:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(peer.ws.close(), 1)


class FrozenClock:
    """The memory store's clock, moved only by the test (milliseconds)."""

    def __init__(self, start: int = 10_000_000) -> None:
        self.now = start

    def advance(self, ms: int) -> None:
        self.now += ms

    def __call__(self) -> int:
        return self.now


def freeze_store_clock(monkeypatch: Any) -> FrozenClock:
    clock = FrozenClock()
    fake: Callable[[], int] = clock
    monkeypatch.setattr(Records, "now", staticmethod(fake))
    return clock


async def start_game(host: Peer, players: list[Peer]) -> list[str]:
    """Host starts; every client gets the same `question` frame. Returns the raw frames."""
    await host.send({"type": "start"})
    raws = []
    for peer in [host, *players]:
        skip = HOST_NOISE if peer is host else ()
        while True:
            raw = await peer.recv_text()
            kind = json.loads(raw)["type"]
            if kind == "question":
                raws.append(raw)
                break
            assert kind in skip, f"{peer.name}: expected the question, got {raw}"
    return raws
