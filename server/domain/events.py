"""What a transition tells the world; `rooms/frames.py` turns these into frames."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class QuestionOpened:
    index: int


@dataclass(frozen=True, slots=True)
class Revealed:
    index: int


@dataclass(frozen=True, slots=True)
class ScoreboardShown:
    index: int


@dataclass(frozen=True, slots=True)
class Finished:
    pass


@dataclass(frozen=True, slots=True)
class LobbyChanged:
    pass


@dataclass(frozen=True, slots=True)
class AnswerRecorded:
    index: int
    player_id: str
    answered: int
    total: int


@dataclass(frozen=True, slots=True)
class PlayerKicked:
    player_id: str


@dataclass(frozen=True, slots=True)
class Paused:
    index: int


@dataclass(frozen=True, slots=True)
class Resumed:
    index: int


@dataclass(frozen=True, slots=True)
class TimeAdded:
    index: int


@dataclass(frozen=True, slots=True)
class PlayerRenamed:
    player_id: str


Event = (
    QuestionOpened
    | Revealed
    | ScoreboardShown
    | Finished
    | LobbyChanged
    | AnswerRecorded
    | PlayerKicked
    | PlayerRenamed
    | Paused
    | Resumed
    | TimeAdded
)
