"""The teacher's report after (or during) a game: one model, three renderings.

`build` feeds the results page, `to_csv` and `to_xlsx` the downloads; all read a
player's standing on a question from `mark`, so the page and the spreadsheets
never disagree on who was right, wrong, silent or away.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..domain import game, grading
from ..domain.model import Answer, Kind, Phase, Player, Question, Result, Room
from ..domain.text import is_text
from ..shared.i18n import tr
from ..shared.marks import N_

_FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and their full-width forms


class Mark(StrEnum):
    """A player's standing on one question that was scored."""

    CORRECT = "correct"
    WRONG = "wrong"  # answered, not right
    NO_ANSWER = "no_answer"  # in the game, gave no answer
    ANSWERED = "answered"  # a poll, answered
    ABSENT = "absent"  # not in the game then: joined later, or had left without answering


_MARK_WORDS = {  # the downloads' words for a mark, in the request's language (tr at use)
    Mark.CORRECT: N_("yes"),
    Mark.WRONG: N_("no"),
    Mark.NO_ANSWER: N_("no answer"),
    Mark.ANSWERED: "",
    Mark.ABSENT: N_("absent"),
}


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
    wrong: int
    no_answer: int
    absent: int
    percent_correct: float | None
    avg_ms: float | None
    correct_text: str
    most_common_wrong: tuple[str, int] | None


def _wrong_key(question: Question, answer: Answer) -> Any:
    if question.kind is Kind.TEXT:
        return grading.normalise_text(str(answer.value), question.fold)
    if question.kind in (Kind.ORDER, Kind.MULTI):
        return tuple(answer.value)
    return answer.value


def revealed(room: Room) -> set[int]:
    """Questions that were scored (a question cut short by `end` never was)."""
    return {r.index for p in room.players.values() for r in p.results}


def mark(question: Question, player: Player, index: int, result: Result | None) -> Mark:
    """How `player` stood on revealed question `index`; `result` is theirs for it, if any.

    Someone who was not in the game (joined later, or had left and did not answer)
    is `ABSENT`, never wrong: they had no chance to answer.
    """
    if result is None or player.first_index > index or not (result.answered or result.present):
        return Mark.ABSENT
    if not result.answered:
        return Mark.NO_ANSWER
    if question.kind is Kind.POLL:
        return Mark.ANSWERED
    return Mark.CORRECT if result.correct else Mark.WRONG


def marks(room: Room, player: Player, done: set[int]) -> list[Mark | None]:
    """`player`'s mark on every question of the deck, None where none was revealed."""
    results = {r.index: r for r in player.results}
    return [
        mark(q, player, i, results.get(i)) if i in done else None
        for i, q in enumerate(room.deck.questions)
    ]


def question_stats(room: Room, index: int, asked: bool) -> QuestionStats:
    question = room.deck.questions[index]
    layout = room.layouts[index]
    answers = {
        pid: a for pid, a in room.answers.get(index, {}).items() if pid in room.players and not room.players[pid].kicked
    }
    scored = question.kind is not Kind.POLL
    tally: Counter[Mark] = Counter()
    if asked:
        for player in room.active_players():
            result = next((r for r in player.results if r.index == index), None)
            tally[mark(question, player, index, result)] += 1
    right = tally[Mark.CORRECT]
    present = sum(n for m, n in tally.items() if m is not Mark.ABSENT)
    percent = (100.0 * right / present) if scored and asked and present else None
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
        wrong=tally[Mark.WRONG],
        no_answer=tally[Mark.NO_ANSWER],
        absent=tally[Mark.ABSENT],
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
        row = marks(room, player, done)
        count = Counter(row)
        players.append({
            "rank": rank,
            "player_id": player.id,
            "nickname": player.nickname,
            "score": player.score,
            "correct": player.correct_count,
            "answered": sum(1 for r in player.results if r.answered),
            "wrong": count[Mark.WRONG],
            "no_answer": count[Mark.NO_ANSWER],
            "absent": count[Mark.ABSENT],
            "scored": sum(1 for q, m in zip(room.deck.questions, row, strict=True) if q.kind is not Kind.POLL
                          and m in (Mark.CORRECT, Mark.WRONG, Mark.NO_ANSWER)),
            "marks": [None if m is None else m.value for m in row],
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
                "wrong": s.wrong,
                "no_answer": s.no_answer,
                "absent": s.absent,
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


def neutralise(value: Any) -> str:
    """A cell's text that a spreadsheet (CSV or XLSX) will show, never run as a formula.

    Text that starts like a formula (`=`, `+`, `-`, `@`, their full-width forms), or
    with whitespace or a line break that a spreadsheet may skip before reading one,
    gets a leading `'`. A string that is not valid text gets U+FFFD in place of the
    bad code point, so one cell cannot make the whole report fail.
    """
    text = "" if value is None else str(value)
    if not is_text(text):
        text = "".join(c if is_text(c) else "\ufffd" for c in text)
    return "'" + text if text[:1].isspace() or text.startswith(_FORMULA_START) else text



def player_rows(room: Room) -> tuple[list[str], list[list[Any]]]:
    """The players' sheet: a header and one row per player not kicked, best first.

    Text cells pass through `neutralise`; numbers stay numbers.
    """
    questions = room.deck.questions
    done = revealed(room)
    head = [tr("rank"), tr("nickname"), tr("score"), tr("correct")]
    for i in range(len(questions)):
        n = i + 1
        head += [tr("q%(n)s_answer", n=n), tr("q%(n)s_correct", n=n), tr("q%(n)s_points", n=n),
                 tr("q%(n)s_time_ms", n=n)]
    words = {m: tr(word) if word else "" for m, word in _MARK_WORDS.items()}
    rows: list[list[Any]] = []
    for player, rank in game.ranking(room):
        results = {r.index: r for r in player.results}
        row: list[Any] = [rank, neutralise(player.nickname), player.score, player.correct_count]
        for i, (question, m) in enumerate(zip(questions, marks(room, player, done), strict=True)):
            given = room.answers.get(i, {}).get(player.id)
            result = results.get(i)
            row += [
                "" if given is None else neutralise(answer_text(question, room.layouts[i], given.value)),
                "" if m is None else words[m],
                "" if result is None else result.points + result.bonus,
                "" if given is None else given.t,
            ]
        rows.append(row)
    return head, rows


def to_csv(room: Room) -> str:
    """One row per player not kicked; one column group per question."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    head, rows = player_rows(room)
    writer.writerow(head)
    writer.writerows(rows)
    return out.getvalue()


def _xlsx_value(value: Any) -> Any:
    """A cell for openpyxl: numbers as numbers; text without the control characters XML
    cannot hold, then neutralised again (removing them may uncover a leading `=`)."""
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _sheet(book: Workbook, title: str, head: list[str], rows: list[list[Any]], first: bool) -> None:
    sheet = book.active if first else book.create_sheet()
    assert sheet is not None
    sheet.title = title
    sheet.append(head)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    sheet.freeze_panes = "C2" if first else "B2"
    for column, name in enumerate(head, start=1):
        longest = max([len(name)] + [len(str(r[column - 1])) for r in rows[:200]])
        sheet.column_dimensions[get_column_letter(column)].width = min(60, max(8, longest + 2))


def to_xlsx(room: Room) -> bytes:
    """The spreadsheet: the players' sheet (the CSV's rows) and a sheet of questions."""
    head, rows = player_rows(room)
    data = build(room)
    questions = [
        [q["index"] + 1, neutralise(q["prompt"]), q["kind"], neutralise(q["correct_text"]), q["correct"], q["wrong"],
         q["no_answer"], q["absent"], "" if q["percent_correct"] is None else q["percent_correct"],
         "" if q["avg_ms"] is None else q["avg_ms"],
         "" if q["most_common_wrong"] is None else neutralise(q["most_common_wrong"]["text"])]
        for q in data["questions"]
    ]
    book = Workbook()
    _sheet(book, tr("Players"), head, rows, first=True)
    _sheet(book, tr("Questions"), [tr("question"), tr("prompt"), tr("kind"), tr("answer"), tr("correct"), tr("wrong"),
                                   tr("no_answer"), tr("absent"), tr("percent_correct"), tr("avg_ms"),
                                   tr("most_common_wrong")], questions, first=False)
    book.properties.title = _xlsx_value(f"{room.deck.title} · {room.code}")[:200]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
