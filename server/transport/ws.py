"""The WebSocket endpoint `/ws/{code}`: first message, then a read loop.

Everything a socket sends is validated here or in `protocol.parse`; the use
cases are `Service`'s, the fan-out is the `Hub`'s. A bad message gets an error
frame and the connection stays open, except where the contract closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from ..bus.envelope import Envelope, dumps
from ..domain.codes import is_code
from ..domain.errors import GameError
from ..domain.model import MAX_FRAME_BYTES
from ..rooms.frames import error
from ..rooms.limits import TokenBucket
from ..store.base import StoreUnavailable
from .hub import Conn, Hub
from .inbox import Inbox
from .internals import STOP_KEY, WebSocketProtocol
from .logthrottle import LogThrottle
from .messages import FIRST_ONLY_TYPES, FIRST_TYPES, HOST_TYPES, parse
from .netaddr import GUESSING, client_address, origin_allowed, public_base
from .runtime import Runtime
from .wire import raw_socket

log = logging.getLogger("thaw.ws")

CLOSE_BAD_INPUT = 4400
CLOSE_BAD_TOKEN = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_UNAVAILABLE = 1013

FIRST_CLOSE = {
    "bad_message": CLOSE_BAD_INPUT,
    "unknown_type": CLOSE_BAD_INPUT,
    "nickname_invalid": CLOSE_BAD_INPUT,
    "nickname_taken": CLOSE_BAD_INPUT,
    "bad_token": CLOSE_BAD_TOKEN,
    "kicked": CLOSE_FORBIDDEN,
    "room_locked": CLOSE_FORBIDDEN,
    "room_full": CLOSE_FORBIDDEN,
    "too_many_hosts": CLOSE_FORBIDDEN,
    "bad_origin": CLOSE_FORBIDDEN,
    "room_not_found": CLOSE_NOT_FOUND,
    "rate_limited": CLOSE_POLICY,
    "unavailable": CLOSE_UNAVAILABLE,
}

UNAVAILABLE = "the game's storage is unreachable right now; nothing was recorded, try again in a moment"
FAILED = "the server could not handle that message"

_handler_failures = LogThrottle(log)
"""A message that makes a handler fail is logged once a minute, however often it is sent."""


class _Closed(Exception):
    """The connection is over (peer left, or we closed it)."""


async def _reject(ws: WebSocket, code: str, message: str) -> None:
    with contextlib.suppress(Exception):
        await ws.send_text(error(code, message))
        await ws.close(FIRST_CLOSE.get(code, CLOSE_BAD_INPUT), code)


async def _receive_text(ws: WebSocket, conn: Conn | None) -> str | None:
    """The next text frame; None for a frame answered with `bad_message` (binary)."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect" or message.get(STOP_KEY):
        raise _Closed
    text: str | None = message.get("text")
    if text is None:
        data = message.get("bytes") or b""
        if len(data) > MAX_FRAME_BYTES:
            await ws.close(CLOSE_TOO_BIG, "frame too big")
            raise _Closed
        frame = error("bad_message", "frames are JSON text, not binary")
        if conn is None:
            await ws.send_text(frame)
        else:
            conn.send(frame)
        return None
    if _too_big(text):
        if conn is not None:
            conn.close(CLOSE_TOO_BIG, "frame too big")
        else:
            await ws.close(CLOSE_TOO_BIG, "frame too big")
        raise _Closed
    return text


def _too_big(text: str) -> bool:
    return len(text) > MAX_FRAME_BYTES // 4 and len(text.encode()) > MAX_FRAME_BYTES  # UTF-8: at most 4 bytes a char


async def endpoint(ws: WebSocket) -> None:
    rt: Runtime = ws.app.state.runtime
    code = str(ws.path_params.get("code", ""))
    address = client_address(ws.scope, rt.settings)
    if not origin_allowed(ws.scope, rt.settings.public_url):
        # Refused before the handshake completes: a page on another site cannot
        # open sockets in a visitor's name (the browser sends its true Origin).
        await ws.close(CLOSE_FORBIDDEN, "bad_origin")
        return
    await ws.accept()
    try:
        await _session(ws, rt, code, address)
    except (_Closed, WebSocketDisconnect):
        pass
    except StoreUnavailable:
        await _reject(ws, "unavailable", UNAVAILABLE)
    except Exception as exc:
        _handler_failures.error("socket for room %s failed", code, exc=exc)
        with contextlib.suppress(Exception):
            await ws.close(1011, "internal error")


async def _session(ws: WebSocket, rt: Runtime, code: str, address: str) -> None:
    limits = rt.address_limits
    if limits.guessing(address):
        await _reject(ws, "rate_limited", GUESSING)
        return
    if not is_code(code) or not await rt.service.exists(code):
        await _room_not_found(ws, rt, address, code)
        return
    try:
        async with asyncio.timeout(rt.settings.limits.first_message_timeout_s):  # no extra task, as wait_for makes
            text = await _receive_text(ws, None)
    except TimeoutError:
        await _reject(ws, "bad_message", "say who you are first: host, join or resume")
        return
    if text is None:
        await ws.close(CLOSE_BAD_INPUT, "bad_message")
        return
    try:
        msg = parse(text, first=True)
        kind = msg["type"]
        if kind not in FIRST_TYPES:
            raise GameError("bad_message", "the first message must be `host`, `join` or `resume`")
        if kind == "host":
            await rt.service.check_host(code, msg["token"])
            if rt.hub.hosts(code) >= rt.settings.limits.hosts_per_room:
                raise GameError.of("too_many_hosts")
            await _attach(ws, rt, _conn(ws, rt, code, "host", None), None)
            return
        if kind == "join":
            if not limits.may_join(address, code):
                raise GameError.of("rate_limited.joins")
            player, token = await rt.service.join(code, msg.get("nickname"))
            limits.joined(address, code)
            resumed = False
        else:
            token = msg["token"]
            player = await rt.service.resume(code, token)
            resumed = True
    except GameError as exc:
        if exc.code == "room_not_found":
            await _room_not_found(ws, rt, address, code)
        else:
            await _reject(ws, exc.code, exc.message)
        return
    await _attach(ws, rt, _conn(ws, rt, code, "player", player.id), token, resumed)


def _conn(ws: WebSocket, rt: Runtime, code: str, role: str, player_id: str | None) -> Conn:
    limits = rt.settings.limits
    return Conn(ws, code, role, player_id, outbox_limit=limits.outbox_frames, raw=raw_socket(ws.scope),
                outbox_max_bytes=limits.outbox_bytes)


async def _room_not_found(ws: WebSocket, rt: Runtime, address: str, code: str) -> None:
    """Answer a miss, slowly for an address that keeps guessing codes."""
    delay = rt.address_limits.missed(address)
    if delay is None:
        await _reject(ws, "rate_limited", GUESSING)
        return
    if delay:
        await asyncio.sleep(delay)
    await _reject(ws, "room_not_found", GameError.of("room_not_found", room=code[:6]).message)


async def _attach(ws: WebSocket, rt: Runtime, conn: Conn, token: str | None, resumed: bool = False) -> None:
    """Register the socket, send the present (resync), then serve its messages."""
    hub: Hub = rt.hub
    service = rt.service
    code = conn.code
    hub.add(conn)
    try:
        if conn.is_host:
            frames, seq = await service.host_view(code, welcome=True, join_base=public_base(ws.scope, rt.settings))
        else:
            assert conn.player_id is not None
            await service.presence(code, conn.player_id, conn.id, True)
            if resumed:  # only a resumed token can have an older connection to replace
                await rt.store.rooms.publish(code, Envelope(replace=(conn.player_id, conn.id)))
            frames, seq = await service.player_view(code, conn.player_id, token)
        hub.synced(conn, frames, seq)
        await _serve(ws, rt, conn)
    finally:
        await hub.remove(conn)
        if conn.player_id is not None and not rt.draining:
            # While draining, players are moving to another instance: marking them
            # gone here could close a question early for those still answering.
            with contextlib.suppress(Exception):
                await service.presence(code, conn.player_id, conn.id, False)
        if ws.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await ws.close()


async def _serve(ws: WebSocket, rt: Runtime, conn: Conn) -> None:
    """Handle the socket's messages in order until it closes (either side)."""
    messages = _Messages(rt, conn)
    proto = conn.raw.protocol if conn.raw is not None else None
    if proto is not None:
        proto.limit_control(messages)  # a PING costs a message too (`_Messages.control`)
    if proto is None or not (rt.inline_messages and proto.attach_inbox(messages)):
        try:
            while not conn.closed:
                text = await _receive_text(ws, conn)
                try:
                    await messages.take(text)
                except Exception as exc:  # a bug closes only this socket (1011), as in the inbox
                    messages.failed(exc)
        finally:
            if proto is not None:
                proto.limit_control(None)
        return
    # Text messages now reach `take` through the inbox, from the read callback.
    # The receive below sees the rest, each after what the inbox holds: the
    # disconnect, `STOP` once a message the inbox handled closed `conn`, or every
    # frame once websockets parses them.
    messages.proto = proto
    try:
        while True:
            text = await _receive_text(ws, conn)
            await messages.idle()
            await messages.take(text)
    except asyncio.CancelledError:
        messages.cancel()
        raise
    finally:
        proto.attach_inbox(None)
        proto.limit_control(None)
        await messages.idle()


class _Messages(Inbox):
    """One socket's messages: rate-limited, size-checked, handled one at a time."""

    __slots__ = ("bucket", "conn", "proto", "rt")

    def __init__(self, rt: Runtime, conn: Conn) -> None:
        super().__init__()
        self.rt = rt
        self.conn = conn
        limits = rt.settings.limits
        self.bucket = TokenBucket(limits.messages_per_second, limits.message_burst)
        self.proto: WebSocketProtocol | None = None

    async def take(self, text: str | None) -> None:
        """One message, whichever way it came (None: a frame already answered)."""
        conn = self.conn
        if conn.closed:
            return
        if not self.bucket.take():
            conn.send(error("rate_limited", "too many messages; slow down"))
            conn.close(CLOSE_POLICY, "rate_limited")
        elif text is not None:
            if _too_big(text):
                conn.close(CLOSE_TOO_BIG, "frame too big")
            else:
                await handle(self.rt, conn, text)
        if conn.closed:
            self.stop()

    def control(self) -> bool:
        """A PING arrived: allowed if the socket's message budget has room."""
        conn = self.conn
        if conn.closed:
            return False
        if self.bucket.take():
            return True
        conn.send(error("rate_limited", "too many messages; slow down"))
        conn.close(CLOSE_POLICY, "rate_limited")
        self.stop()
        return False

    def stop(self) -> None:
        """The socket was closed by a message the inbox handled: the reader stops too."""
        if self.proto is not None:
            self.proto.stop_app()
            self.proto = None

    def handle(self, text: str) -> Coroutine[Any, Any, None]:
        return self.take(text)

    def failed(self, exc: Exception) -> None:
        _handler_failures.error("socket for room %s failed", self.conn.code, exc=exc)
        self.conn.close(1011, "internal error")
        self.stop()

    def pause(self) -> None:
        if self.proto is not None:
            self.proto.pause_inbox()

    def resume(self) -> None:
        if self.proto is not None:
            self.proto.resume_inbox()


async def handle(rt: Runtime, conn: Conn, text: str) -> None:
    """One text frame from an attached socket: validate, act, answer errors on the socket.

    A message that makes a handler fail gets an `internal_error` frame and the
    socket stays open, as for any other bad message (the failure is a bug to fix,
    not a reason to drop the client, and never a traceback per message in the log).
    """
    try:
        msg = parse(text)
        await _dispatch(rt, conn, msg)
    except GameError as exc:
        conn.send(error(exc.code, exc.message))
        if exc.code == "kicked":
            conn.close(CLOSE_FORBIDDEN, "kicked")
    except StoreUnavailable:
        conn.send(error("unavailable", UNAVAILABLE))
    except Exception as exc:
        _handler_failures.error("a message to room %s failed", conn.code, exc=exc)
        conn.send(error("internal_error", FAILED))


async def _dispatch(rt: Runtime, conn: Conn, msg: dict[str, Any]) -> None:
    kind = msg["type"]
    service = rt.service
    if kind == "ping":
        conn.send(dumps({"type": "pong", "t": msg.get("t") if isinstance(msg.get("t"), int | float) else None}))
        return
    if kind in FIRST_ONLY_TYPES:
        raise GameError("bad_message", f"this connection is already attached; `{kind}` only comes first")
    if conn.is_host:
        if kind in HOST_TYPES:
            await service.host_command(conn.code, msg)
            return
        raise GameError.of("not_player.host")
    if kind in HOST_TYPES:
        raise GameError.of("not_host")
    assert conn.player_id is not None
    if kind == "answer":
        await service.answer(conn.code, conn.player_id, msg["index"], msg["answer"], conn.send)
        return
    if kind == "reroll":
        nickname, left = await service.reroll(conn.code, conn.player_id)
        conn.send(dumps({"type": "nickname", "nickname": nickname, "rerolls_left": left}))
        return
    raise GameError.of("unknown_type", type=kind)  # pragma: no cover

