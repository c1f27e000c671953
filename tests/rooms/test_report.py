"""The report's one reading of who stood where on each question, and its spreadsheets."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from thaw.domain import game
from thaw.domain.model import Kind, Phase, Question
from thaw.rooms import report

from tests.domain import factories as f


def _answer(room, pid: str, value: object) -> None:  # type: ignore[no-untyped-def]
    game.answer(room, pid, room.index, value, room.opened_at + 1_000)


def _played():  # type: ignore[no-untyped-def]
    """Q1 (choice): Ann right; Ben wrong, then left; Cat silent but there; Dov left
    before it opened. Eve joins during Q1. Q2 (poll): Ann answers, Eve does not."""
    room = f.room(f.choice((1,)), f.poll())
    ann, ben, cat, dov = f.players(room, "Ann", "Ben", "Cat", "Dov")
    game.set_connected(room, dov, False)
    game.start(room, 0)
    _answer(room, ann, 1)
    _answer(room, ben, 0)
    game.set_connected(room, ben, False)
    eve = f.join(room, "Eve")
    assert game.answer_count(room, 0) == (2, 3)  # Ben answered before he left; Dov and Eve are out
    game.close(room)
    game.advance(room, 0)  # scoreboard
    game.advance(room, 0)  # Q2
    assert room.phase is Phase.QUESTION and room.index == 1
    _answer(room, ann, 0)
    game.close(room)
    game.end(room)
    return room, {"Ann": ann, "Ben": ben, "Cat": cat, "Dov": dov, "Eve": eve}


def test_marks_tell_right_wrong_silent_and_absent_apart() -> None:
    room, _ids = _played()
    data = report.build(room)
    marks = {p["nickname"]: p["marks"] for p in data["players"]}
    assert marks == {
        "Ann": ["correct", "answered"],
        "Ben": ["wrong", "absent"],  # gone before Q2 without answering it: away, not wrong
        "Cat": ["no_answer", "no_answer"],
        "Dov": ["absent", "absent"],
        "Eve": ["absent", "no_answer"],
    }
    q1, q2 = data["questions"]
    assert (q1["correct"], q1["wrong"], q1["no_answer"], q1["absent"]) == (1, 1, 1, 2)
    assert q1["percent_correct"] == 33.3  # 1 of the 3 in the game
    assert q2["percent_correct"] is None  # a poll
    scored = {p["nickname"]: p["scored"] for p in data["players"]}
    assert scored == {"Ann": 1, "Ben": 1, "Cat": 1, "Dov": 0, "Eve": 0}


def test_the_spreadsheets_run_no_formula_and_agree() -> None:
    """Cells that start like a formula, or that would once XML's forbidden characters
    are dropped, are text in the CSV and in the XLSX alike."""
    sneaky = Question(kind=Kind.TEXT, prompt="\x01=HYPERLINK(\"http://x\")", accepted=("=1+1", "@SUM(A1)"))
    room = f.room(sneaky)
    ann = f.join(room, "Ann")
    game.join(room, "p-eq", "=1+1", "token-eq")  # past the nickname rules: the report must not rely on them
    game.set_connected(room, "p-eq", True)
    game.start(room, 0)
    _answer(room, ann, "+cmd|' /C calc'!A0")
    game.close(room)
    game.end(room)

    rows = list(csv.reader(io.StringIO(report.to_csv(room))))
    book = load_workbook(io.BytesIO(report.to_xlsx(room)))
    players = [list(r) for r in book["Players"].iter_rows(values_only=True)]
    questions = [list(r) for r in book["Questions"].iter_rows(values_only=True)]
    nicknames = sorted(r[1] for r in rows[1:])
    assert nicknames == ["'=1+1", "Ann"]
    assert sorted(r[1] for r in players[1:]) == nicknames
    answers = {r[1]: r[4] for r in rows[1:]}
    assert answers["Ann"] == "'+cmd|' /C calc'!A0"
    assert questions[1][1] == "'=HYPERLINK(\"http://x\")"  # the control character is gone, the formula inert
    assert questions[1][3] == "'=1+1 / @SUM(A1)"
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
