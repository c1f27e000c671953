"""The nouns of the game: decks and questions, rooms, players, answers.

Plain data, no I/O. A `Room` is the whole state of one live game; the rules that
change it live in `game.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    CHOICE = "choice"
    ORDER = "order"
    NUMBER = "number"
    TEXT = "text"
    POLL = "poll"
    MULTI = "multi"


class Phase(StrEnum):
    LOBBY = "lobby"
    QUESTION = "question"
    REVEAL = "reveal"
    SCOREBOARD = "scoreboard"
    FINISHED = "finished"


POINTS_ALLOWED = (0, 1000, 2000)
TIME_LIMIT_MIN_MS = 5_000
TIME_LIMIT_MAX_MS = 240_000
ADD_TIME_MIN_MS, ADD_TIME_MAX_MS = 1, 60_000  # one `add_time` command
TEXT_ANSWER_MAX = 100
MAX_FRAME_BYTES = 4096
"""The largest frame a client may send (a join, an answer: a few hundred bytes at most)."""
KINDS_WITH_OPTIONS = (Kind.CHOICE, Kind.ORDER, Kind.POLL, Kind.MULTI)
KINDS_WITH_IDS = (Kind.CHOICE, Kind.POLL, Kind.MULTI)  # option ids drawn per room (`order` has its own)
MULTI_OPTIONS_MIN = 3  # a multi-select needs a wrong option besides two right ones
MULTI_CORRECT_MIN = 2


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a deck, as authored.

    `options` are the option texts (for `order`, the items in their true order);
    an option's id on the wire is its index here, except for `order`, whose ids
    are positions in the room's shuffled presentation (see `Room.layouts`).
    """

    kind: Kind
    prompt: str
    options: tuple[str, ...] = ()
    correct: frozenset[int] = frozenset()
    value: float | None = None
    tolerance: float = 0
    min: float | None = None
    max: float | None = None
    step: float | None = None
    accepted: tuple[str, ...] = ()
    time_limit_ms: int = 20_000
    points: int = 1000
    explanation: str | None = None
    sources: tuple[str, ...] = ()
    image: str | None = None
    image_on_phones: bool = False  # the projector always shows the image; phones only when the deck says so
    line: int = 0
    fold: str = ""  # how text answers fold for the deck's language (grading.folding_for), decided at load


@dataclass(frozen=True, slots=True)
class Deck:
    id: str
    title: str
    questions: tuple[Question, ...]
    description: str = ""
    path: str = ""
    notes: str = ""
    lang: str = ""  # the deck's language (`lang:`, a BCP-47 tag), "" when not said

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "questions": len(self.questions),
            "description": self.description,
            "kinds": sorted({q.kind.value for q in self.questions}),
        }


@dataclass(slots=True)
class RoomOptions:
    streak_bonus: bool = True
    shuffle_options: bool = False
    max_players: int = 2000
    generated_nicknames: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "streak_bonus": self.streak_bonus,
            "shuffle_options": self.shuffle_options,
            "max_players": self.max_players,
            "generated_nicknames": self.generated_nicknames,
        }


@dataclass(slots=True)
class Answer:
    """An accepted answer: what was sent, when (ms after the question opened), graded."""

    value: Any
    t: int
    correct: bool | None  # None for a poll

    def to_dict(self) -> dict[str, Any]:
        return {"v": self.value, "t": self.t, "c": self.correct}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Answer:
        return cls(value=d["v"], t=int(d["t"]), correct=d["c"])


@dataclass(frozen=True, slots=True)
class Result:
    """What one player got at one reveal; kept for the report and for resync."""

    index: int
    correct: bool | None
    points: int
    bonus: int
    score: int
    streak: int
    rank: int
    players: int
    answered: bool
    present: bool = True  # in the game at this question: answered, or connected at the reveal

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "correct": self.correct,
            "points": self.points,
            "bonus": self.bonus,
            "score": self.score,
            "streak": self.streak,
            "rank": self.rank,
            "players": self.players,
            "answered": self.answered,
            "present": self.present,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Result:
        return cls(**d)


@dataclass(slots=True)
class Player:
    id: str
    nickname: str
    token_hash: str
    joined: int  # join order, for ties
    first_index: int = 0  # first question this player may answer (late joins)
    score: int = 0
    streak: int = 0
    correct_count: int = 0
    kicked: bool = False
    connected: bool = False
    rerolls: int = 0
    results: list[Result] = field(default_factory=list)

    @property
    def last_result(self) -> Result | None:
        return self.results[-1] if self.results else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "nickname": self.nickname,
            "token_hash": self.token_hash,
            "joined": self.joined,
            "first_index": self.first_index,
            "score": self.score,
            "streak": self.streak,
            "correct_count": self.correct_count,
            "kicked": self.kicked,
            "rerolls": self.rerolls,
            "results": [r.to_dict() for r in self.results],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Player:
        return cls(
            id=d["id"],
            nickname=d["nickname"],
            token_hash=d["token_hash"],
            joined=int(d["joined"]),
            first_index=int(d.get("first_index", 0)),
            score=int(d.get("score", 0)),
            streak=int(d.get("streak", 0)),
            correct_count=int(d.get("correct_count", 0)),
            kicked=bool(d.get("kicked", False)),
            rerolls=int(d.get("rerolls", 0)),
            results=[Result.from_dict(r) for r in d.get("results", [])],
        )

    def copy(self) -> Player:
        """A copy a rule may change without touching this one (results are frozen: shared)."""
        return Player(self.id, self.nickname, self.token_hash, self.joined, self.first_index, self.score,
                      self.streak, self.correct_count, self.kicked, self.connected, self.rerolls, list(self.results))


@dataclass(slots=True)
class Room:
    """The whole state of one game.

    `index` is the current question (-1 in the lobby). `opened_at` and `deadline`
    are on the room's one clock (ms). `layouts[i]` is the presented order of
    question i's options as deck option indices (None for kinds without options).
    `ids[i][k]` is the wire id of deck option k of question i for `choice`, `multi`
    and `poll`: a permutation drawn per room, so an id says nothing about where the
    option stands in the deck (empty: ids are deck indices, as in rooms made before).
    Answers are kept as deck indices; ids exist only on the wire.

    Pace: while `paused_at` is set the clock of the open question stands still;
    resuming moves `opened_at` and `deadline` on by the pause, so time paused
    counts neither toward the deadline nor toward an answer's `t`. `added_ms` is
    the time the host added to the open question (its limit is the question's
    own plus that).
    """

    code: str
    deck: Deck
    host_token_hash: str
    options: RoomOptions
    layouts: tuple[tuple[int, ...] | None, ...]
    ids: tuple[tuple[int, ...] | None, ...] = ()
    created_at: int = 0
    report_key_hash: str = ""  # the read-only report key's hash; "" opens nothing
    phase: Phase = Phase.LOBBY
    index: int = -1
    opened_at: int = 0
    deadline: int = 0
    paused_at: int | None = None
    added_ms: int = 0
    locked: bool = False
    version: int = 0
    next_join: int = 0
    players: dict[str, Player] = field(default_factory=dict)
    answers: dict[int, dict[str, Answer]] = field(default_factory=dict)
    nick_index: dict[str, str] = field(default_factory=dict)  # folded nickname -> player id
    # Derived caches for the answer hot path (rebuilt lazily when None; see game.py).
    # Not state: excluded from equality, never stored.
    connected_cache: int | None = field(default=None, compare=False, repr=False)
    waiting_cache: tuple[int, set[str]] | None = field(default=None, compare=False, repr=False)
    kicked_cache: int | None = field(default=None, compare=False, repr=False)

    @property
    def question(self) -> Question | None:
        if 0 <= self.index < len(self.deck.questions):
            return self.deck.questions[self.index]
        return None

    def option_ids(self, index: int) -> tuple[int, ...] | None:
        """Question `index`'s wire id per deck option, or None where ids are deck indices."""
        return self.ids[index] if index < len(self.ids) else None

    def active_players(self) -> list[Player]:
        """Players not kicked, in join order."""
        return sorted((p for p in self.players.values() if not p.kicked), key=lambda p: p.joined)

    def current_answers(self) -> dict[str, Answer]:
        return self.answers.setdefault(self.index, {})
