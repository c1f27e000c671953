"""Quizzes teachers already have: each format read into a deck, every refused row or line named."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from thaw.cli import main as thaw
from thaw.content.document import check_data
from thaw.content.imports import import_bytes

from ..support.kahoot import kahoot_workbook
from ..transport.helpers import TestClient
from .test_deck_upload import client  # noqa: F401  (the fixture)

GIFT = """\
// Moodle export
$CATEGORY: $course$/Geography
::Capital:: What is the capital of France? {=Paris ~Lyon ~Nice#Not quite}

Water boils at 100 °C at sea level. {T}

Who wrote Hamlet? {=Shakespeare =William Shakespeare}

How many legs has a spider? {#8}

Match the animals. {=cat -> meow =dog -> woof}

Write a short essay. {}

Pick the primes {~%50%2 ~%50%3 ~%-100%4 ####Two and three have no divisors but 1 and themselves.}
"""


KAHOOT_ROWS: list[list[object]] = [
    [1, "Capital of France?", "Paris", "Lyon", "Nice", "Lille", 20, 1],
    [2, "Primes?", "2", "3", "4", None, 30, "1,2"],
    [3, "Is the sky blue?", "True", "False", None, None, 10, 1],
    [4, "No right answer", "a", "b", None, None, 20, None],
    [5, "Bad time", "a", "b", None, None, 17, 1],
    [6, "Out of range", "a", "b", None, None, 20, 5],
]


def test_kahoot_workbook_rows_are_questions_or_named_problems() -> None:
    imported = import_bytes("kahoot-xlsx", kahoot_workbook(KAHOOT_ROWS), "Cold war quiz.xlsx")
    kinds = [q["kind"] for q in imported.deck["questions"]]
    assert kinds == ["choice", "choice", "truefalse"]
    assert imported.deck["questions"][1]["correct"] == ["2", "3"]
    assert imported.deck["title"] == "Cold war quiz"
    assert [p.row for p in imported.problems] == [11, 12, 13]
    assert imported.skipped == 3
    assert all(p.line is None for p in imported.problems)
    assert check_data(imported.deck).deck is not None


def test_a_file_that_is_not_a_workbook_is_one_problem() -> None:
    imported = import_bytes("kahoot-xlsx", b"PK\x03\x04 not really", "x.xlsx")
    assert imported.deck["questions"] == []
    assert "xlsx" in imported.problems[0].message


def test_csv_rows_keep_their_row_numbers() -> None:
    text = "Question,Answer 1,Answer 2,Answer 3,Answer 4,Time limit (sec),Correct answer(s)\n" \
           "Capital?,Paris,Lyon,,,20,1\n" \
           "Broken,,,,,20,1\n" \
           "Long?," + "x" * 121 + ",B,,,20,1\n"
    imported = import_bytes("csv", text.encode(), "quiz.csv")
    assert len(imported.deck["questions"]) == 1
    assert sorted({p.row for p in imported.problems}) == [3, 4]
    assert any("121 characters" in p.message for p in imported.problems)
    assert imported.skipped == 2


def test_gift_kinds_and_what_is_skipped() -> None:
    imported = import_bytes("gift", GIFT.encode(), "geo.gift")
    kinds = [q["kind"] for q in imported.deck["questions"]]
    assert kinds == ["choice", "truefalse", "text", "number", "multi"]
    assert imported.deck["questions"][4]["correct"] == ["2", "3"]
    assert imported.deck["questions"][4]["explanation"].startswith("Two and three")
    assert imported.deck["questions"][3]["answer"] == 8
    assert [(p.line, "matching" in p.message or "essay" in p.message) for p in imported.problems] == [
        (11, True), (13, True)]
    assert imported.skipped == 2
    assert check_data(imported.deck).deck is not None


def test_gift_questions_the_validator_refuses_are_reported_at_their_line() -> None:
    text = "Too many {=1 ~2 ~3 ~4 ~5 ~6 ~7}\n\nFine? {T}\n\nBad number {#many}\n"
    imported = import_bytes("gift", text.encode(), "x.gift")
    assert [q["prompt"] for q in imported.deck["questions"]] == ["Fine?"]
    assert [p.line for p in imported.problems] == [1, 5]


def test_yaml_questions_with_problems_are_left_out() -> None:
    text = b"id: q\ntitle: Q\nquestions:\n  - {kind: truefalse, prompt: A, correct: true}\n" \
           b"  - {kind: choice, prompt: B, options: [x, y], correct: z}\n"
    imported = import_bytes("yaml", text, "q.yaml")
    assert [q["prompt"] for q in imported.deck["questions"]] == ["A"]
    assert [p.line for p in imported.problems] == [5]
    assert imported.skipped == 1


def test_the_import_route(client: TestClient) -> None:  # noqa: F811
    response = client.post("/api/import?format=gift&name=geo.gift", content=GIFT.encode())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"deck", "problems", "skipped"}
    assert body["skipped"] == 2
    assert (body["problems"][0]["row"], body["problems"][0]["line"]) == (None, 11)
    hosted = client.post("/api/rooms", json={"deck_data": body["deck"]})
    assert hosted.status_code == 201
    workbook = client.post("/api/import?format=kahoot-xlsx", content=kahoot_workbook(KAHOOT_ROWS))
    assert workbook.status_code == 200 and [p["row"] for p in workbook.json()["problems"]] == [11, 12, 13]
    assert client.post("/api/import?format=docx", content=b"x").status_code == 415
    assert client.post("/api/import", content=b"x").status_code == 415
    big = b"x" * (4 * 1_000_000 + 1)
    assert client.post("/api/import?format=csv", content=big).status_code == 413


@pytest.mark.parametrize("suffix", [".xlsx", ".gift", ".yaml"])
def test_thaw_import_reads_every_format(tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / f"quiz{suffix}"
    if suffix == ".xlsx":
        source.write_bytes(kahoot_workbook(KAHOOT_ROWS[:3]))
    elif suffix == ".gift":
        source.write_text("Capital? {=Paris ~Lyon}\n\nSpider legs? {#8}\n", encoding="utf-8")
    else:
        source.write_text("id: quiz\ntitle: Q\nquestions:\n  - {kind: truefalse, prompt: A, correct: true}\n")
    output = tmp_path / "quiz.yaml" if suffix != ".yaml" else tmp_path / "out" / "quiz.yaml"
    output.parent.mkdir(exist_ok=True)
    assert thaw(["import", str(source), "-o", str(output)]) == 0
    assert thaw(["check", str(output)]) == 0


def test_thaw_import_names_each_refused_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "quiz.gift"
    source.write_text(GIFT, encoding="utf-8")
    assert thaw(["import", str(source), "-o", str(tmp_path / "quiz.yaml")]) == 1
    err = capsys.readouterr().err
    assert f"{source}:line 11:" in err and f"{source}:line 13:" in err
    assert not (tmp_path / "quiz.yaml").exists()


def test_the_gift_sample_in_the_guide_imports_as_described() -> None:
    import re

    guide = (Path(__file__).resolve().parents[2] / "docs" / "authoring.md").read_text(encoding="utf-8")
    [sample] = re.findall(r"```gift\n(.*?)```", guide, re.DOTALL)
    imported = import_bytes("gift", sample.encode(), "rivers.gift")
    assert [q["kind"] for q in imported.deck["questions"]] == ["choice", "truefalse", "text", "number", "number",
                                                              "multi"]
    assert [p.line for p in imported.problems] == [14] and imported.skipped == 1
    assert "matching" in imported.problems[0].message


def test_a_workbook_that_unpacks_too_large_is_refused_before_reading() -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<a>" + b"x" * (41 * 1024 * 1024) + b"</a>")
    imported = import_bytes("kahoot-xlsx", out.getvalue(), "bomb.xlsx")
    assert imported.deck["questions"] == [] and "unpacks to" in imported.problems[0].message


def test_unclosed_gift_braces_are_named() -> None:
    imported = import_bytes("gift", b"Capital? {=Paris ~Lyon\n", "x.gift")
    assert imported.problems[0].line == 1 and "never closed" in imported.problems[0].message


def test_repeated_prompts_and_too_many_questions_name_rows_and_lines() -> None:
    text = "".join(f"Question {i}? {{T}}\n\n" for i in range(102)) + "Question 3? {F}\n"
    imported = import_bytes("gift", text.encode(), "many.gift")
    assert len(imported.deck["questions"]) == 100
    assert [p.line for p in imported.problems] == [201, 203, 205]
    assert "at most 100" in imported.problems[0].message
    csv_text = "Question,Answer 1,Answer 2,Correct answer(s)\nSame?,A,B,1\nOther?,A,B,1\nSame?,C,D,1\n"
    [repeat] = import_bytes("csv", csv_text.encode(), "q.csv").problems
    assert repeat.row == 4 and "repeats the prompt of row 2" in repeat.message
