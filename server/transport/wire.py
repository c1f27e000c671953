"""Prebuilt WebSocket frames, written straight to the connection's transport.

A server never masks its frames, so a room event's frames are the same bytes
for every socket: the hub encodes them once and each socket gets one
`transport.write`. The usual path (Starlette's `send_text`, two exception
wrappers, uvicorn's `send`, websockets building a `Frame`) costs a chain of
coroutines and a writer-task wake-up per frame; at 9,000 sockets that was the
server's largest cost (`docs/performance.md`).

Only for uvicorn's websockets sans-I/O protocol with no extension negotiated:
per-message deflate keeps a compression context per connection, so compressed
sockets, other servers and the test client use `send_text` as before. Thaw's
app (`server/app.py`) keeps uvicorn's own `send` in the socket's scope under
`SCOPE_KEY`: that is how a socket finds its protocol object; `raw_socket` refuses
anything it does not recognise. The way in (incoming frames) is
`server/wsprotocol.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from struct import Struct
from typing import Any

from starlette.types import Scope
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

SCOPE_KEY = "thaw.send"
"""Where the app keeps the server's own `send` in a WebSocket scope (see `raw_socket`)."""

_FIN_TEXT = 0x81
_OPEN = State.OPEN
_SHORT = Struct("!BB")
_MEDIUM = Struct("!BBH")
_LONG = Struct("!BBQ")


def text_frame(text: str) -> bytes:
    """One unmasked, unfragmented text frame (RFC 6455 section 5.2)."""
    data = text.encode()
    n = len(data)
    if n < 126:
        return _SHORT.pack(_FIN_TEXT, n) + data
    if n < 65536:
        return _MEDIUM.pack(_FIN_TEXT, 126, n) + data
    return _LONG.pack(_FIN_TEXT, 127, n) + data


def text_frames(texts: Iterable[str]) -> bytes:
    """Several frames back to back: one write puts them all on the wire in order."""
    return b"".join([text_frame(t) for t in texts])


class RawSocket:
    """Writes prebuilt frames to one accepted uvicorn WebSocket, honouring its state."""

    __slots__ = ("_proto", "_transport", "_ws")

    def __init__(self, proto: Any) -> None:
        self._proto = proto
        self._transport: asyncio.Transport = proto.transport
        self._ws = proto.conn

    @property
    def protocol(self) -> Any:
        """uvicorn's protocol object for this socket."""
        return self._proto

    @property
    def open(self) -> bool:
        """False once either side started closing: then nothing more may be written."""
        proto = self._proto
        return not (proto.close_sent or proto.disconnected or self._transport.is_closing()) and (
            self._ws.state is _OPEN
        )

    def write_now(self, data: bytes) -> bool:
        """Write if open and not paused by flow control; False if the caller must queue.

        The fan-out's path: the state is looked at once per socket (asking `open`
        before writing and again in `write` cost 1-2 % of a district game's CPU).
        """
        if self._proto.writable.is_set() and self.open:
            self._transport.write(data)
            return True
        return False

    async def wait_writable(self) -> None:
        """Until the transport's buffer drained below its low-water mark (or it was lost)."""
        await self._proto.writable.wait()

    def write(self, data: bytes) -> bool:
        """Put prebuilt frames on the wire; False if the socket is no longer open."""
        if not self.open:
            return False
        self._transport.write(data)
        return True


def raw_socket(scope: Scope) -> RawSocket | None:
    """The raw writer for an accepted socket, or None where only `send_text` is safe."""
    proto: Any = getattr(scope.get(SCOPE_KEY), "__self__", None)
    if not isinstance(proto, WebSocketsSansIOProtocol):
        return None
    if proto.conn.extensions or not proto.handshake_complete or proto.transport is None:
        return None
    return RawSocket(proto)
