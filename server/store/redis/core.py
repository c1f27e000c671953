"""What every role of the Redis store shares: the client, the room scripts, the caches.

Key schema (docs/redis-keys.md): every key of a room carries its code as a hash
tag, `quiz:{123456}:...`, so a room lives in one Cluster slot and one Lua script
may touch all of its keys. Each state change is one atomic step that also bumps
the room's `seq` and PUBLISHes the event on `quiz:{code}:events` as
`"<seq>|" + Envelope.encode()`: nothing is published that was not kept.

The room's one clock is Redis `TIME`, read inside the scripts, so deadlines and
response times do not depend on which instance got the message.

What never changes of a room (`codec.Static`) is cached per process and checked
against the room's `uid` by every script, so a code reused by a later room
cannot be graded with a stale deck.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import urlparse

from redis import exceptions as redis_errors
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.commands.core import AsyncScript

from ...bus.redis import room_channel
from ...domain.errors import GameError
from ...domain.model import Player
from ..base import StoreUnavailable
from .codec import Static, static_from_json

log = logging.getLogger("thaw.store.redis")

UNAVAILABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError, ConnectionError, TimeoutError, OSError)
_SCRIPTS = ("create", "commit", "join", "rename", "answer", "presence", "publish", "view", "load", "progress")
_CACHE_SIZE = 4096


def make_pool(
    url: str,
    *,
    tls_insecure: bool = False,
    max_connections: int = 64,
    timeout: float = 10.0,
    socket_timeout: float = 5.0,
) -> BlockingConnectionPool:
    """A blocking pool: a burst waits (up to `timeout` s) for a free connection
    instead of failing. `tls_insecure` accepts the self-signed certificates some
    PaaS Redis offers over `rediss://`."""
    kwargs: dict[str, Any] = {
        "max_connections": max_connections,
        "timeout": timeout,
        "decode_responses": True,
        "socket_connect_timeout": 5,
        "socket_timeout": socket_timeout,  # a half-open connection fails a command instead of hanging it
        "socket_keepalive": True,
        "health_check_interval": 30,
        # Pooled connections left dead by an outage fail on first use: reconnect and
        # resend (connection errors only; a timeout may have run the command).
        "retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), 2, supported_errors=(redis_errors.ConnectionError,)),
    }
    if tls_insecure and urlparse(url).scheme == "rediss":
        kwargs["ssl_cert_reqs"] = "none"
        kwargs["ssl_check_hostname"] = False
    return BlockingConnectionPool.from_url(url, **kwargs)


failures = 0
"""Commands of this process that found Redis unreachable (`GET /metrics`)."""


@dataclass(slots=True)
class Snapshot:
    """What this process last loaded of a room: commit writes only the players that changed."""

    version: int
    players: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    parsed: dict[str, tuple[str, Player]] = field(default_factory=dict)  # stored JSON -> parsed, never handed out
    kicked: set[str] = field(default_factory=set)
    answers_seen: int = -1
    pv: str = ""  # the players version these players and nicknames are ('' = unknown)
    nicks: dict[str, str] = field(default_factory=dict)
    cv: str = ""  # the connections version of `conns` ('' = unknown)
    conns: dict[str, str] = field(default_factory=dict)


class Core:
    """The client, keys, scripts and per-process caches of one Redis store."""

    def __init__(self, client: Redis, *, prefix: str, room_ttl_ms: int, results_ttl_ms: int) -> None:
        self.r = client
        self.prefix = prefix
        self.room_ttl_ms = room_ttl_ms
        self.results_ttl_ms = results_ttl_ms
        self.failures = 0
        """Commands that found Redis unreachable (`GET /metrics`)."""
        self.statics: OrderedDict[str, Static] = OrderedDict()
        self.snapshots: OrderedDict[str, Snapshot] = OrderedDict()
        common = lua("common")
        self.scripts: dict[str, AsyncScript] = {
            name: client.register_script(common + "\n" + lua(name)) for name in _SCRIPTS
        }
        self.timer = client.register_script(lua("timer"))

    @contextmanager
    def unavailable(self) -> Iterator[None]:
        """Turn a lost connection into StoreUnavailable: the caller says "try again"."""
        try:
            yield
        except GameError:
            raise
        except UNAVAILABLE as exc:
            self.failures += 1
            raise StoreUnavailable(f"redis unavailable: {exc}") from exc

    # -- keys ---------------------------------------------------------------------

    def base(self, code: str) -> str:
        return f"{self.prefix}:{{{code}}}"

    def keys(self, code: str, count: int) -> list[str]:
        b = self.base(code)
        keys = [f"{b}:meta", f"{b}:players", f"{b}:nicks", f"{b}:tokens", f"{b}:conns", f"{b}:personal"]
        return keys + [f"{b}:answers:{i}" for i in range(count)]

    @property
    def deadlines_key(self) -> str:
        """The one global key: open questions of all rooms, scored by deadline."""
        return f"{self.prefix}:deadlines"

    def channel(self, code: str) -> str:
        return room_channel(self.prefix, code)

    # -- the per-process cache of what never changes ------------------------------------

    def remember(self, static: Static) -> None:
        _keep(self.statics, static.code, static)

    def remember_snapshot(self, code: str, snapshot: Snapshot) -> None:
        _keep(self.snapshots, code, snapshot)

    def forget(self, code: str) -> None:
        self.statics.pop(code, None)
        self.snapshots.pop(code, None)

    async def static(self, code: str) -> Static | None:
        static = self.statics.get(code)
        if static is not None:
            return static
        with self.unavailable():
            raw = await self.r.hget(f"{self.base(code)}:meta", "static")
        if raw is None:
            return None
        static = static_from_json(str(raw))
        self.remember(static)
        return static

    async def run(
        self,
        name: str,
        code: str,
        args: Sequence[str | int] | Callable[[Static], Sequence[str | int]],
    ) -> list[Any] | None:
        """Run a room script with the common arguments; None if the room is gone.

        `args` may be built from the room's static parts (the answer's grading).
        A 'stale' reply means the cached uid belongs to an earlier room with this
        code: forget it, rebuild the arguments and try once more."""
        for _ in range(2):
            static = await self.static(code)
            if static is None:
                return None
            keys = self.keys(code, static.count)
            common: list[str | int] = [static.uid, self.room_ttl_ms, self.results_ttl_ms, self.channel(code)]
            specific = args(static) if callable(args) else args
            with self.unavailable():
                result: list[Any] = await self.scripts[name](keys=keys, args=[*common, *specific])
            if result[0] == 0 and result[1] == "stale":
                self.forget(code)
                continue
            if result[0] == 0 and result[1] == "room_not_found":
                self.forget(code)
                return None
            return result
        return None


def _keep(cache: OrderedDict[str, Any], code: str, value: Any) -> None:
    """Put `value` first in a per-process cache of rooms, dropping the least recently kept past its size."""
    cache[code] = value
    cache.move_to_end(code)
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)


def raise_refusal(result: list[Any], **details: object) -> None:
    """A script's refusal `{0, key, name, value, ...}` as the rules word it: the script
    names the details only Redis knows, the caller gives those Python knows."""
    if result[0] != 1:
        found = dict(zip(map(str, result[2::2]), result[3::2], strict=True))
        raise GameError.of(str(result[1]), **{**details, **found})


def lua(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.lua").read_text(encoding="utf-8")
