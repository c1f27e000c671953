"""Fan-out over Redis pub/sub: one connection per process, one channel per room.

Stores publish `"<seq>|" + Envelope.encode()` on `quiz:{code}:events` in the same
atomic step as the change. This bus holds ONE pub/sub connection, subscribes a
room's channel while a local listener wants it, and a single reader task decodes
messages and calls the listeners in order.

The reader never dies silently (the weak spot of encode/broadcaster #144): any
error tears the connection down, it reconnects with capped, jittered backoff,
resubscribes every wanted channel, waits for Redis to confirm, and then calls
every `on_resync` callback, because events published meanwhile are gone. redis-py
may also reconnect a pub/sub connection by itself; a connect callback notices
that and takes the same path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from .base import Listener, ResyncCallback
from .envelope import Envelope

log = logging.getLogger("thaw.bus.redis")


def room_channel(prefix: str, code: str) -> str:
    """The room's events channel; it carries the room's hash tag like its keys."""
    return f"{prefix}:{{{code}}}:events"


def _code_of(channel: str) -> str:
    start = channel.find("{")
    end = channel.find("}", start)
    return channel[start + 1 : end]


class _Broken(Exception):
    """The pub/sub connection was lost (or silently replaced underneath us)."""


class RedisBus:
    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "quiz",
        backoff_min_s: float = 0.05,
        backoff_max_s: float = 5.0,
        health_interval_s: float = 5.0,
        start_timeout_s: float = 5.0,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._control = f"{prefix}:bus"  # keeps the connection subscribed with no room
        self._backoff_min = backoff_min_s
        self._backoff_max = backoff_max_s
        self._health = health_interval_s
        self._start_timeout = start_timeout_s
        self._pubsub: PubSub | None = None
        self._listeners: dict[str, list[Listener]] = {}
        self._resync: list[ResyncCallback] = []
        self._ops: asyncio.Queue[tuple[bool, str]] = asyncio.Queue()
        self._confirmed: set[str] = set()
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._live = asyncio.Event()
        self._closing = False
        self._broken = False
        self.connections = 0  # pub/sub connections made so far (for tests and logs)

    def channel(self, code: str) -> str:
        return room_channel(self._prefix, code)

    # -- the port -------------------------------------------------------------------

    async def start(self) -> None:
        """Start the reader; wait briefly for the first subscription, never fail."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="redis-bus-reader")
            self._task.add_done_callback(self._reader_ended)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._live.wait(), timeout=self._start_timeout)

    async def close(self) -> None:
        self._closing = True
        tasks = [t for t in (self._task, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        self._task = None
        self._listeners.clear()
        for waiters in self._waiters.values():
            for fut in waiters:
                fut.cancel()
        self._waiters.clear()

    async def ping(self) -> bool:
        return self._live.is_set() and self._task is not None and not self._task.done()

    def subscribe(self, code: str, listener: Listener) -> None:
        listeners = self._listeners.setdefault(code, [])
        listeners.append(listener)
        if len(listeners) == 1:
            self._ops.put_nowait((True, self.channel(code)))

    def unsubscribe(self, code: str, listener: Listener) -> None:
        listeners = self._listeners.get(code)
        if listeners and listener in listeners:
            listeners.remove(listener)
            if not listeners:
                del self._listeners[code]
                self._confirmed.discard(self.channel(code))
                self._ops.put_nowait((False, self.channel(code)))

    def on_resync(self, callback: ResyncCallback) -> None:
        self._resync.append(callback)

    async def wait_subscribed(self, code: str, timeout: float = 5.0) -> None:
        """Until Redis has confirmed the room's subscription (events from then on arrive).

        Not part of the Bus port: tests and callers that must not miss the first
        event use it; the hub instead resyncs a client on a seq gap."""
        channel = self.channel(code)
        if channel in self._confirmed:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(channel, []).append(fut)
        await asyncio.wait_for(fut, timeout)

    def pubsub_address(self) -> str | None:
        """`host:port` of our end of the pub/sub connection, as CLIENT LIST shows it."""
        conn = self._pubsub.connection if self._pubsub is not None else None
        writer = getattr(conn, "_writer", None)
        if writer is None:
            return None
        host, port = writer.get_extra_info("sockname")[:2]
        return f"{host}:{port}"

    # -- the reader -------------------------------------------------------------------

    async def _run(self) -> None:
        delay = self._backoff_min
        first = True
        while not self._closing:
            pubsub: PubSub | None = None
            commander: asyncio.Task[None] | None = None
            try:
                pubsub = self._client.pubsub()
                self._broken = False
                while not self._ops.empty():  # superseded: we subscribe to all wanted now
                    self._ops.get_nowait()
                wanted = [self.channel(code) for code in self._listeners]
                await pubsub.subscribe(self._control, *wanted)
                assert pubsub.connection is not None
                pubsub.connection.register_connect_callback(self._reconnected)
                self.connections += 1
                self._pubsub = pubsub
                commander = asyncio.create_task(self._command(pubsub), name="redis-bus-commands")
                await self._pump(pubsub, {self._control, *wanted}, resync=not first)
                first = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not self._closing:
                    log.warning("redis bus: pub/sub connection lost (%s: %s); reconnecting", type(exc).__name__, exc)
                if self._live.is_set():
                    first = False
            finally:
                self._pubsub = None
                self._live.clear()
                self._confirmed.clear()
                if commander is not None:
                    commander.cancel()
                    with contextlib.suppress(BaseException):
                        await commander
                if pubsub is not None:
                    if pubsub.connection is not None:
                        pubsub.connection.deregister_connect_callback(self._reconnected)
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()  # type: ignore[no-untyped-call]
            if self._closing:
                break
            await asyncio.sleep(delay * (0.5 + random.random() / 2))
            delay = min(delay * 2, self._backoff_max)
            if first is False and delay >= self._backoff_max:
                log.error("redis bus: still reconnecting; room events are not arriving")

    def _reader_ended(self, task: asyncio.Task[None]) -> None:
        """The reader only ends on close; anything else is loud (ping() turns False too)."""
        if self._closing or task.cancelled():
            return
        log.critical("redis bus: the reader stopped (%r); room events no longer arrive", task.exception())

    async def _reconnected(self, _connection: Any) -> None:
        """redis-py reconnected the pub/sub connection by itself: events were lost."""
        self._broken = True

    async def _command(self, pubsub: PubSub) -> None:
        """Send (un)subscribes in the order they were asked for, beside the reader."""
        try:
            while True:
                subscribe, channel = await self._ops.get()
                if subscribe:
                    await pubsub.subscribe(channel)
                else:
                    await pubsub.unsubscribe(channel)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("redis bus: (un)subscribe failed (%s); reconnecting", exc)
            self._broken = True

    async def _pump(self, pubsub: PubSub, pending: set[str], resync: bool) -> None:
        loop = asyncio.get_running_loop()
        last_heard = loop.time()
        ping_sent: float | None = None
        while not self._closing:
            message = await pubsub.get_message(timeout=1.0)
            if self._broken:
                raise _Broken("the pub/sub connection was replaced")
            now = loop.time()
            if message is None:
                if ping_sent is not None and now - ping_sent > self._health:
                    raise _Broken("no answer to PING")
                if ping_sent is None and now - last_heard > self._health:
                    await pubsub.ping()
                    ping_sent = now
                continue
            last_heard, ping_sent = now, None
            kind = message["type"]
            if kind == "message":
                self._dispatch(str(message["channel"]), message["data"])
            elif kind == "subscribe":
                channel = str(message["channel"])
                self._confirm(channel)
                if pending:
                    pending.discard(channel)
                    if not pending:
                        self._live.set()
                        if resync:
                            self._spawn(self._fire_resync())

    def _confirm(self, channel: str) -> None:
        if channel != self._control and _code_of(channel) not in self._listeners:
            return
        self._confirmed.add(channel)
        for fut in self._waiters.pop(channel, []):
            if not fut.done():
                fut.set_result(None)

    def _dispatch(self, channel: str, data: str | bytes) -> None:
        code = _code_of(channel)
        try:
            text = data.decode() if isinstance(data, bytes) else data
            seq, _, body = text.partition("|")
            envelope = Envelope.decode(body, int(seq))
        except (ValueError, TypeError, AttributeError, IndexError) as exc:
            log.error("redis bus: undecodable message on %s dropped (%s)", channel, exc)
            return
        for listener in tuple(self._listeners.get(code, ())):
            try:
                listener(code, envelope)
            except Exception:
                log.exception("redis bus: listener failed for room %s", code)

    async def _fire_resync(self) -> None:
        log.info("redis bus: subscriptions restored; resyncing clients")
        for callback in tuple(self._resync):
            try:
                await callback()
            except Exception:
                log.exception("redis bus: resync callback failed")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
