"""uvicorn's sans-I/O WebSocket protocol, made cheaper for many sockets of small messages.

`thaw serve` runs uvicorn with this class (`ws=PROTOCOL`). It changes no
behaviour a client can see, only what a message costs:

- **Incoming text frames are read here.** A player's message is one small,
  masked, unfragmented text frame. For those, this class unmasks and decodes the
  payload itself and queues it exactly as uvicorn does; websockets' general
  parser (a generator per frame, a `Frame` object, an event list) cost more than
  the rest of the receive path together. Everything else — control frames,
  fragments, binary, anything malformed or too big — goes to websockets, whole
  frame by whole frame, so its checks and close codes stay the only ones.
  Reading pauses once a few messages wait for the app, not after each one as in
  uvicorn: pausing and resuming a socket costs two `epoll_ctl` calls a message.
- **No keepalive ping to a peer that was just heard.** uvicorn pings every socket
  every interval; in a game every phone answers every question, which already
  proves it is there. A ping goes out only after a silent interval, and the pong
  deadline is unchanged, so a vanished phone is detected as before.
- **Messages can skip the ASGI queue.** Once the endpoint attaches an `Inbox`
  (`server/inbox.py`), text messages read here go to it straight from the read
  callback; uvicorn's queue then carries only the rest (the disconnect, and
  every frame after a hand-over to websockets).
- **The handshake is let go once answered.** uvicorn kept its request and
  response, and websockets' parser the request, with their headers, for the
  socket's whole life.

Compressed sockets (per-message deflate) keep websockets' parser throughout.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import Protocol

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - websockets built without its C extension
    from websockets.utils import apply_mask

from .inbox import BACKLOG, Inbox  # BACKLOG: messages waiting for the app before reading pauses, either way

PROTOCOL = "thaw.transport.wsprotocol:WebSocketProtocol"
"""What `thaw serve` passes to uvicorn as `ws`."""

STOP_KEY = "thaw.stop"
STOP: dict[str, Any] = {"type": "websocket.receive", STOP_KEY: True}
"""Queued by `stop_app`; the endpoint's reader stops on it."""

_FIN_TEXT = 0x81  # FIN, no RSV bits, opcode TEXT
_CONTROL = frozenset((0x88, 0x89, 0x8A))  # FIN + close, ping, pong
_MASKED = 0x80


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """See the module docstring. State: `_fast` is None until the handshake, then True or False for good."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fast: bool | None = None
        self._pending = b""
        self._heard = False
        self._inbox: Inbox | None = None

    # -- keepalive --------------------------------------------------------------------

    def start_keepalive(self) -> None:
        # Called once the handshake response is written: frames start here.
        if self._fast is None:  # (False: bytes came before the handshake answer)
            self._fast = not self.conn.extensions and not self.conn.reader.buffer
        # uvicorn reads the handshake's request and response only until the response
        # is written; kept, their headers were about 3 KiB of every open socket.
        del self.request, self.response
        if self._fast:
            # websockets' handshake parser goes on as the frame parser, its frame still
            # holding the request (2 KiB more). Nothing is read past the handshake yet,
            # so a fresh frame parser is the same state without it.
            conn = self.conn
            conn.parser = Protocol.parse(conn)
            next(conn.parser)
        super().start_keepalive()

    def send_keepalive_ping(self) -> None:
        if self._heard and not self.close_sent:
            self._heard = False
            self.ping_timer = None
            self.schedule_ping()
            return
        super().send_keepalive_ping()

    # -- incoming ---------------------------------------------------------------------

    @property
    def inbox(self) -> Inbox | None:
        return self._inbox

    def attach_inbox(self, inbox: Inbox | None) -> bool:
        """Send text messages to `inbox` from now on (None: to the queue again).

        False, and nothing changes, for a socket whose frames websockets parses.
        """
        if inbox is not None and not self._fast:
            return False
        self._inbox = inbox
        return True

    def stop_app(self) -> None:
        """Make the app's pending `receive` return `STOP`: the socket is done with,
        though the peer has not left (a message handled in the inbox closed it)."""
        self.queue.put_nowait(STOP)  # type: ignore[arg-type]  # our own message, read only by server/ws.py

    def pause_inbox(self) -> None:
        if not self.transport.is_closing():
            self.transport.pause_reading()

    def resume_inbox(self) -> None:
        if not self.read_paused and not self.transport.is_closing():
            self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        self._heard = True
        if self._fast:
            self._frames(self._pending + data if self._pending else data)
            return
        if self.handshake_initiated and not self.handshake_complete:
            self._fast = False  # bytes before our handshake answer: a client we leave to websockets
        super().data_received(data)

    def _frames(self, buf: bytes) -> None:
        """Take whole frames off `buf`; from the first one we do not take, websockets parses."""
        view = memoryview(buf)
        size = len(buf)
        at = 0
        limit = self.config.ws_max_size
        while at < size:
            if size - at < 2:
                break  # wait for the rest of the header
            head = buf[at]
            second = buf[at + 1]
            length = second & 0x7F
            if not second & _MASKED or length == 127 or self.close_sent:
                self._hand_over(view[at:])
                return
            if head != _FIN_TEXT and (head not in _CONTROL or length > 125):
                self._hand_over(view[at:])  # a fragment, binary, RSV bits
                return
            start = at + (8 if length == 126 else 6)
            if start > size:
                break
            if length == 126:
                length = (buf[at + 2] << 8) | buf[at + 3]
            if length > limit:
                self._hand_over(view[at:])  # websockets closes with 1009
                return
            end = start + length
            if end > size:
                break
            if head != _FIN_TEXT:
                # A control frame: websockets answers pings, times pongs, runs the closing handshake.
                super().data_received(bytes(view[at:end]))
                at = end
                if head == 0x88 or self.transport.is_closing():
                    self._hand_over(view[at:])
                    return
                continue
            try:
                text = apply_mask(view[start:end], buf[start - 4 : start]).decode()
            except UnicodeDecodeError:
                self._hand_over(view[at:])  # websockets closes with 1007
                return
            at = end
            inbox = self._inbox
            if inbox is not None:
                inbox.put(text)
                continue
            self.queue.put_nowait({"type": "websocket.receive", "text": text})
            if not self.read_paused and self.queue.qsize() >= BACKLOG:
                self.read_paused = True
                self.transport.pause_reading()
        self._pending = bytes(view[at:]) if at < size else b""

    def _hand_over(self, rest: memoryview) -> None:
        """websockets parses everything from here on (it is at a frame boundary)."""
        self._fast = False
        self._pending = b""
        if rest:
            super().data_received(bytes(rest))
