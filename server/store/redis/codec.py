"""How a room's parts are stored in Redis: JSON for what never changes, players and answers.

A room's deck, layouts, option ids, options and host token never change after
creation (`Static`); each process caches them per code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ...bus.envelope import dumps
from ...domain.model import Answer, Deck, Kind, Player, Question, Result, RoomOptions


@dataclass(frozen=True, slots=True)
class Static:
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


def question_to_dict(q: Question) -> dict[str, Any]:
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


def question_from_dict(d: dict[str, Any]) -> Question:
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


def static_to_json(s: Static) -> str:
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
                "questions": [question_to_dict(q) for q in deck.questions],
            },
            "layouts": [None if lay is None else list(lay) for lay in s.layouts],
            "ids": [None if ids is None else list(ids) for ids in s.ids],
            "options": s.options.to_dict(),
            "host_token_hash": s.host_token_hash,
            "report_key_hash": s.report_key_hash,
            "created_at": s.created_at,
        }
    )


def static_from_json(text: str) -> Static:
    d = json.loads(text)
    deck = d["deck"]
    return Static(
        uid=d["uid"],
        code=d["code"],
        deck=Deck(
            id=deck["id"],
            title=deck["title"],
            questions=tuple(question_from_dict(q) for q in deck["questions"]),
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


def player_json(player: Player) -> str:
    return dumps(player.to_dict())


def player_from_json(text: str, connected: bool, before: Player | None = None) -> Player:
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


def pairs(flat: list[str]) -> dict[str, str]:
    """A hash as a script returns it (a flat list of fields and values) as a dict."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def answer_from_json(text: str) -> Answer:
    return Answer.from_dict(json.loads(text))


def fingerprint(player: Player) -> tuple[Any, ...]:
    """Equal exactly when the player's stored JSON would be: cheaper than serialising.

    Results are frozen and only ever appended, so the tuple of them compares by
    identity first; `connected` is not stored in the player's JSON.
    """
    p = player
    return (
        p.nickname,
        p.token_hash,
        p.joined,
        p.first_index,
        p.score,
        p.streak,
        p.correct_count,
        p.kicked,
        p.rerolls,
        tuple(p.results),
    )


def paused_text(paused_at: int | None) -> str:
    """`Room.paused_at` as stored in the room's meta: '' while the clock runs."""
    return "" if paused_at is None else str(paused_at)
