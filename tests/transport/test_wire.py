"""Prebuilt frames: byte-exact with websockets, used under uvicorn, safe under flow control."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from thaw.transport.hub import CLOSE_OVERFLOW, Conn
from thaw.transport.internals import PROTOCOL, fast_path
from thaw.transport.wire import SCOPE_KEY, RawSocket, raw_socket, text_frame, text_frames
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode

from .helpers import LiveServer, uvicorn_running

SIZES = [0, 1, 125, 126, 127, 1000, 65535, 65536, 70000]


@pytest.mark.parametrize("size", SIZES)
def test_a_text_frame_is_byte_for_byte_what_websockets_would_send(size: int) -> None:
    text = ("é" * (size // 2)) + ("a" * (size % 2))
    expected = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
    assert text_frame(text) == expected


def test_frames_back_to_back_keep_their_order() -> None:
    texts = ['{"type":"reveal"}', "x" * 300, '{"type":"result"}']
    assert text_frames(texts) == b"".join(text_frame(t) for t in texts)
    assert text_frames([]) == b""


# -- a small app under real uvicorn -----------------------------------------------------


class CaptureSend:
    """Keep the server's own `send` in a WebSocket scope, as `ThawApp` does for its socket."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[SCOPE_KEY] = send
        await self.app(scope, receive, send)


class Probe:
    """What the endpoint saw: whether the socket was raw, and the Conn it built."""

    def __init__(self) -> None:
        self.raw: RawSocket | None = None
        self.conn: Conn | None = None
        self.done = asyncio.Event()


def _app(probe: Probe, burst: list[str]) -> Starlette:
    async def endpoint(ws: WebSocket) -> None:
        await ws.accept()
        probe.raw = raw_socket(ws.scope)
        conn = probe.conn = Conn(ws, "123456", "player", "p1", outbox_limit=16, raw=probe.raw)
        conn.send(json.dumps({"raw": probe.raw is not None}))
        for text in burst:
            conn.send(text)
        with contextlib.suppress(Exception):
            await ws.receive()  # until the client leaves
        await conn.stop()
        probe.done.set()

    return Starlette(routes=[WebSocketRoute("/ws", endpoint)], middleware=[Middleware(CaptureSend)])


@contextlib.asynccontextmanager
async def _serve(app: Starlette, **options: Any) -> AsyncIterator[int]:
    options.setdefault("ws", PROTOCOL)  # the fast path's writer is what these tests are about
    async with uvicorn_running(app, lifespan="off", ws_ping_interval=None, **options) as (port, _server):
        yield port


async def test_uvicorn_sockets_get_raw_frames_that_arrive_whole_and_in_order() -> None:
    burst = [("é" * (size // 2)) + ("a" * (size % 2)) for size in SIZES[:8]]
    probe = Probe()
    async with _serve(_app(probe, burst), ws_max_size=4096) as port:
        async with connect(f"ws://127.0.0.1:{port}/ws", max_size=None, compression=None) as ws:
            assert json.loads(await ws.recv()) == {"raw": True}
            received = [await asyncio.wait_for(ws.recv(), 3) for _ in burst]
        await asyncio.wait_for(probe.done.wait(), 3)
    assert received == burst


async def test_compressed_sockets_keep_the_usual_path() -> None:
    burst = ["x" * 5000, '{"type":"reveal"}']
    probe = Probe()
    async with _serve(_app(probe, burst), ws_per_message_deflate=True) as port:
        async with connect(f"ws://127.0.0.1:{port}/ws", compression="deflate") as ws:
            assert json.loads(await ws.recv()) == {"raw": False}
            received = [await asyncio.wait_for(ws.recv(), 3) for _ in burst]
        await asyncio.wait_for(probe.done.wait(), 3)
    assert probe.raw is None and received == burst


async def test_a_socket_that_stops_reading_is_paused_then_cut_off() -> None:
    """Flow control first (the transport pauses), then the bounded outbox closes it (1013)."""
    probe = Probe()
    async with _serve(_app(probe, []), ws_max_size=4096) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        assert b"101" in await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 3)
        for _ in range(300):
            if probe.conn is not None:
                break
            await asyncio.sleep(0.01)
        conn = probe.conn
        assert conn is not None and conn.raw is not None
        frame = "y" * 60_000
        for _ in range(2000):  # 120 MB: far past the kernel's and the transport's buffers
            conn.send(frame)
            if conn.closed:
                break
            await asyncio.sleep(0)
        assert conn.closed, "a socket nobody reads must be cut off"
        assert len(conn.outbox) <= 1 and all(getattr(item, "code", CLOSE_OVERFLOW) == CLOSE_OVERFLOW
                                              for item in conn.outbox)
        writer.close()
        await asyncio.wait_for(probe.done.wait(), 5)


@pytest.mark.asyncio(loop_scope="module")
async def test_the_game_server_sends_raw_frames_to_hosts_and_players(live: LiveServer) -> None:
    code, token = await live.create_room("kinds")
    host = await live.host(code, token)
    player = await live.join(code, "Ada")
    conns = list(live.runtime.hub.rooms[code].conns.values())
    assert len(conns) == 2 and all((conn.raw is not None) == fast_path() for conn in conns)
    # With the memory store, their messages skip the ASGI queue (server/inbox.py).
    assert all(conn.raw.protocol.inbox is not None for conn in conns if conn.raw is not None)
    await host.send({"type": "start"})
    question = await player.until("question")
    assert question["index"] == 0
