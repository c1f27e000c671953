"""The shared store: every room in Redis, any number of processes.

Key schema (docs/redis-keys.md): every key of a room carries its code as a hash
tag, `quiz:{123456}:...`, so a room lives in one Cluster slot and one Lua script
may touch all of its keys. Each state change is one atomic step that also bumps
the room's `seq` and PUBLISHes the event on `quiz:{code}:events` as
`"<seq>|" + Envelope.encode()`: nothing is published that was not kept.

The room's one clock is Redis `TIME`, read inside the scripts, so deadlines and
response times do not depend on which instance got the message.

A room's deck, layouts, option ids, options and host token never change after creation; each
process caches them per code (checked against the room's `uid` by every script,
so a code reused by a later room cannot be graded with a stale deck).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, cast
from urllib.parse import urlparse

from redis import exceptions as redis_errors
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.commands.core import AsyncScript

from ..bus.envelope import Envelope, dumps
from ..bus.redis import room_channel
from ..domain import grading, nicknames
from ..domain.errors import GameError
from ..domain.game import MAX_REROLLS
from ..domain.model import Answer, Deck, Kind, Phase, Player, Question, Result, Room, RoomOptions
from .base import AnswerOutcome, StoreUnavailable, View

log = logging.getLogger("thaw.store.redis")

_UNAVAILABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError, ConnectionError, TimeoutError, OSError)
_SCRIPTS = ("create", "commit", "join", "rename", "answer", "presence", "publish", "view", "load", "progress")
PROGRESS_PUBLISH_MS = 100  # a room's answer count is published at most this often (the hub coalesces further)
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


@contextmanager
def unavailable() -> Iterator[None]:
    """Turn a lost connection into StoreUnavailable: the caller says "try again"."""
    global failures
    try:
        yield
    except GameError:
        raise
    except _UNAVAILABLE as exc:
        failures += 1
        raise StoreUnavailable(f"redis unavailable: {exc}") from exc


# -- (de)serialisation of what never changes --------------------------------------


@dataclass(frozen=True, slots=True)
class _Static:
    """The parts of a room fixed at creation, cached per process."""

    uid: str
    code: str
    deck: Deck
    layouts: tuple[tuple[int, ...] | None, ...]
    ids: tuple[tuple[int, ...] | None, ...]
    options: RoomOptions
    host_token_hash: str
    created_at: int
    report_key_hash: str = ""

    @property
    def count(self) -> int:
        return len(self.deck.questions)


def _question_to_dict(q: Question) -> dict[str, Any]:
    return {
        "kind": q.kind.value,
        "prompt": q.prompt,
        "options": list(q.options),
        "correct": sorted(q.correct),
        "value": q.value,
        "tolerance": q.tolerance,
        "min": q.min,
        "max": q.max,
        "step": q.step,
        "accepted": list(q.accepted),
        "time_limit_ms": q.time_limit_ms,
        "points": q.points,
        "explanation": q.explanation,
        "sources": list(q.sources),
        "image": q.image,
        "image_on_phones": q.image_on_phones,
        "line": q.line,
        "fold": q.fold,
    }


def _question_from_dict(d: dict[str, Any]) -> Question:
    return Question(
        kind=Kind(d["kind"]),
        prompt=d["prompt"],
        options=tuple(d["options"]),
        correct=frozenset(d["correct"]),
        value=d["value"],
        tolerance=d["tolerance"],
        min=d["min"],
        max=d["max"],
        step=d["step"],
        accepted=tuple(d["accepted"]),
        time_limit_ms=d["time_limit_ms"],
        points=d["points"],
        explanation=d["explanation"],
        sources=tuple(d["sources"]),
        image=d["image"],
        image_on_phones=bool(d.get("image_on_phones", False)),  # rooms stored before the field
        line=d["line"],
        fold=d.get("fold", ""),  # rooms stored before decks had a language
    )


def _static_to_json(s: _Static) -> str:
    deck = s.deck
    return dumps(
        {
            "uid": s.uid,
            "code": s.code,
            "deck": {
                "id": deck.id,
                "title": deck.title,
                "description": deck.description,
                "path": deck.path,
                "notes": deck.notes,
                "lang": deck.lang,
                "questions": [_question_to_dict(q) for q in deck.questions],
            },
            "layouts": [None if lay is None else list(lay) for lay in s.layouts],
            "ids": [None if ids is None else list(ids) for ids in s.ids],
            "options": s.options.to_dict(),
            "host_token_hash": s.host_token_hash,
            "report_key_hash": s.report_key_hash,
            "created_at": s.created_at,
        }
    )


def _static_from_json(text: str) -> _Static:
    d = json.loads(text)
    deck = d["deck"]
    return _Static(
        uid=d["uid"],
        code=d["code"],
        deck=Deck(
            id=deck["id"],
            title=deck["title"],
            questions=tuple(_question_from_dict(q) for q in deck["questions"]),
            description=deck["description"],
            path=deck["path"],
            notes=deck["notes"],
            lang=deck.get("lang", ""),
        ),
        layouts=tuple(None if lay is None else tuple(lay) for lay in d["layouts"]),
        ids=tuple(None if ids is None else tuple(ids) for ids in d.get("ids", ())),  # none in older rooms
        options=RoomOptions(**d["options"]),
        host_token_hash=d["host_token_hash"],
        report_key_hash=d.get("report_key_hash", ""),
        created_at=int(d["created_at"]),
    )


def _player_json(player: Player) -> str:
    return dumps(player.to_dict())


def _player_from_json(text: str, connected: bool, before: Player | None = None) -> Player:
    """Parse a stored player; `before`, this player as parsed earlier, lends its results.

    A player's results are only ever appended (one per reveal) and are frozen, so the
    ones parsed before are kept when the last of them is unchanged: after a reveal,
    parsing 2,000 players' whole histories again was most of the next transition."""
    d = json.loads(text)
    raw = d.get("results")
    if not isinstance(raw, list):  # Lua's cjson writes an empty list as {}
        raw = []
    d["results"] = []
    player = Player.from_dict(d)
    kept = before.results if before is not None else []
    n = len(kept)
    if n and len(raw) >= n and raw[n - 1] == kept[-1].to_dict():
        player.results = kept + [Result.from_dict(r) for r in raw[n:]]
    else:
        player.results = [Result.from_dict(r) for r in raw]
    player.connected = connected and not player.kicked
    return player


def _pairs(flat: list[str]) -> dict[str, str]:
    """A hash as a script returns it (a flat list of fields and values) as a dict."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _answer_from_json(text: str) -> Answer:
    return Answer.from_dict(json.loads(text))


def _fingerprint(player: Player) -> tuple[Any, ...]:
    """Equal exactly when the player's stored JSON would be: cheaper than serialising.

    Results are frozen and only ever appended, so the tuple of them compares by
    identity first; `connected` is not stored in the player's JSON.
    """
    p = player
    return (p.nickname, p.token_hash, p.joined, p.first_index, p.score, p.streak, p.correct_count, p.kicked,
            p.rerolls, tuple(p.results))


@dataclass(slots=True)
class _Snapshot:
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


class RedisStore:
    """RoomStore on Redis; see the module docstring and docs/redis-keys.md."""

    kind = "redis"
    immediate = False

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "quiz",
        room_ttl_ms: int = 6 * 3600_000,
        results_ttl_ms: int = 24 * 3600_000,
        owns_client: bool = True,
    ) -> None:
        self.r = client
        self.prefix = prefix
        self.room_ttl_ms = room_ttl_ms
        self.results_ttl_ms = results_ttl_ms
        self._owns_client = owns_client
        self._static_cache: OrderedDict[str, _Static] = OrderedDict()
        self._snapshots: OrderedDict[str, _Snapshot] = OrderedDict()
        common = _lua("common")
        self._scripts: dict[str, AsyncScript] = {
            name: client.register_script(common + "\n" + _lua(name)) for name in _SCRIPTS
        }
        self._timer = client.register_script(_lua("timer"))
        self._held: dict[str, asyncio.TimerHandle] = {}  # rooms with an answer count to publish later
        self._tasks: set[asyncio.Task[None]] = set()

    # -- keys ---------------------------------------------------------------------

    def _base(self, code: str) -> str:
        return f"{self.prefix}:{{{code}}}"

    def _keys(self, code: str, count: int) -> list[str]:
        b = self._base(code)
        keys = [f"{b}:meta", f"{b}:players", f"{b}:nicks", f"{b}:tokens", f"{b}:conns", f"{b}:personal"]
        return keys + [f"{b}:answers:{i}" for i in range(count)]

    @property
    def deadlines_key(self) -> str:
        """The one global key: open questions of all rooms, scored by deadline."""
        return f"{self.prefix}:deadlines"

    def room_keys(self, code: str, count: int) -> list[str]:
        """Every key of a room (for tests and docs), the timer lease included."""
        return [*self._keys(code, count), f"{self._base(code)}:timer"]

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Load the scripts now if Redis answers; otherwise they load on first use."""
        try:
            for script in (*self._scripts.values(), self._timer):
                await self.r.script_load(script.script)
        except _UNAVAILABLE as exc:
            log.warning("redis not reachable at start (%s); will retry on use", exc)

    async def close(self) -> None:
        for handle in self._held.values():
            handle.cancel()
        self._held.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._owns_client:
            await self.r.aclose()
            await self.r.connection_pool.disconnect()

    async def ping(self) -> bool:
        try:
            return bool(await asyncio.wait_for(self.r.ping(), timeout=2.0))
        except Exception:
            return False

    async def now(self) -> int:
        with unavailable():
            seconds, micros = await self.r.time()
        return int(seconds) * 1000 + int(micros) // 1000

    # -- the per-process cache of what never changes ------------------------------------

    def _remember(self, static: _Static) -> None:
        self._static_cache[static.code] = static
        self._static_cache.move_to_end(static.code)
        while len(self._static_cache) > _CACHE_SIZE:
            self._static_cache.popitem(last=False)

    def _forget(self, code: str) -> None:
        self._static_cache.pop(code, None)
        self._snapshots.pop(code, None)

    async def _static(self, code: str) -> _Static | None:
        static = self._static_cache.get(code)
        if static is not None:
            return static
        with unavailable():
            raw = await self.r.hget(f"{self._base(code)}:meta", "static")
        if raw is None:
            return None
        static = _static_from_json(str(raw))
        self._remember(static)
        return static

    async def _run(
        self,
        name: str,
        code: str,
        args: Sequence[str | int] | Callable[[_Static], Sequence[str | int]],
    ) -> list[Any] | None:
        """Run a room script with the common arguments; None if the room is gone.

        `args` may be built from the room's static parts (the answer's grading).
        A 'stale' reply means the cached uid belongs to an earlier room with this
        code: forget it, rebuild the arguments and try once more."""
        for _ in range(2):
            static = await self._static(code)
            if static is None:
                return None
            keys = self._keys(code, static.count)
            channel = room_channel(self.prefix, code)
            common: list[str | int] = [static.uid, self.room_ttl_ms, self.results_ttl_ms, channel]
            specific = args(static) if callable(args) else args
            with unavailable():
                result: list[Any] = await self._scripts[name](keys=keys, args=[*common, *specific])
            if result[0] == 0 and result[1] == "stale":
                self._forget(code)
                continue
            if result[0] == 0 and result[1] == "room_not_found":
                self._forget(code)
                return None
            return result
        return None

    # -- rooms ----------------------------------------------------------------------

    async def create(self, room: Room) -> bool:
        static = _Static(
            uid=secrets.token_hex(8),
            code=room.code,
            deck=room.deck,
            layouts=room.layouts,
            ids=room.ids,
            options=room.options,
            host_token_hash=room.host_token_hash,
            report_key_hash=room.report_key_hash,
            created_at=room.created_at,
        )
        meta = {
            "uid": static.uid,
            "static": _static_to_json(static),
            "phase": room.phase.value,
            "index": str(room.index),
            "opened_at": str(room.opened_at),
            "deadline": str(room.deadline),
            "paused_at": _paused_text(room.paused_at),
            "added": str(room.added_ms),
            "locked": "1" if room.locked else "0",
            "version": str(room.version),
            "next_join": str(room.next_join),
            "seq": "0",
            "kicked_count": str(sum(1 for p in room.players.values() if p.kicked)),
            "max_players": str(room.options.max_players),
            "screen": "[]",
        }
        players = {pid: _player_json(p) for pid, p in room.players.items()}
        tokens = {p.token_hash: pid for pid, p in room.players.items()}
        keys = self._keys(room.code, static.count)
        common: list[str | int] = ["", self.room_ttl_ms, self.results_ttl_ms, room_channel(self.prefix, room.code)]
        args: list[str | int] = [dumps(meta), dumps(players), dumps(room.nick_index), dumps(tokens)]
        with unavailable():
            created = await self._scripts["create"](keys=keys, args=common + args)
        if not created:
            return False
        self._snapshots.pop(room.code, None)
        self._remember(static)
        return True

    async def exists(self, code: str) -> bool:
        with unavailable():
            return bool(await self.r.exists(f"{self._base(code)}:meta"))

    async def put_media(self, code: str, media: dict[str, bytes]) -> None:
        """Images in `quiz:{code}:media` (base64: the client decodes replies as text).

        The key outlives the room's TTL at creation (room TTL + results TTL) and
        each read stretches it to the room's remaining life, so a room keeps its
        images while it lives without every script having to touch them."""
        if not media:
            return
        key = f"{self._base(code)}:media"
        encoded = {name: base64.b64encode(data).decode("ascii") for name, data in media.items()}
        with unavailable():
            async with self.r.pipeline(transaction=True) as pipe:
                pipe.delete(key)
                pipe.hset(key, mapping=cast(Any, encoded))
                pipe.pexpire(key, self.room_ttl_ms + self.results_ttl_ms)
                await pipe.execute()

    async def get_media(self, code: str, name: str) -> bytes | None:
        base = self._base(code)
        with unavailable():
            async with self.r.pipeline(transaction=False) as pipe:
                pipe.hget(f"{base}:media", name)
                pipe.pttl(f"{base}:meta")
                pipe.pttl(f"{base}:media")
                value, room_ttl, media_ttl = await pipe.execute()
            if value is None or int(room_ttl) <= 0:
                return None
            if int(media_ttl) < int(room_ttl):
                await self.r.pexpire(f"{base}:media", int(room_ttl))
        return base64.b64decode(value)

    async def load(self, code: str, history: bool = True) -> tuple[Room, int] | None:
        if not history:
            return await self._load_current(code)
        for _ in range(2):
            static = await self._static(code)
            if static is None:
                return None
            keys = self._keys(code, static.count)
            with unavailable():
                async with self.r.pipeline(transaction=True) as pipe:
                    for key in keys[:5]:  # meta, players, nicks, tokens, conns
                        pipe.hgetall(key)
                    for key in keys[6:]:
                        pipe.hgetall(key)
                    pipe.time()
                    res = await pipe.execute()
            meta, players_raw, nicks, _tokens, conns = res[:5]
            if not meta:
                self._forget(code)
                return None
            if meta.get("uid") != static.uid:
                self._forget(code)
                continue
            seconds, micros = res[-1]
            now = int(seconds) * 1000 + int(micros) // 1000
            answers = {
                i: {pid: _answer_from_json(raw) for pid, raw in res[5 + i].items()}
                for i in range(static.count)
                if res[5 + i] or (meta["phase"] == Phase.QUESTION.value and i == int(meta["index"]))
            }
            return self._loaded(code, static, meta, players_raw, nicks, conns, answers), now
        return None

    async def _load_current(self, code: str) -> tuple[Room, int] | None:
        """One script: what transitions need, the current question's answers only.

        Players and nicknames come only when they changed since this process last
        saw them (the players version `pv`), and connections likewise (`cv`): a
        `next` in a room of 2,000 moved half a megabyte of unchanged players before."""
        held = self._snapshots.get(code)
        known: list[str | int] = [held.pv, len(held.parsed)] if held is not None and held.pv else ["", 0]
        known += [held.cv, len(held.conns)] if held is not None and held.cv else ["", 0]
        result = await self._run("load", code, known)
        if result is None:
            return None
        static = await self._static(code)
        if static is None:
            return None
        meta, players_raw, nicks, conns, current = (_pairs(part) for part in result[2:7])
        index = int(meta["index"])
        answers: dict[int, dict[str, Answer]] = {}
        if current or (meta["phase"] == Phase.QUESTION.value and index >= 0):
            answers[index] = {pid: _answer_from_json(raw) for pid, raw in current.items()}
        same = held if int(result[8]) == 1 and held is not None else None
        if int(result[9]) == 1 and held is not None:
            conns = held.conns
        return self._loaded(code, static, meta, players_raw, nicks, conns, answers, same), int(result[7])

    def _loaded(
        self,
        code: str,
        static: _Static,
        meta: dict[str, str],
        players_raw: dict[str, str],
        nicks: dict[str, str],
        conns: dict[str, str],
        answers: dict[int, dict[str, Answer]],
        same: _Snapshot | None = None,
    ) -> Room:
        """Build the room and remember what was read, for `commit` to write only changes.

        `same` is the snapshot whose players and nicknames Redis said are still
        current (they were not sent)."""
        players: dict[str, Player] = {}
        if same is not None:
            parsed = same.parsed
            for pid, (_raw, cached) in parsed.items():
                player = players[pid] = cached.copy()
                player.connected = pid in conns and not player.kicked
            nicks = same.nicks
            fingerprints = same.players
            kicked = same.kicked
        else:
            before = self._snapshots.get(code)
            known = before.parsed if before is not None else {}
            parsed = {}
            for pid, raw in players_raw.items():
                hit = known.get(pid)
                if hit is None or hit[0] != raw:  # parsing 2,000 players was most of a load
                    hit = (raw, _player_from_json(raw, False, hit[1] if hit is not None else None))
                parsed[pid] = hit
                player = players[pid] = hit[1].copy()
                player.connected = pid in conns and not player.kicked
            fingerprints = {pid: _fingerprint(p) for pid, p in players.items()}
            kicked = {pid for pid, p in players.items() if p.kicked}
        room = self._room(static, meta, players, answers)
        room.nick_index = dict(nicks)
        self._snapshots[code] = _Snapshot(
            version=room.version,
            players=fingerprints,
            parsed=parsed,
            kicked=kicked,
            answers_seen=len(answers.get(room.index, {})) if room.phase is Phase.QUESTION else -1,
            pv=meta.get("pv", ""),
            nicks=nicks,
            cv=meta.get("cv", ""),
            conns=conns,
        )
        self._snapshots.move_to_end(code)
        while len(self._snapshots) > _CACHE_SIZE:
            self._snapshots.popitem(last=False)
        return room

    @staticmethod
    def _room(
        static: _Static,
        meta: dict[str, str],
        players: dict[str, Player],
        answers: dict[int, dict[str, Answer]],
    ) -> Room:
        return Room(
            code=static.code,
            deck=static.deck,
            host_token_hash=static.host_token_hash,
            report_key_hash=static.report_key_hash,
            options=static.options,
            layouts=static.layouts,
            ids=static.ids,
            created_at=static.created_at,
            phase=Phase(meta["phase"]),
            index=int(meta["index"]),
            opened_at=int(meta["opened_at"]),
            deadline=int(meta["deadline"]),
            paused_at=int(meta["paused_at"]) if meta.get("paused_at") else None,
            added_ms=int(meta.get("added") or 0),
            locked=meta["locked"] == "1",
            version=int(meta["version"]),
            next_join=int(meta["next_join"]),
            players=players,
            answers=answers,
        )

    async def commit(self, room: Room, expected_version: int, envelope: Envelope, screen: list[str] | None) -> bool:
        code = room.code
        before = self._snapshots.get(code)  # its parsed players stay valid whatever the version
        snapshot = before if before is not None and before.version == expected_version else None
        changed: dict[str, str] = {}
        fingerprints: dict[str, tuple[Any, ...]] = {}
        for pid, player in room.players.items():
            mark = fingerprints[pid] = _fingerprint(player)
            if snapshot is None or snapshot.players.get(pid) != mark:
                changed[pid] = _player_json(player)
        kicked = [
            [pid, nicknames.fold(p.nickname)]
            for pid, p in room.players.items()
            if p.kicked and (snapshot is None or pid not in snapshot.kicked)
        ]
        seen = snapshot.answers_seen if snapshot is not None else len(room.answers.get(room.index, {}))
        personal = {pid: dumps(frames) for pid, frames in envelope.personal.items()} if screen is not None else {}
        args = [
            str(expected_version),
            room.phase.value,
            str(room.index),
            str(room.opened_at),
            str(room.deadline),
            "1" if room.locked else "0",
            str(sum(1 for p in room.players.values() if p.kicked)),
            dumps(screen) if screen is not None else "",
            dumps(personal),
            envelope.encode(),
            str(seen),
            dumps(changed),
            dumps(kicked),
            _paused_text(room.paused_at),
            str(room.added_ms),
        ]
        member = f"{code}|{room.index}"
        if room.phase is Phase.QUESTION:
            # Announced before the commit: a dead process leaves at worst a stale
            # entry (open_deadlines drops it), never an open question without one.
            with unavailable():
                await self.r.zadd(self.deadlines_key, {member: room.deadline})
        result = await self._run("commit", code, args)
        if result is None or result[0] != 1:
            return False
        room.version = expected_version + 1
        envelope.seq = int(result[2])
        parsed = dict(before.parsed) if before is not None else {}
        for pid, text in changed.items():  # stored as written: the next load need not parse them
            parsed[pid] = (text, room.players[pid].copy())
        # The connections as loaded stay valid (whoever came or went since bumped
        # `cv`), and so do the players: Redis holds what we loaded plus what we
        # wrote, unless someone else changed players in between.
        loaded = snapshot if not kicked else None
        players_held = loaded if loaded is not None and loaded.pv and str(result[3]) == loaded.pv else None
        self._snapshots[code] = _Snapshot(
            version=room.version,
            players=fingerprints,
            parsed=parsed,
            kicked={pid for pid, p in room.players.items() if p.kicked},
            answers_seen=len(room.answers.get(room.index, {})) if room.phase is Phase.QUESTION else -1,
            pv=str(result[4]) if players_held is not None else "",
            nicks=players_held.nicks if players_held is not None else {},
            cv=loaded.cv if loaded is not None else "",
            conns=loaded.conns if loaded is not None else {},
        )
        if room.phase is not Phase.QUESTION:
            try:
                await self.r.zrem(self.deadlines_key, member)
            except _UNAVAILABLE as exc:  # the commit stands; open_deadlines drops the stale entry
                log.warning("room %s: could not unlist question %d (%s)", code, room.index, exc)
        return True

    # -- players --------------------------------------------------------------------

    async def join(self, code: str, player: Player, folded: str) -> None:
        args = [player.id, _player_json(player), folded, player.token_hash]
        result = await self._run("join", code, args)
        if result is None:
            raise GameError.of("room_not_found", room=code)
        _raise_refusal(result, nickname=player.nickname)
        player.joined, player.first_index = int(result[2]), int(result[3])

    async def rename(self, code: str, player_id: str, nickname: str, folded: str) -> None:
        result = await self._run("rename", code, [player_id, nickname, folded, MAX_REROLLS])
        if result is None:
            raise GameError.of("room_not_found", room=code)
        _raise_refusal(result, nickname=nickname, max=MAX_REROLLS)

    async def answer(self, code: str, player_id: str, index: int, value: Any) -> AnswerOutcome:
        if not isinstance(index, int) or isinstance(index, bool):
            raise GameError.of("bad_message.index")
        invalid: list[GameError] = []
        shown: list[Any] = [None]

        def graded(static: _Static) -> list[str | int]:
            """Validate and grade in Python (the deck never changes); with an invalid
            value the script only checks, so that errors come in the order of
            game.check_answer (phase and question before shape)."""
            invalid.clear()
            canonical: Any = None
            correct: bool | None = None
            time_limit = 0
            if 0 <= index < static.count:
                question = static.deck.questions[index]
                layout = static.layouts[index]
                time_limit = question.time_limit_ms
                try:
                    ids = static.ids[index] if index < len(static.ids) else None
                    canonical = grading.validate(question, layout, value, ids)
                    correct = grading.grade(question, layout, canonical)
                    shown[0] = grading.wire_value(question, ids, canonical)
                except GameError as exc:
                    invalid.append(exc)
            else:
                invalid.append(GameError.of("invalid_answer.question"))
            correct_json = "null" if correct is None else ("true" if correct else "false")
            return [player_id, index, dumps(canonical), correct_json, time_limit, "1" if invalid else "0",
                    PROGRESS_PUBLISH_MS]

        result = await self._run("answer", code, graded)
        if result is None:
            raise GameError.of("room_not_found", room=code)
        _raise_refusal(result, index=index)
        if invalid:
            raise invalid[0]
        if result[4] and code not in self._held:  # the count was held back
            self._held[code] = asyncio.get_running_loop().call_later(
                PROGRESS_PUBLISH_MS / 1000, self._publish_held, code
            )
        return AnswerOutcome(answered=int(result[2]), all_answered=bool(result[3]), value=shown[0])

    def _publish_held(self, code: str) -> None:
        """An answer count was held back (at most one PUBLISH per interval): publish it now."""
        self._held.pop(code, None)
        task = asyncio.ensure_future(self._progress(code))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _progress(self, code: str) -> None:
        try:
            await self._run("progress", code, [])
        except Exception as exc:  # the next answer or the reveal shows the count anyway
            log.warning("room %s: could not publish the answer count (%s)", code, exc)

    async def player_by_token(self, code: str, token_hash: str) -> Player | None:
        base = self._base(code)
        with unavailable():
            pid = await self.r.hget(f"{base}:tokens", token_hash)
            if pid is None:
                return None
            async with self.r.pipeline(transaction=True) as pipe:
                pipe.hget(f"{base}:players", pid)
                pipe.hexists(f"{base}:conns", pid)
                raw, connected = await pipe.execute()
        return None if raw is None else _player_from_json(raw, bool(connected))

    async def set_presence(self, code: str, player_id: str, conn_id: str, connected: bool) -> bool:
        result = await self._run("presence", code, [player_id, conn_id, "1" if connected else "0"])
        if result is None or result[0] != 1:
            return False
        return bool(result[2])

    async def view(self, code: str, player_id: str | None) -> View | None:
        result = await self._run("view", code, [player_id or ""])
        if result is None or result[0] != 1:
            return None
        static = await self._static(code)
        if static is None:
            return None
        phase, index, opened_at, deadline, locked, version, next_join, seq, screen, paused_at, added = result[2:13]
        player_raw, conn, answer_raw, personal_raw, now = result[13:18]
        meta = {
            "phase": phase,
            "index": index,
            "opened_at": opened_at,
            "deadline": deadline,
            "paused_at": paused_at,
            "added": added,
            "locked": locked,
            "version": version,
            "next_join": next_join,
        }
        player = _player_from_json(player_raw, bool(conn)) if player_raw else None
        answer = _answer_from_json(answer_raw) if answer_raw and player is not None else None
        players = {player.id: player} if player is not None else {}
        answers = {int(index): {player_id: answer}} if answer is not None and player_id is not None else {}
        room = self._room(static, meta, players, answers)
        personal: list[str] = json.loads(personal_raw) if personal_raw else []
        return View(
            room=room,
            now=int(now),
            screen=json.loads(screen) if screen else [],
            personal=personal,
            player=player,
            answer=answer,
            seq=int(seq or 0),
        )

    async def publish(self, code: str, envelope: Envelope) -> None:
        result = await self._run("publish", code, [envelope.encode()])
        if result is not None and result[0] == 1:
            envelope.seq = int(result[2])

    async def info(self, code: str) -> dict[str, Any] | None:
        static = await self._static(code)
        if static is None:
            return None
        base = self._base(code)
        with unavailable():
            async with self.r.pipeline(transaction=True) as pipe:
                pipe.hmget(f"{base}:meta", ["uid", "phase", "locked", "kicked_count"])
                pipe.hlen(f"{base}:players")
                (uid, phase, locked, kicked), players = await pipe.execute()
        if uid is None:
            self._forget(code)
            return None
        if uid != static.uid:
            self._forget(code)
            return await self.info(code)
        return {
            "code": code,
            "phase": phase,
            "players": int(players) - int(kicked or 0),
            "deck": static.deck.id,
            "title": static.deck.title,
            "locked": locked == "1",
            "generated_nicknames": static.options.generated_nicknames,
        }

    # -- timers -----------------------------------------------------------------------

    async def open_deadlines(self) -> list[tuple[str, int, int]]:
        """Open questions from the global index, checked against each room (stale
        entries, of rooms that moved on or expired, are dropped)."""
        with unavailable():
            entries = cast(
                "list[tuple[str, float]]", await self.r.zrange(self.deadlines_key, 0, -1, withscores=True)
            )
            if not entries:
                return []
            async with self.r.pipeline(transaction=False) as pipe:
                parsed: list[tuple[str, str, int, int]] = []
                for member, score in entries:
                    room_code, _, position = str(member).partition("|")
                    parsed.append((str(member), room_code, int(position), int(score)))
                    pipe.hmget(f"{self._base(room_code)}:meta", ["phase", "index", "deadline", "paused_at"])
                states = await pipe.execute()
            out: list[tuple[str, int, int]] = []
            stale: list[str] = []
            for (member, room_code, index, _score), state in zip(parsed, states, strict=True):
                phase, current, deadline, paused_at = cast("list[str | None]", state)
                if phase == Phase.QUESTION.value and current is not None and int(current) == index:
                    if not paused_at:  # a paused clock has no deadline to keep; resume lists it again
                        out.append((room_code, index, int(deadline or 0)))
                else:
                    stale.append(member)
            if stale:
                await self.r.zrem(self.deadlines_key, *stale)
        return out

    async def claim_timer(self, code: str, owner: str, ttl_ms: int) -> bool:
        base = self._base(code)
        with unavailable():
            return bool(await self._timer(keys=[f"{base}:meta", f"{base}:timer"], args=[owner, ttl_ms]))


def _paused_text(paused_at: int | None) -> str:
    """`Room.paused_at` as stored in the room's meta: '' while the clock runs."""
    return "" if paused_at is None else str(paused_at)


def _raise_refusal(result: list[Any], **details: object) -> None:
    """A script's refusal `{0, key, name, value, ...}` as the rules word it: the script
    names the details only Redis knows, the caller gives those Python knows."""
    if result[0] != 1:
        found = dict(zip(map(str, result[2::2]), result[3::2], strict=True))
        raise GameError.of(str(result[1]), **{**details, **found})


def _lua(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.lua").read_text(encoding="utf-8")
