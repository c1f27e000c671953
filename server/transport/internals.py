"""The fast path: every private name of uvicorn, websockets and CPython that Thaw uses.

Nothing else in Thaw reaches into another library's internals. Each use below
names the releases it was written and tested for; pyproject.toml caps those
libraries at the newest of them. At start-up `choose()` checks that the
internals are there and behave — it runs a real handshake, a text frame each
way, a ping and a close through the protocol in memory — and, if not, logs one
warning and Thaw serves through public APIs only: uvicorn's own WebSocket
protocol (`websockets-sansio`), Starlette's `WebSocket` for reads and sends.
`THAW_FAST_PATH=off` forces that path (`.ci/run` runs the WebSocket suites on both).

What the fast path changes (no behaviour a client can see, only what a message costs):

- **Incoming text frames are read here** (`WebSocketProtocol._frames`). A
  player's message is one small, masked, unfragmented text frame; it is unmasked
  and decoded here and queued as uvicorn does. Everything else — fragments,
  binary, anything malformed or too big — goes to websockets, whole frame by
  whole frame, so its checks and close codes stay the only ones.
- **Control frames count.** Each PING costs the socket one message of its rate
  limit (`limit_control`), and reading stops while the socket's write buffer is
  over its high-water mark: a client that sends pings and never reads the pongs
  cannot make the server buffer them.
- **Outgoing frames are prebuilt** (`RawSocket`): a room event's frames are the
  same bytes for every socket (`wire.text_frames`) and each socket gets one
  `transport.write`, instead of a chain of coroutines per frame.
- **Messages can skip the ASGI queue** (an `Inbox`, `inbox.py`).
- **No keepalive ping to a peer that was just heard**, and the handshake's
  request and response are let go once answered.

Compressed sockets (per-message deflate) keep websockets' parser and uvicorn's `send`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable, Coroutine, Iterator
from functools import cache
from typing import Any

from . import connlimits

log = logging.getLogger("thaw.transport")

FORCE_ENV = "THAW_FAST_PATH"
"""`off`: serve through public APIs only, whatever the libraries offer."""

PROTOCOL = "thaw.transport.internals:WebSocketProtocol"
PUBLIC_PROTOCOL = "websockets-sansio"
"""What `thaw serve` passes to uvicorn as `ws`: `ws_protocol()` picks one."""

STOP_KEY = "thaw.stop"
STOP: dict[str, Any] = {"type": "websocket.receive", STOP_KEY: True}
"""Queued by `stop_app`; the endpoint's reader stops on it."""

BACKLOG = 4
"""Messages waiting for the app before reading pauses, through the inbox or uvicorn's queue."""

_FIN_TEXT = 0x81  # FIN, no RSV bits, opcode TEXT
_PING = 0x89
_CLOSE = 0x88
_CONTROL = frozenset((_CLOSE, _PING, 0x8A))  # FIN + close, ping, pong
_MASKED = 0x80

_missing: list[str] = []
_missing_http: list[str] = []

# uvicorn 0.52.1 – 0.55: `WebSocketsSansIOProtocol` (the module exists since 0.35, its
# keepalive hooks `start_keepalive`/`schedule_ping`/`send_keepalive_ping` since 0.44,
# `disconnected` since 0.52.1). Subclassed; its attributes `conn`, `transport`, `queue`, `read_paused`,
# `writable`, `close_sent`, `disconnected`, `handshake_initiated`, `handshake_complete`,
# `request`, `response`, `ping_timer`, `config` are read or set.
try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol as _UvicornProtocol
except ImportError as exc:  # pragma: no cover - uvicorn before 0.35
    _missing.append(f"uvicorn's sans-I/O WebSocket protocol ({exc})")
    _UvicornProtocol = asyncio.Protocol  # type: ignore[misc,assignment]

# websockets 15 – 17: the sans-I/O `Protocol`'s frame parser generator (`Protocol.parse`,
# `conn.parser`), its read buffer (`conn.reader.buffer`), `conn.extensions`, `State.OPEN`;
# `websockets.speedups.apply_mask`, a C helper called positionally (data, mask).
try:
    from websockets.protocol import Protocol as _WsProtocol
    from websockets.protocol import State as _WsState
except ImportError as exc:  # pragma: no cover
    _missing.append(f"websockets' sans-I/O protocol ({exc})")
try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - websockets built without its C extension
    from websockets.utils import apply_mask


class WebSocketProtocol(_UvicornProtocol):
    """uvicorn's sans-I/O protocol, cheaper for many sockets of small messages (see the module).

    State: `_fast` is None until the handshake, then True or False for good.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fast: bool | None = None
        self._pending = b""
        self._heard = False
        self._inbox: Any = None
        self._control: Any = None

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
            conn.parser = _WsProtocol.parse(conn)
            next(conn.parser)
        super().start_keepalive()

    def send_keepalive_ping(self) -> None:
        if self._heard and not self.close_sent:
            self._heard = False
            self.ping_timer = None
            self.schedule_ping()
            return
        super().send_keepalive_ping()

    # -- flow control -----------------------------------------------------------------

    # uvicorn clears `writable` while the transport's buffer is over its high-water mark.

    def pause_writing(self) -> None:
        # Whatever the peer sends now may need an answer (a pong) we could only buffer.
        super().pause_writing()
        if self._fast and not self.transport.is_closing():
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._fast and self._pending:
            held, self._pending = self._pending, b""
            self._frames(held)
        if self._fast:
            self.resume_inbox()

    # -- incoming ---------------------------------------------------------------------

    @property
    def inbox(self) -> Any:
        return self._inbox

    def attach_inbox(self, inbox: Any) -> bool:
        """Send text messages to `inbox` (an `Inbox`) from now on (None: to the queue again).

        False, and nothing changes, for a socket whose frames websockets parses.
        """
        if inbox is not None and not self._fast:
            return False
        self._inbox = inbox
        return True

    def limit_control(self, owner: Any) -> None:
        """Ask `owner.control()` before answering each PING (None: answer them all);
        False: the ping is dropped, `owner` has refused the socket."""
        self._control = owner

    def stop_app(self) -> None:
        """Make the app's pending `receive` return `STOP`: the socket is done with,
        though the peer has not left (a message handled in the inbox closed it)."""
        self.queue.put_nowait(STOP)  # type: ignore[arg-type]  # our own message, read only by ws.py

    def pause_inbox(self) -> None:
        if not self.transport.is_closing():
            self.transport.pause_reading()

    def resume_inbox(self) -> None:
        inbox = self._inbox
        if inbox is not None and inbox.paused:
            return
        if not self.read_paused and self.writable.is_set() and not self.transport.is_closing():
            self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        self._heard = True
        if self._fast:
            if not self.writable.is_set():
                # uvicorn resumed reading (its queue ran empty) while our writes are
                # paused: hold this one read, read no more until they drain.
                self._pending += data
                self.transport.pause_reading()
                return
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
                if head == _PING and self._control is not None and not self._control.control():
                    at = end  # refused: the owner is closing the socket
                    continue
                # A control frame: websockets answers pings, times pongs, runs the closing handshake.
                super().data_received(bytes(view[at:end]))
                at = end
                if head == _CLOSE or self.transport.is_closing():
                    self._hand_over(view[at:])
                    return
                if not self.writable.is_set():
                    break  # the answer filled the write buffer: the rest waits (`resume_writing`)
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


class RawSocket:
    """Writes prebuilt frames to one accepted socket of `WebSocketProtocol`, honouring its state.

    Only for sockets with no extension negotiated: per-message deflate keeps a
    compression context per connection.
    """

    __slots__ = ("_proto", "_transport", "_ws")

    def __init__(self, proto: WebSocketProtocol) -> None:
        self._proto = proto
        self._transport: asyncio.Transport = proto.transport
        self._ws = proto.conn

    @property
    def protocol(self) -> WebSocketProtocol:
        """The protocol object for this socket."""
        return self._proto

    @property
    def open(self) -> bool:
        """False once either side started closing: then nothing more may be written."""
        proto = self._proto
        return not (proto.close_sent or proto.disconnected or self._transport.is_closing()) and (
            self._ws.state is _WsState.OPEN
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


def raw_socket(send: Any) -> RawSocket | None:
    """The raw writer for an accepted socket, from the server's own ASGI `send`
    (uvicorn's is a method of the protocol object); None where only `send_text` is safe."""
    proto = getattr(send, "__self__", None)
    if not isinstance(proto, WebSocketProtocol):
        return None
    if proto.conn.extensions or not proto.handshake_complete or proto.transport is None:
        return None
    return RawSocket(proto)


# -- CPython ------------------------------------------------------------------------

def unblock(future: Any) -> None:
    """Clear the flag `Future.__await__` sets before it yields the future to its task.

    CPython 3.11 – 3.14: `Future._asyncio_future_blocking`, the private handshake
    between a future and the task that runs the coroutine (`Task.__step` clears it);
    the inbox (`inbox.py`) runs a coroutine's first steps without a task.
    """
    future._asyncio_future_blocking = False


# -- the start-up check ---------------------------------------------------------------

def forced_off() -> bool:
    return os.environ.get(FORCE_ENV, "").strip().lower() in ("off", "0", "false", "no")


# uvicorn 0.52.1 – 0.55 with httptools: `httptools_impl.HttpToolsProtocol` (an internal
# module). Subclassed; its hooks `connection_made`, `connection_lost`, `on_message_begin`,
# `on_headers_complete`, `handle_websocket_upgrade` are extended and its attributes
# `client`, `loop`, `transport` read. A WebSocket upgrade hands the transport to the
# `ws` protocol, whose `connection_lost` is wrapped so the connection's count ends with it.
try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _UvicornHttp
except ImportError as exc:  # pragma: no cover - httptools not installed, or uvicorn moved it
    _missing_http.append(f"uvicorn's httptools protocol ({exc})")
    _UvicornHttp = asyncio.Protocol  # type: ignore[misc,assignment]


class HttpProtocol(_UvicornHttp):
    """uvicorn's HTTP protocol with `connlimits.Gate`'s header deadline and connection cap."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gate = connlimits.Gate(self.loop, self._too_slow)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if not self._gate.admit(self.client[0] if self.client else "unknown"):
            transport.abort()

    def _too_slow(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()

    def on_message_begin(self) -> None:
        self._gate.arm()  # the next request on a kept-alive connection has its own deadline
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._gate.disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._gate.release()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self) -> None:
        self._gate.disarm()
        super().handle_websocket_upgrade()
        # The socket's protocol is now the WebSocket one, whose connection_lost ends
        # the connection: the count is released there. The closure holds the address
        # only, not this protocol, which is garbage from here on.
        ws = self.transport.get_protocol()
        if ws is not self:
            address = self._gate.hand_over()
            if address is not None:
                lost = ws.connection_lost

                def release_then(exc: Exception | None) -> None:
                    connlimits.release(address)
                    lost(exc)

                ws.connection_lost = release_then  # type: ignore[method-assign]


async def _probe_http() -> None:
    """One connection through `HttpProtocol` in memory: a request answered, its
    deadline armed and disarmed, its count taken and given back."""
    import uvicorn
    from uvicorn.server import ServerState

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    config = uvicorn.Config(app, http=HttpProtocol, log_config=None, lifespan="off")
    config.load()
    proto = HttpProtocol(config=config, server_state=ServerState(), app_state={})
    transport = _Transport()
    before = sum(connlimits.OPEN.values())
    proto.connection_made(transport)
    gate = proto._gate
    assert gate._deadline is not None, "a new connection's header deadline was not armed"
    assert sum(connlimits.OPEN.values()) == before + gate.counted(), "a new connection was not counted"
    assert proto.client is not None, "the protocol did not read the client's address"
    proto.data_received(b"GET /probe HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert gate._deadline is None, "the header deadline was not disarmed when the headers came in"
    for _ in range(20):
        if transport.out:
            break
        await asyncio.sleep(0)
    assert transport.out.startswith(b"HTTP/1.1 204"), "the request was not answered"
    proto.connection_lost(None)
    assert sum(connlimits.OPEN.values()) == before, "a closed connection was still counted"
    for _ in range(5):
        await asyncio.sleep(0)


class _Transport(asyncio.Transport):
    """A transport in memory: what the protocol writes, and whether it reads."""

    def __init__(self) -> None:
        super().__init__()
        self.out = bytearray()
        self.reading = True
        self.closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.out += data

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)


def _client_frame(opcode: int, payload: bytes) -> bytes:
    mask = b"\x01\x02\x03\x04"
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _server_frames(data: bytes) -> Iterator[tuple[int, bytes]]:
    at = 0
    while at + 2 <= len(data):
        n = data[at + 1] & 0x7F
        yield data[at] & 0x0F, data[at + 2 : at + 2 + n]
        at += 2 + n


async def _probe() -> None:
    """One socket through `WebSocketProtocol` in memory; raises AssertionError (or
    anything else) naming what did not behave."""
    import uvicorn
    from uvicorn.server import ServerState

    got: list[str] = []
    done = asyncio.Event()
    finish = asyncio.Event()
    raw: list[RawSocket | None] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        raw.append(raw_socket(send))
        message = await receive()
        got.append(message.get("text", ""))
        done.set()
        await finish.wait()  # the app ends when the probe does, whatever the protocol did

    config = uvicorn.Config(app, ws=WebSocketProtocol, ws_max_size=4096, ws_ping_interval=20.0,
                            ws_ping_timeout=20.0, ws_per_message_deflate=False, log_config=None, lifespan="off")
    config.load()
    proto = WebSocketProtocol(config=config, server_state=ServerState(), app_state={})
    transport = _Transport()
    proto.connection_made(transport)
    try:
        await _exercise(proto, transport, raw, got, done)
    finally:
        finish.set()
        if not getattr(proto, "disconnected", False):
            proto.connection_lost(None)  # the app's pending receive ends; so does its task
        for _ in range(5):
            await asyncio.sleep(0)


async def _exercise(proto: WebSocketProtocol, transport: _Transport, raw: list[RawSocket | None], got: list[str],
                    done: asyncio.Event) -> None:
    proto.data_received(
        b"GET /ws/probe HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    for _ in range(20):
        if raw:
            break
        await asyncio.sleep(0)
    assert transport.out.startswith(b"HTTP/1.1 101"), "the handshake was not answered"
    assert proto._fast is True, "the protocol's keepalive hook was not called after the handshake"
    sock = raw[0] if raw else None
    assert sock is not None and sock.open, "an accepted socket has no raw writer"
    del transport.out[:]
    allowed: list[bool] = []

    class Owner:
        def control(self) -> bool:
            allowed.append(True)
            return True

    proto.limit_control(Owner())
    proto.data_received(_client_frame(0x1, b'{"type":"ping"}') + _client_frame(0x9, b"hi"))
    await asyncio.wait_for(done.wait(), 1)
    assert got == ['{"type":"ping"}'], f"a text frame arrived as {got!r}"
    assert allowed == [True], "the ping was not counted"
    assert list(_server_frames(bytes(transport.out))) == [(0xA, b"hi")], "the ping was not answered"
    del transport.out[:]
    assert sock.write_now(b"\x81\x02hi") and bytes(transport.out) == b"\x81\x02hi", "a raw write did not go out"
    del transport.out[:]
    proto.pause_writing()
    assert not transport.reading and not sock.write_now(b"x"), "a paused socket kept reading or writing"
    proto.data_received(_client_frame(0x9, b"held"))
    assert not transport.out and not transport.reading, "a ping was answered while writes were paused"
    proto.resume_writing()
    assert transport.reading, "reading did not resume"
    assert list(_server_frames(bytes(transport.out))) == [(0xA, b"held")], "a held ping was not answered"
    del transport.out[:]
    proto.data_received(_client_frame(0x8, b"\x03\xe8"))
    assert not sock.open, "the socket stayed open after a close frame"


def _probe_unblock() -> None:
    loop = asyncio.new_event_loop()
    try:
        future = loop.create_future()

        async def wait() -> Any:
            return await future

        coro = wait()
        assert coro.send(None) is future, "an awaited future is not what the coroutine yields"
        unblock(future)
        future.set_result(7)
        try:
            coro.send(None)
        except StopIteration as stop:
            assert stop.value == 7, "a resumed coroutine did not get the future's result"
        else:
            raise AssertionError("a resumed coroutine did not finish")
    finally:
        loop.close()


def _run_apart(probe: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `probe` on a loop of its own (in a thread when this one already runs a loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(probe())
        return
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(probe())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, name="thaw-fast-path-check")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def _diagnose(missing: list[str], what: str, *probes: Callable[[], None]) -> str | None:
    """What is missing or misbehaves (the first probe to fail), or None."""
    if missing:
        return "; ".join(missing)
    try:
        for probe in probes:
            probe()
    except AssertionError as exc:
        return str(exc) or f"the in-memory {what} misbehaved"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def check() -> str | None:
    """Why the fast path cannot be used here, or None when its internals are there and behave."""
    return _diagnose(_missing, "socket", _probe_unblock, lambda: _run_apart(_probe))


@cache
def fast_path() -> bool:
    """Whether this process uses the fast path; decided once, with one warning if not."""
    if forced_off():
        log.info("fast path off (%s=off): serving through uvicorn's and Starlette's public APIs", FORCE_ENV)
        return False
    reason = check()
    if reason is not None:
        log.warning(
            "Thaw's WebSocket fast path is unavailable with these library versions (%s); serving through "
            "uvicorn's own WebSocket protocol and Starlette's WebSocket instead: everything works, at more "
            "CPU and memory per socket (docs/performance.md)", reason,
        )
        return False
    return True


def ws_protocol() -> str:
    """The `ws` option for uvicorn."""
    return PROTOCOL if fast_path() else PUBLIC_PROTOCOL


HTTP_PROTOCOL = "thaw.transport.internals:HttpProtocol"
"""What `thaw serve` passes to uvicorn as `http` when `http_protocol()` finds it behaves."""


def check_http() -> str | None:
    """Why Thaw's HTTP protocol cannot be used here, or None when it behaves."""
    return _diagnose(_missing_http, "HTTP connection", lambda: _run_apart(_probe_http))


@cache
def http_protocol() -> str:
    """The `http` option for uvicorn: Thaw's subclass of uvicorn's httptools protocol
    (a deadline for a request's headers, connections per address: `connlimits.py`)
    when it is there and behaves, else uvicorn's own choice, with one warning."""
    if forced_off():
        return "auto"
    reason = check_http()
    if reason is not None:
        log.warning("Thaw's HTTP protocol is unavailable with these library versions (%s); serving through "
                    "uvicorn's own, without the header deadline and the connection cap per address "
                    "(docs/deploying.md)", reason)
        return "auto"
    return HTTP_PROTOCOL
