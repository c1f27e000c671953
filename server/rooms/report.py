"""The teacher's report after (or during) a game: one model, two renderings.

`build` computes the figures once from a room; `to_json` feeds the results page
and `to_csv` the download, so the page and the spreadsheet never disagree.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..domain import game, grading
from ..domain.model import Answer, Kind, Phase, Question, Room

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def answer_text(question: Question, layout: tuple[int, ...] | None, value: Any) -> str:
    """A player's answer as a teacher would read it."""
    if question.kind in (Kind.CHOICE, Kind.POLL):
        return question.options[int(value)]
    if question.kind is Kind.MULTI:
        return " + ".join(question.options[int(i)] for i in value)
    if question.kind is Kind.ORDER:
        assert layout is not None
        return " → ".join(question.options[layout[int(i)]] for i in value)
    if question.kind is Kind.NUMBER:
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value)


def correct_text(question: Question) -> str:
    if question.kind is Kind.CHOICE:
        return " / ".join(question.options[i] for i in sorted(question.correct))
    if question.kind is Kind.MULTI:
        return " + ".join(question.options[i] for i in sorted(question.correct))
    if question.kind is Kind.ORDER:
        return " → ".join(question.options)
    if question.kind is Kind.NUMBER:
        assert question.value is not None
        value = str(int(question.value)) if float(question.value).is_integer() else str(question.value)
        return value if not question.tolerance else f"{value} ± {question.tolerance:g}"
    if question.kind is Kind.TEXT:
        return " / ".join(question.accepted)
    return ""


@dataclass(slots=True)
class QuestionStats:
    index: int
    kind: str
    prompt: str
    asked: bool
    answered: int
    correct: int
    percent_correct: float | None
    avg_ms: float | None
    correct_text: str
    most_common_wrong: tuple[str, int] | None


def _wrong_key(question: Question, answer: Answer) -> Any:
    if question.kind is Kind.TEXT:
        return grading.normalise_text(str(answer.value))
    if question.kind in (Kind.ORDER, Kind.MULTI):
        return tuple(answer.value)
    return answer.value


def revealed(room: Room) -> set[int]:
    """Questions that were scored (a question cut short by `end` never was)."""
    return {r.index for p in room.players.values() for r in p.results}


def question_stats(room: Room, index: int, asked: bool) -> QuestionStats:
    question = room.deck.questions[index]
    layout = room.layouts[index]
    answers = {
        pid: a for pid, a in room.answers.get(index, {}).items() if pid in room.players and not room.players[pid].kicked
    }
    scored = question.kind is not Kind.POLL
    right = sum(1 for a in answers.values() if a.correct)
    eligible = sum(1 for p in room.active_players() if p.first_index <= index)
    percent = (100.0 * right / eligible) if scored and asked and eligible else None
    times = [a.t for a in answers.values()]
    wrong: Counter[Any] = Counter()
    sample: dict[Any, str] = {}
    for a in answers.values():
        if scored and not a.correct:
            key = _wrong_key(question, a)
            wrong[key] += 1
            sample.setdefault(key, answer_text(question, layout, a.value))
    common = wrong.most_common(1)
    return QuestionStats(
        index=index,
        kind=question.kind.value,
        prompt=question.prompt,
        asked=asked,
        answered=len(answers),
        correct=right,
        percent_correct=percent,
        avg_ms=(sum(times) / len(times)) if times else None,
        correct_text=correct_text(question),
        most_common_wrong=(sample[common[0][0]], common[0][1]) if common else None,
    )


def build(room: Room) -> dict[str, Any]:
    """The whole report as JSON-ready data (GET /api/rooms/{code}/results)."""
    done = revealed(room)
    stats = [question_stats(room, i, i in done) for i in range(len(room.deck.questions))]
    players = []
    for player, rank in game.ranking(room):
        players.append({
            "rank": rank,
            "player_id": player.id,
            "nickname": player.nickname,
            "score": player.score,
            "correct": player.correct_count,
            "answered": sum(1 for r in player.results if r.answered),
        })
    hardest = sorted(
        (s for s in stats if s.percent_correct is not None),
        key=lambda s: (s.percent_correct, s.index),
    )[:3]
    return {
        "code": room.code,
        "title": room.deck.title,
        "deck": room.deck.id,
        "phase": room.phase.value,
        "finished": room.phase is Phase.FINISHED,
        "players": players,
        "questions": [
            {
                "index": s.index,
                "kind": s.kind,
                "prompt": s.prompt,
                "asked": s.asked,
                "answered": s.answered,
                "correct": s.correct,
                "percent_correct": None if s.percent_correct is None else round(s.percent_correct, 1),
                "avg_ms": None if s.avg_ms is None else round(s.avg_ms),
                "correct_text": s.correct_text,
                "most_common_wrong": None if s.most_common_wrong is None
                else {"text": s.most_common_wrong[0], "count": s.most_common_wrong[1]},
            }
            for s in stats
        ],
        "hardest": [s.index for s in hardest if s.percent_correct is not None and s.percent_correct < 100],
    }


def _cell(value: Any) -> str:
    """Text a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(room: Room) -> str:
    """One row per player not kicked; one column group per question."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    questions = room.deck.questions
    head = ["rank", "nickname", "score", "correct"]
    for i in range(len(questions)):
        n = i + 1
        head += [f"q{n}_answer", f"q{n}_correct", f"q{n}_points", f"q{n}_time_ms"]
    writer.writerow(head)
    for player, rank in game.ranking(room):
        results = {r.index: r for r in player.results}
        row: list[Any] = [rank, _cell(player.nickname), player.score, player.correct_count]
        for i, question in enumerate(questions):
            given = room.answers.get(i, {}).get(player.id)
            result = results.get(i)
            row += [
                "" if given is None else _cell(answer_text(question, room.layouts[i], given.value)),
                "" if result is None or result.correct is None else ("yes" if result.correct else "no"),
                "" if result is None else result.points + result.bonus,
                "" if given is None else given.t,
            ]
        writer.writerow(row)
    return out.getvalue()
