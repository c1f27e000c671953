"""Rooms in Redis: load, compare-and-set commit, views, public facts.

A transition loads what it needs (`history=False`: the current question's answers,
and players only when they changed since this process last saw them), applies a
pure rule and commits only the players that changed (`Snapshot`).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from ...bus.envelope import Envelope, dumps
from ...domain import nicknames
from ...domain.model import Answer, Phase, Player, Room
from ..base import View
from .codec import (
    Static,
    answer_from_json,
    fingerprint,
    pairs,
    paused_text,
    player_from_json,
    player_json,
    static_to_json,
)
from .core import UNAVAILABLE, Core, Snapshot, log


class RedisRooms:
    def __init__(self, core: Core) -> None:
        self.c = core

    async def create(self, room: Room) -> bool:
        static = Static(
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
            "static": static_to_json(static),
            "phase": room.phase.value,
            "index": str(room.index),
            "opened_at": str(room.opened_at),
            "deadline": str(room.deadline),
            "paused_at": paused_text(room.paused_at),
            "added": str(room.added_ms),
            "locked": "1" if room.locked else "0",
            "version": str(room.version),
            "next_join": str(room.next_join),
            "seq": "0",
            "kicked_count": str(sum(1 for p in room.players.values() if p.kicked)),
            "max_players": str(room.options.max_players),
            "screen": "[]",
        }
        players = {pid: player_json(p) for pid, p in room.players.items()}
        tokens = {p.token_hash: pid for pid, p in room.players.items()}
        keys = self.c.keys(room.code, static.count)
        common: list[str | int] = ["", self.c.room_ttl_ms, self.c.results_ttl_ms, self.c.channel(room.code)]
        args: list[str | int] = [dumps(meta), dumps(players), dumps(room.nick_index), dumps(tokens)]
        with self.c.unavailable():
            created = await self.c.scripts["create"](keys=keys, args=common + args)
        if not created:
            return False
        self.c.snapshots.pop(room.code, None)
        self.c.remember(static)
        return True

    async def exists(self, code: str) -> bool:
        with self.c.unavailable():
            return bool(await self.c.r.exists(f"{self.c.base(code)}:meta"))

    async def load(self, code: str, history: bool = True) -> tuple[Room, int] | None:
        if not history:
            return await self._load_current(code)
        for _ in range(2):
            static = await self.c.static(code)
            if static is None:
                return None
            keys = self.c.keys(code, static.count)
            with self.c.unavailable():
                async with self.c.r.pipeline(transaction=True) as pipe:
                    for key in keys[:5]:  # meta, players, nicks, tokens, conns
                        pipe.hgetall(key)
                    for key in keys[6:]:
                        pipe.hgetall(key)
                    pipe.time()
                    res = await pipe.execute()
            meta, players_raw, nicks, _tokens, conns = res[:5]
            if not meta:
                self.c.forget(code)
                return None
            if meta.get("uid") != static.uid:
                self.c.forget(code)
                continue
            seconds, micros = res[-1]
            now = int(seconds) * 1000 + int(micros) // 1000
            answers = {
                i: {pid: answer_from_json(raw) for pid, raw in res[5 + i].items()}
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
        held = self.c.snapshots.get(code)
        known: list[str | int] = [held.pv, len(held.parsed)] if held is not None and held.pv else ["", 0]
        known += [held.cv, len(held.conns)] if held is not None and held.cv else ["", 0]
        result = await self.c.run("load", code, known)
        if result is None:
            return None
        static = await self.c.static(code)
        if static is None:
            return None
        meta, players_raw, nicks, conns, current = (pairs(part) for part in result[2:7])
        index = int(meta["index"])
        answers: dict[int, dict[str, Answer]] = {}
        if current or (meta["phase"] == Phase.QUESTION.value and index >= 0):
            answers[index] = {pid: answer_from_json(raw) for pid, raw in current.items()}
        same = held if int(result[8]) == 1 and held is not None else None
        if int(result[9]) == 1 and held is not None:
            conns = held.conns
        return self._loaded(code, static, meta, players_raw, nicks, conns, answers, same), int(result[7])

    def _loaded(
        self,
        code: str,
        static: Static,
        meta: dict[str, str],
        players_raw: dict[str, str],
        nicks: dict[str, str],
        conns: dict[str, str],
        answers: dict[int, dict[str, Answer]],
        same: Snapshot | None = None,
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
            before = self.c.snapshots.get(code)
            known = before.parsed if before is not None else {}
            parsed = {}
            for pid, raw in players_raw.items():
                hit = known.get(pid)
                if hit is None or hit[0] != raw:  # parsing 2,000 players was most of a load
                    hit = (raw, player_from_json(raw, False, hit[1] if hit is not None else None))
                parsed[pid] = hit
                player = players[pid] = hit[1].copy()
                player.connected = pid in conns and not player.kicked
            fingerprints = {pid: fingerprint(p) for pid, p in players.items()}
            kicked = {pid for pid, p in players.items() if p.kicked}
        room = self._room(static, meta, players, answers)
        room.nick_index = dict(nicks)
        self.c.remember_snapshot(
            code,
            Snapshot(
                version=room.version,
                players=fingerprints,
                parsed=parsed,
                kicked=kicked,
                answers_seen=len(answers.get(room.index, {})) if room.phase is Phase.QUESTION else -1,
                pv=meta.get("pv", ""),
                nicks=nicks,
                cv=meta.get("cv", ""),
                conns=conns,
            ),
        )
        return room

    @staticmethod
    def _room(
        static: Static,
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
        before = self.c.snapshots.get(code)  # its parsed players stay valid whatever the version
        snapshot = before if before is not None and before.version == expected_version else None
        changed: dict[str, str] = {}
        fingerprints: dict[str, tuple[Any, ...]] = {}
        for pid, player in room.players.items():
            mark = fingerprints[pid] = fingerprint(player)
            if snapshot is None or snapshot.players.get(pid) != mark:
                changed[pid] = player_json(player)
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
            paused_text(room.paused_at),
            str(room.added_ms),
        ]
        member = f"{code}|{room.index}"
        if room.phase is Phase.QUESTION:
            # Announced before the commit: a dead process leaves at worst a stale
            # entry (open_deadlines drops it), never an open question without one.
            with self.c.unavailable():
                await self.c.r.zadd(self.c.deadlines_key, {member: room.deadline})
        result = await self.c.run("commit", code, args)
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
        self.c.snapshots[code] = Snapshot(
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
                await self.c.r.zrem(self.c.deadlines_key, member)
            except UNAVAILABLE as exc:  # the commit stands; open_deadlines drops the stale entry
                log.warning("room %s: could not unlist question %d (%s)", code, room.index, exc)
        return True

    # -- players --------------------------------------------------------------------
    async def view(self, code: str, player_id: str | None) -> View | None:
        result = await self.c.run("view", code, [player_id or ""])
        if result is None or result[0] != 1:
            return None
        static = await self.c.static(code)
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
        player = player_from_json(player_raw, bool(conn)) if player_raw else None
        answer = answer_from_json(answer_raw) if answer_raw and player is not None else None
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
        result = await self.c.run("publish", code, [envelope.encode()])
        if result is not None and result[0] == 1:
            envelope.seq = int(result[2])

    async def info(self, code: str) -> dict[str, Any] | None:
        static = await self.c.static(code)
        if static is None:
            return None
        base = self.c.base(code)
        with self.c.unavailable():
            async with self.c.r.pipeline(transaction=True) as pipe:
                pipe.hmget(f"{base}:meta", ["uid", "phase", "locked", "kicked_count"])
                pipe.hlen(f"{base}:players")
                (uid, phase, locked, kicked), players = await pipe.execute()
        if uid is None:
            self.c.forget(code)
            return None
        if uid != static.uid:
            self.c.forget(code)
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
