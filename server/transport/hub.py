"""The sockets this process holds, and how room events reach them.

A room event arrives once from the bus as an `Envelope` whose frames are already
serialised, and is encoded into WebSocket frames once for the room; each socket
that keeps up gets those bytes in one write. A socket that falls behind gets a
bounded outbox and a writer task of its own while it has something queued, so one
slow phone never delays the room: a socket whose outbox overflows is closed (1013)
and its client resyncs when it reconnects.

Each socket remembers the room sequence number its screen reflects. An event
it has already seen is skipped; a gap (an event lost by the bus, or a socket
that attached while its subscription was still starting) triggers a resync of
that socket from the store, never a guess.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..bus.base import Bus
from ..bus.envelope import Envelope, dumps
from ..bus.throttle import PROGRESS_FRAME_MS, Throttle
from ..domain.text import is_text
from ..rooms.frames import answers_payload, error
from .logthrottle import LogThrottle
from .wire import RawSocket, text_frames

log = logging.getLogger("thaw.hub")

_unencodable = LogThrottle(log)
"""A frame that is not valid text is dropped for everyone and logged once a minute."""

OUTBOX_BYTES = 1 << 20
"""What a socket that stopped reading may have queued, whatever the number of writes."""


def encode(frames: list[str]) -> bytes:
    """`frames` as WebSocket frames, once for every socket that gets them.

    A frame that cannot be encoded (a string that is not valid text reached a
    frame despite the checks at the door) is dropped and logged: it must never
    stop the rest of the event, or the other sockets, from being delivered.
    """
    try:
        return text_frames(frames)
    except UnicodeEncodeError:
        pass
    good = [f for f in frames if is_text(f)]
    _unencodable.error("dropped %d frame(s) that are not valid text: %.80r", len(frames) - len(good),
                       next(f for f in frames if not is_text(f)))
    return text_frames(good)


def _texts(frames: list[str]) -> list[str]:
    """The frames a `send_text` socket can carry (see `encode`)."""
    if all(is_text(f) for f in frames):
        return frames
    encode(frames)  # logs what it drops
    return [f for f in frames if is_text(f)]

LOBBY_INTERVAL_S = 0.15  # coalesced `lobby` frames during a join storm

CLOSE_OVERFLOW = 1013
CLOSE_REPLACED = 4409
CLOSE_KICKED = 4403
CLOSE_RESTART = 1012


class Socket(Protocol):
    """What the hub needs of a WebSocket (Starlette's fits)."""

    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


@dataclass(slots=True)
class _Close:
    code: int
    reason: str = ""


Resync = Callable[["Conn"], Awaitable[tuple[list[str], int]]]
"""Fetch what a socket needs to show the present: (frames, the seq they reflect)."""

_ids = itertools.count(1)
_prefix = secrets.token_hex(6)


def _new_prefix() -> None:
    global _prefix
    _prefix = secrets.token_hex(6)


# Socket ids are stored as presence and compared across instances, so they must not
# repeat between processes: a random prefix per process, renewed in a forked child.
os.register_at_fork(after_in_child=_new_prefix)


class Conn:
    """One client socket: an outbox, a writer task, the seq its screen reflects.

    With a `raw` writer (`thaw.transport.wire`), frames go out as prebuilt bytes, written
    at once while the socket keeps up; the outbox and the writer task only come
    into play when its transport is paused by flow control. Without one, every
    frame goes through the outbox and `send_text`. The writer task runs only while
    the outbox holds something: thousands of idle sockets hold no task and no
    event (`docs/performance.md`, memory per connection).
    """

    __slots__ = (
        "_writer",
        "closed",
        "code",
        "id",
        "outbox",
        "outbox_bytes",
        "outbox_limit",
        "outbox_max_bytes",
        "player_id",
        "raw",
        "role",
        "seq",
        "socket",
        "syncing",
    )

    def __init__(
        self,
        socket: Socket,
        code: str,
        role: str,
        player_id: str | None = None,
        outbox_limit: int = 512,
        raw: RawSocket | None = None,
        outbox_max_bytes: int = OUTBOX_BYTES,
    ):
        self.socket = socket
        self.raw = raw
        self.code = code
        self.role = role  # "host" or "player"
        self.player_id = player_id
        self.id = f"{_prefix}{next(_ids)}"
        self.outbox: deque[str | bytes | _Close] = deque()
        self.outbox_limit = outbox_limit
        self.outbox_bytes = 0  # the size of what the outbox holds (characters for text)
        self.outbox_max_bytes = outbox_max_bytes
        self.seq = 0
        self.syncing: list[Envelope] | None = []  # events buffered while a resync is in flight
        self.closed = False
        self._writer: asyncio.Task[None] | None = None  # running while the outbox holds something

    @property
    def is_host(self) -> bool:
        return self.role == "host"

    def send(self, frame: str) -> None:
        self.send_many([frame])

    def send_many(self, frames: list[str], wire: bytes | None = None) -> None:
        """Queue frames; `wire` is them already encoded (by `encode`), for a raw socket."""
        if self.raw is not None:
            wire = encode(frames) if wire is None else wire
            if wire:
                self.push(wire)
        else:
            for frame in _texts(frames):
                self._queue(frame)

    def push(self, wire: bytes) -> None:
        """Prebuilt frames (raw sockets only): written now unless something is ahead of them."""
        raw = self.raw
        assert raw is not None
        if self.closed:
            return
        if self.outbox or not raw.write_now(wire):
            self._queue(wire)

    def _queue(self, item: str | bytes) -> None:
        if self.closed:
            return
        if len(self.outbox) >= self.outbox_limit or self.outbox_bytes + len(item) > self.outbox_max_bytes:
            log.warning("socket %s of room %s is too slow; closing it", self.id, self.code)
            self.outbox.clear()
            self.outbox_bytes = 0
            self.close(CLOSE_OVERFLOW, "too slow; reconnect to resync")
            return
        self.outbox.append(item)
        self.outbox_bytes += len(item)
        self._start_writer()

    def close(self, code: int, reason: str = "") -> None:
        """Close after what is already queued has been written."""
        if self.closed:
            return
        self.outbox.append(_Close(code, reason))
        self.closed = True
        self._start_writer()

    def _start_writer(self) -> None:
        writer = self._writer
        if writer is None or writer.done():
            self._writer = asyncio.create_task(self._write(), name=f"writer-{self.id}")

    async def _write(self) -> None:
        """Empty the outbox, then end: the task finishes in the same step that finds
        it empty, so an item queued later always finds the writer done and starts
        another."""
        outbox = self.outbox
        try:
            while outbox:
                # The item stays at the head while it is written, so that `push`
                # cannot overtake it meanwhile.
                item = outbox[0]
                if isinstance(item, _Close):
                    outbox.clear()
                    with contextlib.suppress(Exception):
                        await self.socket.close(item.code, item.reason)
                    return
                if isinstance(item, bytes):
                    assert self.raw is not None
                    await self.raw.wait_writable()
                    if not self.raw.write(item):
                        raise ConnectionError("socket closed")
                else:
                    await self.socket.send_text(item)
                if outbox and outbox[0] is item:
                    outbox.popleft()
                    self.outbox_bytes -= len(item)
        except Exception:  # the peer went away; the reader notices and detaches
            self.closed = True

    async def stop(self) -> None:
        """End the writer once the outbox is flushed (or at once if it is stuck)."""
        self.closed = True
        writer = self._writer
        if writer is None or writer.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(writer), timeout=1.0)
        except (TimeoutError, asyncio.CancelledError, Exception):
            writer.cancel()


@dataclass(slots=True)
class _Room:
    conns: dict[str, Conn] = field(default_factory=dict)
    players: dict[str, list[Conn]] = field(default_factory=dict)
    hosts: list[Conn] = field(default_factory=list)
    progress: tuple[int, int, int] | None = None  # (index, answered, total), not yet sent
    lobby_task: asyncio.Task[None] | None = None
    lobby_dirty: bool = False
    seq: int = 0  # the last room seq this process heard


class Hub:
    """Per-process registry of sockets by room, fed by the bus."""

    def __init__(
        self,
        bus: Bus,
        resync: Resync,
        lobby_frame: Callable[[str], Awaitable[str | None]],
        on_fanout: Callable[[float], None] | None = None,
    ) -> None:
        self.bus = bus
        self._resync = resync
        self._lobby_frame = lobby_frame
        self.rooms: dict[str, _Room] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.on_fanout = on_fanout  # seconds per room event (GET /metrics)
        self._progress = Throttle(PROGRESS_FRAME_MS, self._flush_progress)
        bus.on_resync(self.resync_all)

    # -- membership ---------------------------------------------------------------

    def add(self, conn: Conn) -> None:
        room = self.rooms.get(conn.code)
        if room is None:
            room = self.rooms[conn.code] = _Room()
            self.bus.subscribe(conn.code, self._listener)
        room.conns[conn.id] = conn
        if conn.is_host:
            room.hosts.append(conn)
        elif conn.player_id is not None:
            room.players.setdefault(conn.player_id, []).append(conn)

    async def remove(self, conn: Conn) -> None:
        room = self.rooms.get(conn.code)
        if room is not None and room.conns.pop(conn.id, None) is not None:
            if conn.is_host:
                room.hosts.remove(conn)
            elif conn.player_id is not None:
                mine = room.players.get(conn.player_id, [])
                if conn in mine:
                    mine.remove(conn)
                if not mine:
                    room.players.pop(conn.player_id, None)
            if not room.conns:
                self.bus.unsubscribe(conn.code, self._listener)
                self._progress.forget(conn.code)
                del self.rooms[conn.code]
        await conn.stop()

    def count(self) -> int:
        return sum(len(r.conns) for r in self.rooms.values())

    def hosts(self, code: str) -> int:
        """Host sockets this process holds open for a room (not those being closed)."""
        room = self.rooms.get(code)
        return sum(1 for conn in room.hosts if not conn.closed) if room is not None else 0

    def synced(self, conn: Conn, frames: list[str], seq: int) -> None:
        """Send a fresh snapshot, then whatever arrived meanwhile that it does not reflect."""
        buffered = conn.syncing or []
        conn.syncing = None
        conn.seq = seq
        conn.send_many(frames)
        for envelope in buffered:
            self._deliver_one(conn, envelope)

    # -- fan-out --------------------------------------------------------------------

    def _listener(self, code: str, envelope: Envelope) -> None:
        room = self.rooms.get(code)
        if room is None:
            return
        seq = envelope.seq
        if seq:
            if room.seq and seq > room.seq + 1:
                log.warning("room %s: events %d..%d lost in transit; resyncing", code, room.seq + 1, seq - 1)
                self._resync_room(room)
            elif not room.seq:
                # First event since subscribing: sockets that attached before the
                # subscription was live may have missed something.
                for conn in room.conns.values():
                    if conn.syncing is None and conn.seq and seq > conn.seq + 1:
                        self.resync(conn)
            room.seq = max(room.seq, seq)
        if envelope.resync:
            self._resync_room(room)
        if envelope.frames:
            if room.progress is not None:  # the host sees the last count before the phase changes under it
                self._progress.flush_now(code)
            timed = self.on_fanout
            started = time.perf_counter() if timed is not None else 0.0
            wire = encode(envelope.frames)  # encoded once for every raw socket
            for conn in list(room.conns.values()):
                self._deliver_one(conn, envelope, wire)
            if timed is not None:
                timed(time.perf_counter() - started)
        elif envelope.personal:
            for pid in envelope.personal:
                for conn in room.players.get(pid, ()):
                    self._deliver_one(conn, envelope)
        if envelope.host:
            self._to_hosts(room, envelope.host)
        if envelope.progress is not None and room.hosts:
            room.progress = envelope.progress
            self._progress.offer(code)
        for pid in envelope.kick:
            for conn in list(room.players.get(pid, ())):
                conn.send(error("kicked", "the teacher removed you from this game"))
                conn.close(CLOSE_KICKED, "kicked")
        if envelope.replace is not None:
            pid, keep = envelope.replace
            for conn in list(room.players.get(pid, ())):
                if conn.id != keep:
                    conn.send(error("replaced", "this player continued on another connection"))
                    conn.close(CLOSE_REPLACED, "replaced")
        if envelope.lobby and room.hosts:
            room.lobby_dirty = True
            if room.lobby_task is None or room.lobby_task.done():
                room.lobby_task = self._spawn(self._flush_lobby(code))

    def _deliver_one(self, conn: Conn, envelope: Envelope, wire: bytes | None = None) -> None:
        """Send one event's frames to one socket, unless its snapshot already shows them.

        `wire` is `envelope.frames` already encoded; a raw socket gets it and its
        personal frames in one write.
        """
        if conn.syncing is not None:
            conn.syncing.append(envelope)
            return
        if envelope.seq:
            if envelope.seq <= conn.seq:
                return
            conn.seq = envelope.seq
        personal = envelope.personal.get(conn.player_id) if conn.player_id is not None and envelope.personal else None
        if conn.raw is not None:
            if wire is None:
                wire = encode(envelope.frames)
            if personal:
                wire += encode(personal)
            if wire:
                conn.push(wire)
            return
        if envelope.frames:
            conn.send_many(envelope.frames)
        if personal:
            conn.send_many(personal)

    def _resync_room(self, room: _Room) -> None:
        for conn in list(room.conns.values()):
            self.resync(conn)

    def _flush_progress(self, code: str) -> None:
        room = self.rooms.get(code)
        if room is None:
            return
        progress, room.progress = room.progress, None
        if progress is not None and room.hosts:
            self._to_hosts(room, [dumps(answers_payload(*progress))])

    async def _flush_lobby(self, code: str) -> None:
        while True:
            await asyncio.sleep(LOBBY_INTERVAL_S)
            room = self.rooms.get(code)
            if room is None or not room.lobby_dirty:
                return
            room.lobby_dirty = False
            try:
                frame = await self._lobby_frame(code)
            except Exception:
                log.exception("could not build the lobby of room %s", code)
                return
            room = self.rooms.get(code)
            if frame is None or room is None:
                return
            self._to_hosts(room, [frame])

    @staticmethod
    def _to_hosts(room: _Room, frames: list[str]) -> None:
        """Frames for every host socket of a room, encoded once (a lobby of 2,000 is 100 KiB)."""
        if room.hosts:
            wire = encode(frames)
            for conn in room.hosts:
                conn.send_many(frames, wire)

    # -- resync -----------------------------------------------------------------------

    def resync(self, conn: Conn) -> None:
        """Rebuild one socket's screen from the store (it may have missed events)."""
        if conn.syncing is not None or conn.closed:
            return
        conn.syncing = []
        self._spawn(self._do_resync(conn))

    async def _do_resync(self, conn: Conn) -> None:
        try:
            frames, seq = await self._resync(conn)
        except Exception as exc:
            log.warning("resync of socket %s failed (%s); asking it to reconnect", conn.id, exc)
            conn.syncing = None
            conn.send(dumps({"type": "reconnect", "reason": "resync failed"}))
            conn.close(CLOSE_RESTART, "resync failed")
            return
        self.synced(conn, frames, seq)

    async def resync_all(self) -> None:
        """After the bus lost events: every socket gets a fresh snapshot."""
        for room in list(self.rooms.values()):
            self._resync_room(room)

    def drain(self, reason: str = "server restarting") -> None:
        """Tell every client to reconnect (to another instance) and close."""
        frame = dumps({"type": "reconnect", "reason": reason})
        for room in list(self.rooms.values()):
            for conn in list(room.conns.values()):
                conn.send(frame)
                conn.close(CLOSE_RESTART, reason)

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        self._progress.close()
        for task in list(self._tasks):
            task.cancel()
        for room in list(self.rooms.values()):
            for conn in list(room.conns.values()):
                await self.remove(conn)
