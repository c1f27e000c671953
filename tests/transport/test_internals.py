"""Thaw's uvicorn WebSocket protocol: the fast reader, the fallback to websockets, the keepalive.

A raw TCP client writes hand-made frames, in any chunking, to a real uvicorn
running `thaw.transport.internals.PROTOCOL`, and reads what an echo endpoint sends back.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import os
import random
import struct
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from thaw.transport.internals import PROTOCOL, WebSocketProtocol
from websockets.http11 import Request

from .helpers import uvicorn_running

TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA
MAX_SIZE = 4096
MASKS = random.Random(6455)  # seeded: the parametrized frames are the same bytes on every run


def frame(
    opcode: int, payload: bytes, *, fin: bool = True, masked: bool = True, rsv: int = 0, mask: bytes | None = None
) -> bytes:
    """A client frame as RFC 6455 section 5.2 lays it out."""
    head = bytes([(0x80 if fin else 0) | rsv | opcode])
    n = len(payload)
    bit = 0x80 if masked else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if not masked:
        return head + payload
    mask = mask if mask is not None else MASKS.randbytes(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def text(s: str, **kw: Any) -> bytes:
    return frame(TEXT, s.encode(), **kw)


async def _echo(ws: WebSocket) -> None:
    await ws.accept()
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is not None:
                await ws.send_text("text:" + message["text"])
            else:
                await ws.send_text(f"bytes:{len(message.get('bytes') or b'')}")


@contextlib.asynccontextmanager
async def _running(endpoint: Any = _echo, **options: Any) -> AsyncIterator[tuple[int, uvicorn.Server]]:
    settings: dict[str, Any] = {"ws": PROTOCOL, "ws_max_size": MAX_SIZE, "ws_ping_interval": None} | options
    app = Starlette(routes=[WebSocketRoute("/ws", endpoint)])
    async with uvicorn_running(app, lifespan="off", **settings) as running:
        yield running


@contextlib.asynccontextmanager
async def _serve(**options: Any) -> AsyncIterator[int]:
    async with _running(**options) as (port, _server):
        yield port


class Raw:
    """A WebSocket client with no library: bytes out exactly as given, frames in parsed."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int, extra: bytes = b"") -> Raw:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
            + extra
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 3)
        assert head.startswith(b"HTTP/1.1 101"), head
        return cls(reader, writer)

    async def send(self, data: bytes, chunks: list[int] | None = None) -> None:
        """Write `data`, cut at the given sizes, with a pause between the pieces."""
        if not chunks:
            self.writer.write(data)
            await self.writer.drain()
            return
        at = 0
        for size in chunks:
            self.writer.write(data[at : at + size])
            await self.writer.drain()
            at += size
            await asyncio.sleep(0.002)
        if at < len(data):
            self.writer.write(data[at:])
            await self.writer.drain()

    async def recv(self, timeout: float = 3) -> tuple[int, bytes]:
        """(opcode, payload) of the next server frame."""
        b0, b1 = await asyncio.wait_for(self.reader.readexactly(2), timeout)
        assert not b1 & 0x80, "a server never masks"
        n = b1 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return b0 & 0x0F, await asyncio.wait_for(self.reader.readexactly(n), timeout)

    async def recv_text(self) -> str:
        opcode, payload = await self.recv()
        assert opcode == TEXT, (opcode, payload)
        return payload.decode()

    async def recv_close(self) -> int:
        """The close code the server sent (skipping anything sent before it)."""
        while True:
            opcode, payload = await self.recv()
            if opcode == CLOSE:
                return int(struct.unpack("!H", payload[:2])[0]) if payload else 1005

    def close(self) -> None:
        self.writer.close()


MESSAGES = ['{"type":"answer","index":0,"answer":1}', "", "é" * 80, "a" * 125, "b" * 126, "ü" * 700, "x" * MAX_SIZE]


async def test_text_frames_arrive_whole_in_order_however_tcp_cuts_them() -> None:
    rng = random.Random(7)
    async with _serve() as port:
        ws = await Raw.open(port)
        data = b"".join(text(m) for m in MESSAGES)
        # Every cut point one at a time, then random chunkings, then all at once.
        cuttings: list[list[int] | None] = [[cut] for cut in range(1, 40)]
        cuttings += [[rng.randint(1, 50) for _ in range(rng.randint(1, 30))] for _ in range(20)]
        cuttings.append(None)
        for chunks in cuttings:
            await ws.send(data, chunks)
            assert [await ws.recv_text() for _ in MESSAGES] == ["text:" + m for m in MESSAGES]
        ws.close()


async def test_pings_get_pongs_between_text_frames() -> None:
    async with _serve() as port:
        ws = await Raw.open(port)
        await ws.send(text("one") + frame(PING, b"abc") + text("two"), [3, 9, 2])
        got = [await ws.recv() for _ in range(3)]
        assert got == [(TEXT, b"text:one"), (PONG, b"abc"), (TEXT, b"text:two")]
        await ws.send(frame(PONG, b"unsolicited") + text("three"))
        assert await ws.recv_text() == "text:three"
        ws.close()


async def test_fragments_and_binary_go_to_websockets_which_still_gets_them_right() -> None:
    async with _serve() as port:
        ws = await Raw.open(port)
        await ws.send(text("hel", fin=False) + frame(PING, b"p") + frame(CONT, b"lo", fin=False)
                      + frame(CONT, " wörld".encode()))
        assert await ws.recv() == (PONG, b"p")
        assert await ws.recv_text() == "text:hello wörld"
        await ws.send(frame(BINARY, b"\x00\x01\x02") + text("after"))
        assert await ws.recv_text() == "bytes:3"
        assert await ws.recv_text() == "text:after"
        ws.close()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (frame(TEXT, b"ok \xff\xfe"), 1007),  # not UTF-8
        (text("z" * (MAX_SIZE + 1)), 1009),  # over ws_max_size
        (text("z" * 70_000)[:200], 1009),  # a 64-bit length
        (text("plain", masked=False), 1002),  # clients must mask
        (text("rsv", rsv=0x40), 1002),  # no extension was negotiated
        (frame(PING, b"p" * 126), 1002),  # control frames carry at most 125 bytes
        (frame(CONT, b"orphan"), 1002),  # a continuation with nothing to continue
        (frame(0x3, b""), 1002),  # a reserved opcode
    ],
)
async def test_bad_frames_get_websockets_close_codes(data: bytes, code: int) -> None:
    async with _serve() as port:
        ws = await Raw.open(port)
        await ws.send(text("before"), [1])
        assert await ws.recv_text() == "text:before"  # the fast reader was in charge
        await ws.send(data + text("never read"))
        assert await ws.recv_close() == code
        ws.close()


async def test_the_closing_handshake_runs_as_before() -> None:
    async with _serve() as port:
        ws = await Raw.open(port)
        await ws.send(text("bye"))
        assert await ws.recv_text() == "text:bye"
        await ws.send(frame(CLOSE, struct.pack("!H", 1000) + b"done") + text("ignored"))
        assert await ws.recv() == (CLOSE, struct.pack("!H", 1000) + b"done")
        assert await asyncio.wait_for(ws.reader.read(), 3) == b""
        ws.close()


async def test_an_open_socket_keeps_no_copy_of_its_handshake_and_still_closes_cleanly() -> None:
    """The request and response headers are let go once the handshake is answered (memory per socket)."""
    async with _running() as (port, server):
        ws = await Raw.open(port)
        await ws.send(text("hi"))
        assert await ws.recv_text() == "text:hi"
        [proto] = [c for c in server.server_state.connections if isinstance(c, WebSocketProtocol)]
        assert proto.handshake_complete
        assert not hasattr(proto, "request") and not hasattr(proto, "response")
        gc.collect()
        assert not [o for o in gc.get_objects() if isinstance(o, Request)]  # nobody else holds it either
        await ws.send(frame(CLOSE, struct.pack("!H", 1000)))
        assert await ws.recv() == (CLOSE, struct.pack("!H", 1000))
        assert await asyncio.wait_for(ws.reader.read(), 3) == b""
        ws.close()


async def _transcript(port: int, early: bytes, later: list[bytes]) -> list[tuple[int, bytes]]:
    """Everything the server sends until it closes or goes quiet for 0.5 s."""
    ws = await Raw.open(port, extra=early)
    got: list[tuple[int, bytes]] = []
    for data in later:
        try:
            await ws.send(data, [1, 2, 3])
        except ConnectionError:
            got.append((-1, b"reset"))
            break
        while True:
            try:
                got.append(await ws.recv(timeout=0.5))
            except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                break
    ws.close()
    return got


# uvicorn (httptools) drops bytes that arrive with the upgrade request, so for a frame split
# across it the server starts reading at the rest of the mask: this mask makes that a 2-byte text frame.
SPLIT = text("early", mask=bytes([0, 0x81, 0x82, 0]))


@pytest.mark.parametrize(
    ("early", "later"),
    [
        (text("early") + text("bird"), [text("later")]),  # frames before the handshake answer
        (text("ea"), [text("rly")]),
        (SPLIT[:3], [SPLIT[3:] + text("next")]),  # a frame split across the upgrade request (see SPLIT)
        (b"", [text("a") + frame(PING, b"x") + text("b"), frame(CLOSE, struct.pack("!H", 4000))]),
        (b"", [text("\u00e9" * 2000), frame(BINARY, b"b") + text("c")]),
    ],
)
async def test_it_answers_exactly_as_uvicorns_own_protocol(early: bytes, later: list[bytes]) -> None:
    """A differential check: the same bytes, the same frames back, with and without the shortcuts."""
    transcripts = []
    for ws in (PROTOCOL, "websockets-sansio"):
        async with _serve(ws=ws) as port:
            transcripts.append(await _transcript(port, early, later))
    assert transcripts[0] == transcripts[1]
    assert transcripts[0]  # the check saw something


async def test_a_silent_peer_is_pinged_and_cut_off_when_it_never_answers() -> None:
    async with _serve(ws_ping_interval=0.2, ws_ping_timeout=0.3) as port:
        ws = await Raw.open(port)
        opcode, _payload = await ws.recv(timeout=2)
        assert opcode == PING
        assert await ws.recv_close() == 1011  # keepalive ping timeout
        ws.close()


async def test_a_silent_peer_that_answers_pings_stays() -> None:
    async with _serve(ws_ping_interval=0.1, ws_ping_timeout=0.3) as port:
        ws = await Raw.open(port)
        for _ in range(4):
            opcode, payload = await ws.recv(timeout=2)
            assert opcode == PING
            await ws.send(frame(PONG, payload))
        await ws.send(text("still here"))
        assert await ws.recv_text() == "text:still here"
        ws.close()


async def test_a_peer_heard_within_the_interval_is_not_pinged() -> None:
    async with _serve(ws_ping_interval=0.2, ws_ping_timeout=0.2) as port:
        ws = await Raw.open(port)
        for i in range(20):  # 1 s of talk, every 50 ms: five intervals, each with news from the peer
            await ws.send(text(f"m{i}"))
            assert await ws.recv() == (TEXT, f"text:m{i}".encode())  # no ping in between
            await asyncio.sleep(0.05)
        opcode, _payload = await ws.recv(timeout=2)  # silence: now a ping comes
        assert opcode == PING
        ws.close()


async def test_reading_pauses_while_the_app_is_behind_and_resumes_without_loss() -> None:
    gate = asyncio.Event()
    got: list[str] = []
    protos: list[Any] = []

    async def slow(ws: WebSocket) -> None:
        await ws.accept()
        await gate.wait()
        with contextlib.suppress(WebSocketDisconnect):
            while len(got) < 20:
                got.append(await ws.receive_text())
            await ws.send_text("done")

    async with _running(slow) as (port, server):
        ws = await Raw.open(port)
        await ws.send(b"".join(text(f"a{i}") for i in range(10)))
        await asyncio.sleep(0.2)
        protos.extend(p for p in server.server_state.connections if hasattr(p, "queue"))
        assert len(protos) == 1 and protos[0].queue.qsize() == 10 and protos[0].read_paused
        await ws.send(b"".join(text(f"b{i}") for i in range(10)))
        await asyncio.sleep(0.2)
        assert protos[0].queue.qsize() == 10  # paused: the second batch waits in the kernel
        gate.set()
        assert await ws.recv_text() == "done"
        assert got == [f"a{i}" for i in range(10)] + [f"b{i}" for i in range(10)]
        ws.close()
