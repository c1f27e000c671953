"""A lean WebSocket client for thousands of sockets in one process."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri


class WsClient(asyncio.Protocol):
    """websockets' sans-I/O client in an asyncio.Protocol; `handler(text, t)` gets every text
    message with `t = time.time()` taken when its bytes arrived.

    websockets does the handshake and everything this client sends. Once the
    connection is open (and uncompressed), incoming frames are parsed here: a
    server's frames are never masked, so a frame is a header and a payload, and
    this is several times cheaper than the general parser. At 9,000 sockets in one
    process, the client's own parsing was what delayed the stamps
    (`docs/performance.md`).
    """

    def __init__(self, uri: str, handler: Callable[[str, float], None], compression: bool = False) -> None:
        extensions = [ClientPerMessageDeflateFactory(client_max_window_bits=True)] if compression else None
        self.ws = ClientProtocol(parse_uri(uri), extensions=extensions, max_size=1 << 24)
        self.handler = handler
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[float] = loop.create_future()
        self.lost: asyncio.Future[int] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self._parts: list[bytes] = []
        self._lean = False  # parse frames here (after an uncompressed handshake)
        self._buffer = b""
        self._close_code: int | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass, but quacks
        self.ws.send_request(self.ws.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        t = time.time()
        if self._lean:
            self._parse(data, t)
            return
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Frame):
                op = event.opcode
                if op is Opcode.TEXT:
                    if event.fin:
                        self.handler(str(event.data, "utf-8"), t)
                    else:
                        self._parts = [bytes(event.data)]
                elif op is Opcode.CONT and self._parts:
                    self._parts.append(bytes(event.data))
                    if event.fin:
                        text, self._parts = b"".join(self._parts).decode(), []
                        self.handler(text, t)
            elif isinstance(event, Response) and not self.opened.done():
                if self.ws.handshake_exc is not None:
                    self.opened.set_exception(self.ws.handshake_exc)
                else:
                    # The server speaks only when spoken to: nothing follows the 101 yet.
                    self._lean = not self.ws.extensions
                    self.opened.set_result(t)
        self._flush()

    def _parse(self, data: bytes, t: float) -> None:
        buf = self._buffer + data if self._buffer else data
        end = len(buf)
        pos = 0
        handler = self.handler
        while end - pos >= 2:
            b0 = buf[pos]
            length = buf[pos + 1]
            head = pos + 2
            if length & 0x80:
                self._fail(1002)  # a server never masks its frames
                return
            if length == 126:
                if end - head < 2:
                    break
                length = int.from_bytes(buf[head:head + 2], "big")
                head += 2
            elif length == 127:
                if end - head < 8:
                    break
                length = int.from_bytes(buf[head:head + 8], "big")
                head += 8
            stop = head + length
            if stop > end:
                break
            pos = stop
            op = b0 & 0x0F
            if op == 1:
                if b0 & 0x80:
                    handler(buf[head:stop].decode(), t)
                else:
                    self._parts = [buf[head:stop]]
            elif op == 0 and self._parts:
                self._parts.append(buf[head:stop])
                if b0 & 0x80:
                    text, self._parts = b"".join(self._parts).decode(), []
                    handler(text, t)
            elif op == 9:  # ping
                self._control(9, buf[head:stop])
            elif op == 8:  # close: answer it, then the server closes the TCP connection
                payload = buf[head:stop]
                self._close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self._control(8, b"")
                self._buffer = b""
                return
        self._buffer = buf[pos:]

    def _control(self, op: int, payload: bytes) -> None:
        """Answer a ping with a pong, a close with a close (masked by websockets)."""
        with contextlib.suppress(Exception):
            if op == 9:
                self.ws.send_pong(payload)
            else:
                self.ws.send_close(self._close_code or 1000)
            self._flush()

    def _fail(self, code: int) -> None:
        self._close_code = code
        if self.transport is not None:
            self.transport.close()

    def _flush(self) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        for chunk in self.ws.data_to_send():
            if chunk:
                transport.write(chunk)
            elif transport.can_write_eof():
                transport.write_eof()

    def send(self, text: str) -> None:
        with contextlib.suppress(Exception):  # a closed socket: the caller sees it via `lost`
            self.ws.send_text(text.encode())
            self._flush()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.send_close(1000)
            self._flush()
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.ws.receive_eof()
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"connection lost during the handshake: {exc}"))
        if not self.lost.done():
            self.lost.set_result(self._close_code or self.ws.close_code or 1006)


async def open_ws(url: str, handler: Callable[[str, float], None], compression: bool,
                  timeout: float = 30.0) -> tuple[WsClient, float]:
    """Connect; returns the client and the seconds from connect() to the handshake's response."""
    loop = asyncio.get_running_loop()
    uri = parse_uri(url)
    t0 = time.time()
    _transport, client = await asyncio.wait_for(
        loop.create_connection(lambda: WsClient(url, handler, compression), uri.host, uri.port), timeout)
    try:
        t_open = await asyncio.wait_for(client.opened, timeout)
    except BaseException:
        client.close()  # a handshake that completes later must not leave a socket the run forgot
        raise
    return client, t_open - t0


def ws_url(http_url: str, code: str) -> str:
    return http_url.replace("http://", "ws://", 1) + f"/ws/{code}"


