"""The store's ports, one per role, and the `Store` that bundles them.

A reader of the service meets the store by what it is for:

- `Rooms`: a room's state (load, then a pure rule, then compare-and-set
  `commit`), what a (re)connecting client sees, and the events that leave it;
- `Players`: joining, nicknames, tokens and who is connected;
- `Answers`: the hot path, one atomic step per answer;
- `Clock`: the rooms' one clock;
- `TimerLease`: who times a room's question, and which questions are open;
- `Media`: a room's images, for the room's lifetime.

Two adapters implement every role and pass the same contract tests
(tests/contract/): `memory` (one process) and `redis` (any number of processes).
Every state change a store accepts is published to the room's subscribers in the
same atomic step, with a per-room sequence number, so no event is ever published
for a change that was not kept, nor kept without being published.
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


class Rooms(Protocol):
    """Rooms: rare changes go through `load` + a pure rule + `commit`."""

    async def create(self, room: Room) -> bool:
        """Store a new room; False if its code is taken by a live room."""
        ...

    async def exists(self, code: str) -> bool: ...

    async def load(self, code: str, history: bool = True) -> tuple[Room, int] | None:
        """The room and the clock's `now`, or None.

        With `history=False` a store may leave out the answers to questions before
        the current one: no transition reads them, and at 2,000 players they are
        most of what a load would transfer and parse (reports need them all).
        """
        ...

    async def commit(self, room: Room, expected_version: int, envelope: Envelope, screen: list[str] | None) -> bool:
        """Write `room` if its stored version is still `expected_version`, bump the
        version, and publish `envelope`; all or nothing. When `screen` is given it
        becomes the stored present for resyncs, and `envelope.personal` the stored
        personal frames. False (nothing written) if the version moved."""
        ...

    async def view(self, code: str, player_id: str | None) -> View | None: ...

    async def publish(self, code: str, envelope: Envelope) -> None:
        """Publish an event that changes no state (e.g. a connection replaced)."""
        ...

    async def info(self, code: str) -> dict[str, Any] | None:
        """Public facts for GET /api/rooms/{code}: phase, players, deck id, locked, options."""
        ...


class Players(Protocol):
    """A room's players: each change one atomic step that publishes a lobby change."""

    async def join(self, code: str, player: Player, folded: str) -> None:
        """Add a player atomically (lock, cap and unique folded nickname checked
        here: GameError room_locked / room_full / nickname_taken), publish a lobby
        change. Sets `player.joined` and `player.first_index`."""
        ...

    async def rename(self, code: str, player_id: str, nickname: str, folded: str) -> None:
        """Reroll a generated nickname (lobby only, MAX_REROLLS), publish a lobby change."""
        ...

    async def by_token(self, code: str, token_hash: str) -> Player | None: ...

    async def set_presence(self, code: str, player_id: str, conn_id: str, connected: bool) -> bool:
        """Mark a player connected (by `conn_id`) or gone (only if `conn_id` is still
        theirs). Returns True when this leaves an open question with every connected
        player answered, so the caller should close it."""
        ...


class Answers(Protocol):
    """The answer path: what thousands of players do within seconds."""

    async def record(self, code: str, player_id: str, index: int, value: Any) -> AnswerOutcome:
        """Check phase, question, pause, deadline, first answer; record the answer as
        `grading` validates and grades it; publish the answer count (at most once per
        `bus.throttle.PROGRESS_PUBLISH_MS`). One atomic step. Raises GameError with
        the contract's code."""
        ...


class Clock(Protocol):
    async def now(self) -> int:
        """The rooms' one clock, in ms: deadlines and response times are read on it."""
        ...


class TimerLease(Protocol):
    """Which instance times a room's open question, and which questions are open."""

    async def claim(self, code: str, owner: str, ttl_ms: int) -> bool:
        """Take or renew the lease on the room's question timer (one owner at a time)."""
        ...

    async def open_deadlines(self) -> list[tuple[str, int, int]]:
        """(code, question index, deadline) of every open, running question, for timer
        recovery (a paused question has no deadline until it resumes)."""
        ...


class Media(Protocol):
    async def put(self, code: str, media: dict[str, bytes]) -> None:
        """Keep a room's images (re-encoded, named by their hash) for the room's lifetime."""
        ...

    async def get(self, code: str, name: str) -> bytes | None:
        """One image of a live room, or None."""
        ...


class Store(Protocol):
    """One adapter's roles, and its lifecycle."""

    @property
    def kind(self) -> str:
        """The adapter: `memory` or `redis`."""
        ...

    @property
    def rooms(self) -> Rooms: ...

    @property
    def players(self) -> Players: ...

    @property
    def answers(self) -> Answers: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def lease(self) -> TimerLease: ...

    @property
    def media(self) -> Media: ...

    async def start(self) -> None:
        """Connect if there is anything to connect to; a store that cannot yet still starts."""
        ...

    async def close(self) -> None: ...

    async def ping(self) -> bool:
        """True when the store can serve now."""
        ...
