"""The embedded store: rooms in a dict, events to the in-process bus.

Everything here runs on one event loop without awaiting in the middle of a
change, so each method is atomic by construction, and none ever waits: the
wiring may handle a socket's message inside its read callback
(`transport/inbox.py`). The rules are the pure ones from `domain.game`; the
Redis adapter keeps the same outcomes (tests/contract/test_store_equivalence.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..bus.envelope import Envelope
from ..bus.memory import MemoryBus
from ..domain import game, grading
from ..domain.errors import GameError
from ..domain.model import Phase, Player, Room
from .base import AnswerOutcome, View


@dataclass(slots=True)
class _Record:
    room: Room
    touched: int
    seq: int = 0
    screen: list[str] = field(default_factory=list)
    personal: dict[str, list[str]] = field(default_factory=dict)
    conns: dict[str, str] = field(default_factory=dict)  # player id -> connection id
    tokens: dict[str, str] = field(default_factory=dict)  # token hash -> player id (a resume storm is O(1) each)
    timer_owner: str | None = None
    timer_until: int = 0
    media: dict[str, bytes] = field(default_factory=dict)
    finished: int | None = None  # when the room was first seen finished (ms)


class Records:
    """The rooms every role of the memory store shares, with their expiry and the bus."""

    def __init__(self, bus: MemoryBus, room_ttl_ms: int, results_ttl_ms: int) -> None:
        self.bus = bus
        self.room_ttl_ms = room_ttl_ms
        self.results_ttl_ms = results_ttl_ms
        self.rooms: dict[str, _Record] = {}

    @staticmethod
    def now() -> int:
        return int(time.monotonic() * 1000)

    def get(self, code: str) -> _Record | None:
        record = self.rooms.get(code)
        if record is None:
            return None
        now = self.now()
        if record.room.phase is Phase.FINISHED:
            # The results TTL counts from the moment the room finished; nothing extends it.
            if record.finished is None:
                record.finished = record.touched
            expired = now - record.finished > self.results_ttl_ms
        else:
            expired = now - record.touched > self.room_ttl_ms
        if expired:
            del self.rooms[code]
            return None
        return record

    def need(self, code: str) -> _Record:
        record = self.get(code)
        if record is None:
            raise GameError.of("room_not_found", room=code)
        return record

    def publish(self, record: _Record, envelope: Envelope) -> None:
        record.seq += 1
        record.touched = self.now()
        envelope.seq = record.seq
        self.bus.deliver(record.room.code, envelope)

    def expire(self) -> None:
        for code in list(self.rooms):
            self.get(code)


class MemoryRooms:
    def __init__(self, records: Records) -> None:
        self._r = records

    async def create(self, room: Room) -> bool:
        self._r.expire()
        if self._r.get(room.code) is not None:
            return False
        self._r.rooms[room.code] = _Record(room=room, touched=self._r.now())
        return True

    async def exists(self, code: str) -> bool:
        return self._r.get(code) is not None

    async def load(self, code: str, history: bool = True) -> tuple[Room, int] | None:
        record = self._r.get(code)
        return None if record is None else (record.room, self._r.now())

    async def commit(self, room: Room, expected_version: int, envelope: Envelope, screen: list[str] | None) -> bool:
        record = self._r.get(room.code)
        if record is None or record.room.version != expected_version:
            return False
        room.version = expected_version + 1
        record.room = room
        if screen is not None:
            record.screen = screen
            record.personal = dict(envelope.personal)
        self._r.publish(record, envelope)
        return True

    async def view(self, code: str, player_id: str | None) -> View | None:
        record = self._r.get(code)
        if record is None:
            return None
        room = record.room
        player = room.players.get(player_id) if player_id is not None else None
        answer = None
        if player is not None and room.phase is Phase.QUESTION:
            answer = room.current_answers().get(player.id)
        personal = record.personal.get(player_id, []) if player_id is not None else []
        return View(room=room, now=self._r.now(), screen=list(record.screen), personal=list(personal),
                    player=player, answer=answer, seq=record.seq)

    async def publish(self, code: str, envelope: Envelope) -> None:
        record = self._r.get(code)
        if record is not None:
            self._r.publish(record, envelope)

    async def info(self, code: str) -> dict[str, Any] | None:
        record = self._r.get(code)
        if record is None:
            return None
        room = record.room
        return {
            "code": room.code,
            "phase": room.phase.value,
            "players": game.count_players(room),
            "deck": room.deck.id,
            "title": room.deck.title,
            "locked": room.locked,
            "generated_nicknames": room.options.generated_nicknames,
        }


class MemoryPlayers:
    def __init__(self, records: Records) -> None:
        self._r = records

    async def join(self, code: str, player: Player, folded: str) -> None:
        record = self._r.need(code)
        game.join(record.room, player.id, player.nickname, player.token_hash)
        stored = record.room.players[player.id]
        player.joined, player.first_index = stored.joined, stored.first_index
        record.tokens[player.token_hash] = player.id
        self._r.publish(record, Envelope(lobby=True))

    async def rename(self, code: str, player_id: str, nickname: str, folded: str) -> None:
        record = self._r.need(code)
        game.rename(record.room, player_id, nickname)
        self._r.publish(record, Envelope(lobby=True))

    async def by_token(self, code: str, token_hash: str) -> Player | None:
        record = self._r.get(code)
        if record is None:
            return None
        player_id = record.tokens.get(token_hash)
        return None if player_id is None else record.room.players.get(player_id)

    async def set_presence(self, code: str, player_id: str, conn_id: str, connected: bool) -> bool:
        record = self._r.get(code)
        if record is None:
            return False
        room = record.room
        player = room.players.get(player_id)
        if player is None or player.kicked:
            return False
        if connected:
            record.conns[player_id] = conn_id
        elif record.conns.get(player_id) == conn_id:
            del record.conns[player_id]
        else:
            return False
        if game.set_connected(room, player_id, connected):
            # Who is here changed: so did the "of M" of an open question.
            progress = (room.index, *game.answer_count(room, room.index)) if room.phase is Phase.QUESTION else None
            self._r.publish(record, Envelope(lobby=True, progress=progress))
        return game.all_answered(room)


class MemoryAnswers:
    """Every count is published: the in-process bus costs nothing, and the hub throttles what hosts see."""

    def __init__(self, records: Records) -> None:
        self._r = records

    async def record(self, code: str, player_id: str, index: int, value: Any) -> AnswerOutcome:
        record = self._r.need(code)
        room = record.room
        game.answer(room, player_id, index, value, self._r.now())
        answered, total = game.answer_count(room, index)
        self._r.publish(record, Envelope(progress=(index, answered, total)))
        stored = grading.wire_value(room.deck.questions[index], room.option_ids(index),
                                    room.answers[index][player_id].value)
        return AnswerOutcome(answered=len(room.current_answers()), all_answered=game.all_answered(room),
                             value=stored)


class MemoryClock:
    def __init__(self, records: Records) -> None:
        self._r = records

    async def now(self) -> int:
        return self._r.now()


class MemoryLease:
    def __init__(self, records: Records) -> None:
        self._r = records

    async def claim(self, code: str, owner: str, ttl_ms: int) -> bool:
        record = self._r.get(code)
        if record is None:
            return False
        now = self._r.now()
        if record.timer_owner in (None, owner) or record.timer_until < now:
            record.timer_owner, record.timer_until = owner, now + ttl_ms
            return True
        return False

    async def open_deadlines(self) -> list[tuple[str, int, int]]:
        return [
            (code, r.room.index, r.room.deadline)
            for code, r in self._r.rooms.items()
            if r.room.phase is Phase.QUESTION and r.room.paused_at is None
        ]


class MemoryMedia:
    def __init__(self, records: Records) -> None:
        self._r = records

    async def put(self, code: str, media: dict[str, bytes]) -> None:
        record = self._r.get(code)
        if record is not None:
            record.media.update(media)

    async def get(self, code: str, name: str) -> bytes | None:
        record = self._r.get(code)
        return None if record is None else record.media.get(name)


class MemoryStore:
    """Every role over one process's rooms."""

    kind = "memory"

    def __init__(self, bus: MemoryBus, room_ttl_ms: int = 6 * 3600_000, results_ttl_ms: int = 24 * 3600_000) -> None:
        self.records = records = Records(bus, room_ttl_ms, results_ttl_ms)
        self.rooms = MemoryRooms(records)
        self.players = MemoryPlayers(records)
        self.answers = MemoryAnswers(records)
        self.clock = MemoryClock(records)
        self.lease = MemoryLease(records)
        self.media = MemoryMedia(records)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def ping(self) -> bool:
        return True
