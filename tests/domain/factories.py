"""Decks, rooms and players for domain tests, built straight from the model's dataclasses."""

from __future__ import annotations

import random
from typing import Any

from thaw.domain import game, grading
from thaw.domain.model import Deck, Kind, Question, Room, RoomOptions

T = 20_000  # the default time limit of the questions built here


def choice(
    correct: tuple[int, ...] = (1,),
    options: tuple[str, ...] = ("Moscow", "Havana", "Washington", "Ankara"),
    *,
    points: int = 1000,
    time_limit_ms: int = T,
    prompt: str = "Where were the missiles?",
) -> Question:
    return Question(
        kind=Kind.CHOICE,
        prompt=prompt,
        options=options,
        correct=frozenset(correct),
        points=points,
        time_limit_ms=time_limit_ms,
    )


def true_false(answer: bool = True, *, points: int = 1000) -> Question:
    return choice((0,) if answer else (1,), ("True", "False"), points=points, prompt="Is it true?")


def order(
    options: tuple[str, ...] = ("U-2 flight", "Blockade", "Letters", "Withdrawal"),
    *,
    points: int = 1000,
    time_limit_ms: int = T,
) -> Question:
    return Question(kind=Kind.ORDER, prompt="Put in order", options=options, points=points, time_limit_ms=time_limit_ms)


def number(
    value: float = 1962,
    tolerance: float = 0,
    minimum: float = 1900,
    maximum: float = 2000,
    step: float = 1,
    *,
    points: int = 1000,
    time_limit_ms: int = T,
) -> Question:
    return Question(
        kind=Kind.NUMBER,
        prompt="Which year?",
        value=value,
        tolerance=tolerance,
        min=minimum,
        max=maximum,
        step=step,
        points=points,
        time_limit_ms=time_limit_ms,
    )


def text(
    accepted: tuple[str, ...] = ("Khrushchev",),
    *,
    points: int = 1000,
    time_limit_ms: int = T,
) -> Question:
    return Question(
        kind=Kind.TEXT,
        prompt="Who led the USSR?",
        accepted=accepted,
        points=points,
        time_limit_ms=time_limit_ms,
    )


def poll(options: tuple[str, ...] = ("Yes", "No", "Not sure"), *, time_limit_ms: int = T) -> Question:
    return Question(
        kind=Kind.POLL, prompt="Would you have blinked?", options=options, points=0, time_limit_ms=time_limit_ms
    )


def multi(
    correct: tuple[int, ...] = (0, 2),
    options: tuple[str, ...] = ("Malenkov", "Trotsky", "Beria", "Lenin"),
    *,
    points: int = 1000,
    time_limit_ms: int = T,
) -> Question:
    return Question(
        kind=Kind.MULTI,
        prompt="Select every member of the triumvirate",
        options=options,
        correct=frozenset(correct),
        points=points,
        time_limit_ms=time_limit_ms,
    )


def every_kind() -> tuple[Question, ...]:
    return (choice(), order(), number(), text(), poll(), true_false(), choice((0, 2)), multi())


def deck(*questions: Question, deck_id: str = "test-deck") -> Deck:
    return Deck(id=deck_id, title="Test deck", questions=tuple(questions) or (choice(),))


def room(
    *questions: Question,
    seed: int = 0,
    now: int = 0,
    opaque_ids: bool = False,
    **options: Any,
) -> Room:
    """A room in its lobby. Its option ids are the deck indices (so tests can say "option 1")
    unless `opaque_ids`, as every real room has them (drawn per room)."""
    r = game.new_room("123456", deck(*questions), "host-hash", RoomOptions(**options), now, random.Random(seed))
    if not opaque_ids:
        r.ids = ()
    return r


def join(r: Room, nickname: str, *, connected: bool = True, player_id: str | None = None) -> str:
    pid = player_id or f"p-{nickname.lower().replace(' ', '-')}"
    game.join(r, pid, nickname, f"token-{pid}")
    if connected:
        game.set_connected(r, pid, True)
    return pid


def players(r: Room, *nicknames: str, connected: bool = True) -> list[str]:
    return [join(r, n, connected=connected) for n in nicknames]


def option_id(r: Room, text: str, index: int | None = None) -> int:
    """The wire id of the option with this text in question `index` (default: the open one)."""
    i = r.index if index is None else index
    q = r.deck.questions[i]
    return grading.wire_id(r.option_ids(i), q.options.index(text))


def order_answer(r: Room, index: int | None = None) -> list[int]:
    """The correct answer to an `order` question, as wire ids."""
    from thaw.domain.grading import true_order_ids

    layout = r.layouts[r.index if index is None else index]
    assert layout is not None
    return true_order_ids(layout)
