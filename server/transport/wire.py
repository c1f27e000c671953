"""Prebuilt WebSocket frames, written straight to the connection's transport.

A server never masks its frames, so a room event's frames are the same bytes
for every socket: the hub encodes them once and each socket gets one
`transport.write`. The usual path (Starlette's `send_text`, two exception
wrappers, uvicorn's `send`, websockets building a `Frame`) costs a chain of
coroutines and a writer-task wake-up per frame; at 9,000 sockets that was the
server's largest cost (`docs/performance.md`).

Only on the fast path (`internals.py`, which owns the writer, `RawSocket`) and
with no extension negotiated: per-message deflate keeps a compression context per
connection, so compressed sockets, the public path, other servers and the test
client use `send_text` as before. Thaw's app (`server/app.py`) keeps the server's
own `send` in the socket's scope under `SCOPE_KEY`: that is how a socket finds
its protocol object; `raw_socket` refuses anything it does not recognise.
"""

from __future__ import annotations

from collections.abc import Iterable
from struct import Struct

from starlette.types import Scope

from . import internals
from .internals import RawSocket

__all__ = ["SCOPE_KEY", "RawSocket", "raw_socket", "text_frame", "text_frames"]

SCOPE_KEY = "thaw.send"
"""Where the app keeps the server's own `send` in a WebSocket scope (see `raw_socket`)."""

_FIN_TEXT = 0x81
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


def raw_socket(scope: Scope) -> RawSocket | None:
    """The raw writer for an accepted socket, or None where only `send_text` is safe
    (the public path, compressed sockets, other servers, the test client)."""
    return internals.raw_socket(scope.get(SCOPE_KEY))
