"""The RoomStore port: where rooms live, and how their events leave.

Two adapters pass the same contract tests (tests/contract/): `memory` (one
process) and `redis` (any number of processes). A store also publishes: every
state change it accepts is published to the room's subscribers in the same
atomic step, with a per-room sequence number, so no event is ever published for
a change that was not kept, nor kept without being published.

Rare changes go through `load` + a pure rule + `commit` (compare-and-set on
`Room.version`); the hot paths (`join`, `answer`, `set_presence`) are single
atomic operations of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..bus.envelope import Envelope
from ..domain.model import Answer, Player, Room


class StoreUnavailable(Exception):
    """The store cannot be reached; the operation did not happen."""


@dataclass(slots=True)
class View:
    """What a (re)connecting client needs to see the present.

    `room` may be partial (the Redis adapter fills only the viewer into
    `players` and only the viewer's answer into `answers`); `screen` is the
    stored broadcast frames of the present phase, `personal` the viewer's last
    personal frames (result or standing) that belong to that screen.
    """

    room: Room
    now: int
    screen: list[str]
    personal: list[str] = field(default_factory=list)
    player: Player | None = None
    answer: Answer | None = None
    seq: int = 0  # the room's last published seq that this view reflects


@dataclass(slots=True)
class AnswerOutcome:
    answered: int  # answers recorded for this question
    all_answered: bool  # every connected player who may answer has answered
    value: Any = None  # the answer as stored, in its wire form (`grading.wire_value`)


class RoomStore(Protocol):
    kind: str  # "memory" or "redis"
    immediate: bool
    """True when no operation ever waits (nothing but memory behind it): then a
    message can be handled inside the socket's read callback (`server/inbox.py`).
    Code that needs a running task (timeouts, locks) must not be behind such a store."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> bool:
        """True when the store can serve now."""
        ...

    async def now(self) -> int:
        """The rooms' one clock, in ms."""
        ...

    async def create(self, room: Room) -> bool:
        """Store a new room; False if its code is taken by a live room."""
        ...

    async def exists(self, code: str) -> bool: ...

    async def put_media(self, code: str, media: dict[str, bytes]) -> None:
        """Keep a room's images (re-encoded, named by their hash) for the room's lifetime."""
        ...

    async def get_media(self, code: str, name: str) -> bytes | None:
        """One image of a live room, or None."""
        ...

    async def load(self, code: str, history: bool = True) -> tuple[Room, int] | None:
        """The room and the clock's `now`, or None.

        With `history=False` a store may leave out the answers to questions before
        the current one: no transition reads them, and at 2,000 players they are
        most of what a load would transfer and parse (reports need them all).
        """
        ...

    async def commit(
        self,
        room: Room,
        expected_version: int,
        envelope: Envelope,
        screen: list[str] | None,
    ) -> bool:
        """Write `room` if its stored version is still `expected_version`, bump the
        version, and publish `envelope`; all or nothing. When `screen` is given it
        becomes the stored present for resyncs, and `envelope.personal` the stored
        personal frames. False (nothing written) if the version moved."""
        ...

    async def join(self, code: str, player: Player, folded: str) -> None:
        """Add a player atomically (lock, cap and unique folded nickname checked
        here: GameError room_locked / room_full / nickname_taken), publish a lobby
        change. Sets `player.joined` and `player.first_index`."""
        ...

    async def rename(self, code: str, player_id: str, nickname: str, folded: str) -> None:
        """Reroll a generated nickname (lobby only, MAX_REROLLS), publish a lobby change."""
        ...

    async def answer(self, code: str, player_id: str, index: int, value: Any) -> AnswerOutcome:
        """Check phase, question, deadline, first answer; record; publish progress.
        One atomic step. Raises GameError with the contract's code."""
        ...

    async def player_by_token(self, code: str, token_hash: str) -> Player | None: ...

    async def set_presence(self, code: str, player_id: str, conn_id: str, connected: bool) -> bool:
        """Mark a player connected (by `conn_id`) or gone (only if `conn_id` is still
        theirs). Returns True when this leaves an open question with every connected
        player answered, so the caller should close it."""
        ...

    async def view(self, code: str, player_id: str | None) -> View | None: ...

    async def publish(self, code: str, envelope: Envelope) -> None:
        """Publish an event that changes no state (e.g. a connection replaced)."""
        ...

    async def info(self, code: str) -> dict[str, Any] | None:
        """Public facts for GET /api/rooms/{code}: phase, players, deck id, locked, options."""
        ...

    async def open_deadlines(self) -> list[tuple[str, int, int]]:
        """(code, question index, deadline) of every open, running question, for timer
        recovery (a paused question has no deadline until it resumes)."""
        ...

    async def claim_timer(self, code: str, owner: str, ttl_ms: int) -> bool:
        """Take or renew the lease on the room's question timer (one owner at a time)."""
        ...
