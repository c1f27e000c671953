"""`thaw import` turns a quiz spreadsheet into a deck that loads, or reports bad rows by number."""

from __future__ import annotations

from pathlib import Path

import pytest
from thaw.content.importer import convert, humanise, main, slug
from thaw.content.loader import load_deck, parse_deck
from thaw.domain.model import Kind

HEADER = (
    "Question,Answer 1,Answer 2,Answer 3,Answer 4,Time limit (sec),Correct answer(s)\n"
)

KAHOOT = (
    "\ufeffQuiz template;;;;;;;\n"
    "Add questions, at least two answer alternatives, a time limit and correct answers;;;;;;;\n"
    ";;;;;;;\n"
    ";Question - max 120 characters;Answer 1 - max 75 characters;Answer 2 - max 75 characters;"
    "Answer 3 - max 75 characters;Answer 4 - max 75 characters;"
    "Time limit (sec) \u2013 5, 10, 20, 30, 60, 90, 120, or 240 secs;"
    "Correct answer(s) - choose at least one\n"
    "1;Who gave the Secret Speech?;Malenkov;Khrushchev;Beria;Molotov;20;2\n"
    "2;Stalin died in 1953;True;False;;;10;1\n"
    '3;Pick a rival of Khrushchev;Malenkov;Beria;Brezhnev;;30;"1, 2"\n'
    "4;Which crop did Khrushchev champion?;Corn;Rice;;;;1\n"
    ";;;;;;;\n"
)


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_kahoot_template_with_bom_semicolons_and_preamble(tmp_path: Path) -> None:
    source = _write(tmp_path, "cold war quiz.csv", KAHOOT)
    output = tmp_path / "cold-war.yaml"
    assert main([str(source), "-o", str(output), "--title", "The Cold War"]) == 0
    deck = load_deck(output)
    assert (deck.id, deck.title) == ("cold-war", "The Cold War")
    speech, died, rival, crop = deck.questions
    assert speech.kind is Kind.CHOICE
    assert speech.options == ("Malenkov", "Khrushchev", "Beria", "Molotov")
    assert speech.correct == frozenset({1})
    assert speech.time_limit_ms == 20_000
    assert died.options == ("True", "False")
    assert died.correct == frozenset({0})
    assert died.time_limit_ms == 10_000
    assert (rival.correct, rival.time_limit_ms) == (frozenset({0, 1}), 30_000)
    assert (crop.options, crop.time_limit_ms) == (("Corn", "Rice"), 20_000)
    assert "kind: truefalse" in output.read_text(encoding="utf-8")


def test_stdout_is_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path, "My_Quiz.csv", HEADER + "Who?,A,B,,,20,2\n")
    assert main([str(source)]) == 0
    out = capsys.readouterr().out
    deck, problems = parse_deck(out, "my-quiz.yaml")
    assert problems == []
    assert deck is not None
    assert (deck.id, deck.title) == ("my-quiz", "My Quiz")
    assert deck.questions[0].correct == frozenset({1})


def test_bad_rows_are_reported_by_row_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "My quiz,,,,,,\n"
        + HEADER
        + "Fine?,A,B,C,,20,1\n"
        + "Too far?,A,B,C,,20,5\n"
        + "Gap?,A,,C,,20,1\n"
        + "Slow?,A,B,,,45,1\n"
        + ",,,,,,\n"
        + "Twice?,Beria,beria,,,20,1\n"
        + "None?,A,B,,,20,\n"
        + "Letter?,A,B,,,20,B\n"
        + ",A,B,,,20,1\n"
        + "Lonely?,A,,,,20,1\n"
    )
    source = _write(tmp_path, "quiz.csv", text)
    output = tmp_path / "quiz.yaml"
    assert main([str(source), "-o", str(output)]) == 1
    assert not output.exists()
    assert capsys.readouterr().err.splitlines() == [
        f"{source}:row 4: correct answer 5 is not one of the 3 answers",
        f"{source}:row 5: answer 2 is empty but a later answer is not",
        f"{source}:row 6: time limit 45 is not one of 5, 10, 20, 30, 60, 90, 120, 240 seconds",
        f'{source}:row 8: option "beria" is listed twice',
        f"{source}:row 9: no correct answer given (write answer numbers, e.g. 2 or 1,3)",
        f'{source}:row 10: correct answer "B" is not an answer number',
        f"{source}:row 11: the question is empty",
        f"{source}:row 12: needs at least 2 answers, found 1",
        "8 problems; nothing written",
    ]


def test_loader_problems_name_the_row(tmp_path: Path) -> None:
    text = (
        HEADER
        + "Same?,A,B,,,20,1\n"
        + "Long?,"
        + "x" * 121
        + ",B,,,20,1\n"
        + "Same?,C,D,,,20,1\n"
    )
    yaml_text, problems = convert(text, "quiz.csv", "quiz", "Quiz")
    assert yaml_text is None
    assert problems == [
        "quiz.csv:row 3: option 1 is 121 characters long (at most 120)",
        "quiz.csv:row 4: repeats the prompt of row 2",
    ]


def test_time_limit_cells(tmp_path: Path) -> None:
    text = HEADER + "A?,a,b,,,60 sec,1\n" + "B?,a,b,,,soon,1\n"
    yaml_text, problems = convert(text, "quiz.csv", "quiz", "Quiz")
    assert yaml_text is None
    assert problems == [
        (
            'quiz.csv:row 3: time limit "soon" is not a number of seconds '
            "(5, 10, 20, 30, 60, 90, 120, 240)"
        )
    ]


def test_windows_1252_file(tmp_path: Path) -> None:
    source = _write(
        tmp_path,
        "quiz.csv",
        HEADER
        + "Who led Poland?,Gomułka,Tito,,,20,1\n".replace("ł", "l")
        + "Café?,Oui,Non,,,20,1\n",
        "cp1252",
    )
    output = tmp_path / "quiz.yaml"
    assert main([str(source), "-o", str(output)]) == 0
    assert load_deck(output).questions[1].prompt == "Café?"


def test_tab_delimited_file(tmp_path: Path) -> None:
    source = _write(
        tmp_path, "quiz.csv", HEADER.replace(",", "\t") + "Q?\tA\tB\t\t\t20\t2\n"
    )
    output = tmp_path / "quiz.yaml"
    assert main([str(source), "-o", str(output)]) == 0
    assert load_deck(output).questions[0].correct == frozenset({1})


def test_no_header_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path, "quiz.csv", "a,b,c\n1,2,3\n")
    assert main([str(source)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{source}: no header row found: expected columns "
        "Question, Answer 1, Answer 2, ..., Time limit (sec), Correct answer(s)"
    )


def test_header_without_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path, "quiz.csv", HEADER)
    assert main([str(source)]) == 1
    assert (
        capsys.readouterr().err.splitlines()[0]
        == f"{source}: no question rows below the header"
    )


def test_id_must_match_output_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path, "quiz.csv", HEADER + "Q?,A,B,,,20,1\n")
    output = tmp_path / "other.yaml"
    assert main([str(source), "-o", str(output), "--id", "quiz"]) == 1
    assert not output.exists()
    assert (
        '--id "quiz" must match the output file name "other.yaml"'
        in capsys.readouterr().err
    )
    assert main([str(source), "--id", "Bad Id"]) == 1
    assert 'may only use lowercase letters, digits and "-"' in capsys.readouterr().err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope.csv")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_bad_arguments_return_a_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: thaw import" in capsys.readouterr().err


def test_names() -> None:
    assert slug("Cold War Quiz (v2)") == "cold-war-quiz-v2"
    assert slug("Café") == "cafe"
    assert slug("???") == "imported"
    assert humanise("my_cold-war quiz") == "My cold war quiz"
