"""The loader maps YAML to questions and reports every mistake at its file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from thaw.content.loader import default_content_dir, load_deck, load_decks, parse_deck
from thaw.content.problems import DeckError, Problem
from thaw.domain.model import Kind

PATH = "content/demo.yaml"
HEAD = "id: demo\ntitle: Demo\nquestions:\n"  # the first question starts on line 4
ONE = "  - {kind: truefalse, prompt: Q, correct: true}\n"


def _problems(body: str, head: str = HEAD) -> list[str]:
    deck, found = parse_deck(head + textwrap.dedent(body), PATH)
    assert deck is None
    return [str(problem) for problem in found]


GOOD = """\
id: demo
title: Demo deck
description: For tests.
notes: |
  A note.
defaults: {time_limit: 30, points: 2000}
questions:
  - kind: choice
    prompt: "Who?"
    options: ["Malenkov", "Beria", "Molotov"]
    correct: "Beria"
    source: 001.txt
  - kind: choice
    prompt: "Pick a rival"
    options: ["Malenkov", "Beria", "Brezhnev"]
    correct: ["malenkov", "Beria"]
    time_limit: 10
    points: 0
    source: [001.txt, 003.txt]
  - kind: truefalse
    prompt: "Stalin died in 1953."
    correct: true
  - kind: order
    prompt: "Order"
    items: ["first", "second", "third"]
  - kind: number
    prompt: "Year?"
    min: 1950
    max: 1970
    step: 1
    answer: 1956
    tolerance: 1
  - kind: text
    prompt: "Who spoke?"
    accept: "Khrushchev"
  - kind: poll
    prompt: "Opinion?"
    options: [1953, 1956]
    explanation: "No wrong answer."
  - kind: choice
    prompt: "Year of the speech?"
    options: [1953, 1956]
    correct: 1956
"""


def test_good_deck_maps_to_questions() -> None:
    deck, problems = parse_deck(GOOD, PATH)
    assert problems == []
    assert deck is not None
    assert (deck.id, deck.title, deck.description, deck.path) == (
        "demo",
        "Demo deck",
        "For tests.",
        PATH,
    )
    assert deck.notes == "A note."
    choice, multi, truefalse, order, number, text, poll, years = deck.questions
    assert choice.kind is Kind.CHOICE
    assert choice.options == ("Malenkov", "Beria", "Molotov")
    assert choice.correct == frozenset({1})
    assert (choice.time_limit_ms, choice.points, choice.line) == (30_000, 2000, 8)
    assert choice.sources == ("001.txt",)
    assert multi.correct == frozenset({0, 1})
    assert (multi.time_limit_ms, multi.points, multi.sources) == (
        10_000,
        0,
        ("001.txt", "003.txt"),
    )
    assert truefalse.kind is Kind.CHOICE
    assert truefalse.options == ("True", "False")
    assert truefalse.correct == frozenset({0})
    assert order.kind is Kind.ORDER
    assert order.options == ("first", "second", "third")
    assert number.kind is Kind.NUMBER
    assert (number.min, number.max, number.step, number.value, number.tolerance) == (
        1950,
        1970,
        1,
        1956,
        1,
    )
    assert text.kind is Kind.TEXT
    assert text.accepted == ("Khrushchev",)
    assert poll.kind is Kind.POLL
    assert (poll.options, poll.points) == (("1953", "1956"), 0)
    assert poll.correct == frozenset()
    assert poll.explanation == "No wrong answer."
    assert years.correct == frozenset({1})


def test_multi_maps_to_its_own_kind() -> None:
    deck, problems = parse_deck(
        HEAD + '  - {kind: multi, prompt: "Q", options: [A, B, C, D], correct: [d, B]}\n', PATH
    )
    assert problems == []
    assert deck is not None
    question = deck.questions[0]
    assert (question.kind, question.options, question.correct) == (Kind.MULTI, ("A", "B", "C", "D"), frozenset({1, 3}))


def test_defaults_are_optional() -> None:
    deck, problems = parse_deck(
        HEAD + '  - {kind: truefalse, prompt: "Q", correct: false}\n', PATH
    )
    assert problems == []
    assert deck is not None
    question = deck.questions[0]
    assert (question.time_limit_ms, question.points, question.correct) == (
        20_000,
        1000,
        frozenset({1}),
    )


QUESTION_CASES = [
    pytest.param(
        """\
          - kind: pol
            prompt: "Q"
        """,
        '4: question 1: unknown kind "pol" (did you mean "poll"? '
        "expected one of choice, truefalse, order, number, text, poll, multi)",
        id="unknown-kind",
    ),
    pytest.param(
        """\
          - prompt: "Q"
        """,
        "4: question 1: kind is missing (one of choice, truefalse, order, number, text, poll, multi)",
        id="missing-kind",
    ),
    pytest.param(
        """\
          - kind: choice
            prompt: "Q"
            options: ["A", "B"]
            correct: "A"
            corect: "B"
        """,
        '8: question 1 (choice): unknown field "corect" (did you mean "correct"?)',
        id="typo-key",
    ),
    pytest.param(
        """\
          - kind: choice
            prompt: "Q"
            items: ["A", "B", "C"]
            options: ["A", "B"]
            correct: "A"
        """,
        '6: question 1 (choice): "items" is not used by choice questions',
        id="other-kinds-key",
    ),
    pytest.param(
        """\
          - kind: truefalse
            correct: true
        """,
        "4: question 1 (truefalse): prompt is missing",
        id="missing-prompt",
    ),
    pytest.param(
        """\
          - kind: truefalse
            prompt: "   "
            correct: true
        """,
        "5: question 1 (truefalse): prompt is empty",
        id="empty-prompt",
    ),
    pytest.param(
        f"""\
          - kind: truefalse
            prompt: "{"x" * 301}"
            correct: true
        """,
        "5: question 1 (truefalse): prompt is 301 characters long (at most 300)",
        id="long-prompt",
    ),
    pytest.param(
        """\
          - kind: choice
            prompt: "Q"
            options: ["A", ""]
            correct: "A"
        """,
        "6: question 1 (choice): option 2 is empty",
        id="empty-option",
    ),
    pytest.param(
        f"""\
          - kind: poll
            prompt: "Q"
            options:
              - "A"
              - "{"y" * 121}"
        """,
        "8: question 1 (poll): option 2 is 121 characters long (at most 120)",
        id="long-option",
    ),
    pytest.param(
        """\
          - kind: choice
            prompt: "Q"
            options:
              - "Beria"
              - " beria  "
            correct: "Beria"
        """,
        '8: question 1 (choice): option "beria" is listed twice',
        id="duplicate-option",
    ),
    pytest.param(
        """\
          - kind: choice
            prompt: "Q"
            options: ["Malenkov", "Molotov"]
            correct: "Beria"
        """,
        '7: question 1 (choice): correct answer "Beria" is not among the options',
        id="correct-not-an-option",
    ),
    pytest.param(
        """\
          - kind: choice
            prompt: "Q"
            options: ["A", "B"]
        """,
        "4: question 1 (choice): correct is missing: "
        "give the text of the right option, or a list of them",
        id="choice-without-correct",
    ),
    pytest.param(
        """\
          - kind: choice
            prompt: "Q"
            options: ["A", "B"]
            correct: []
        """,
        "7: question 1 (choice): correct is empty: a choice needs at least one correct option",
        id="choice-empty-correct",
    ),
    pytest.param(
        """\
          - kind: choice
            prompt: "Q"
            options: ["A", "B"]
            correct: ["A", "B"]
        """,
        "7: question 1 (choice): every option is marked correct: "
        "use kind: poll if no answer is wrong",
        id="all-correct",
    ),
    pytest.param(
        """\
          - kind: choice
            prompt: "Q"
            options: ["A"]
            correct: "A"
        """,
        "6: question 1 (choice): needs 2 to 6 options, got 1",
        id="one-option",
    ),
    pytest.param(
        """\
          - kind: truefalse
            prompt: "Q"
            correct: maybe
        """,
        "6: question 1 (truefalse): correct must be true or false, not text",
        id="truefalse-not-bool",
    ),
    pytest.param(
        """\
          - kind: poll
            prompt: "Q"
            options: ["A", "B"]
            correct: "A"
        """,
        "7: question 1 (poll): a poll has no correct answer: "
        'remove "correct" (or use kind: choice)',
        id="poll-with-correct",
    ),
    pytest.param(
        """\
          - kind: order
            prompt: "Q"
            items: ["A", "B"]
        """,
        "6: question 1 (order): needs 3 to 6 items, got 2",
        id="order-too-few",
    ),
    pytest.param(
        """\
          - kind: order
            prompt: "Q"
            items: ["A", "B", "C", "D", "E", "F", "G"]
        """,
        "6: question 1 (order): needs 3 to 6 items, got 7",
        id="order-too-many",
    ),
    pytest.param(
        """\
          - kind: number
            prompt: "Q"
            min: 1970
            max: 1950
            answer: 1956
        """,
        "7: question 1 (number): min 1970 must be less than max 1950",
        id="min-not-below-max",
    ),
    pytest.param(
        """\
          - kind: number
            prompt: "Q"
            min: 1950
            max: 1970
            answer: 1980
        """,
        "8: question 1 (number): answer 1980 is outside min..max (1950 to 1970)",
        id="answer-outside",
    ),
    pytest.param(
        """\
          - kind: number
            prompt: "Q"
            min: 1950
            max: 1970
            step: 0
            answer: 1956
        """,
        "8: question 1 (number): step must be greater than 0, not 0",
        id="step-zero",
    ),
    pytest.param(
        """\
          - kind: number
            prompt: "Q"
            min: 1950
            max: 1970
            answer: 1956
            tolerance: -1
        """,
        "9: question 1 (number): tolerance must be 0 or more, not -1",
        id="negative-tolerance",
    ),
    pytest.param(
        """\
          - kind: number
            prompt: "Q"
            min: 0
            max: 10
            step: 2
            answer: 5
        """,
        "9: question 1 (number): answer 5 cannot be entered: from min 0 in steps of 2 the nearest "
        "value is 4 (change step or add a tolerance)",
        id="answer-off-grid",
    ),
    pytest.param(
        """\
          - kind: number
            prompt: "Q"
            min: 1950
            max: "later"
            answer: 1956
        """,
        "7: question 1 (number): max must be a number, not text",
        id="number-not-a-number",
    ),
    pytest.param(
        """\
          - kind: text
            prompt: "Q"
        """,
        "4: question 1 (text): accept is missing",
        id="text-without-accept",
    ),
    pytest.param(
        """\
          - kind: text
            prompt: "Q"
            accept: []
        """,
        "6: question 1 (text): accept is empty: list at least one accepted answer",
        id="text-empty-accept",
    ),
    pytest.param(
        f"""\
          - kind: text
            prompt: "Q"
            accept: ["ok", "{"z" * 101}"]
        """,
        "6: question 1 (text): accepted answer 2 is 101 characters long (at most 100)",
        id="text-long-accept",
    ),
    pytest.param(
        """\
          - kind: text
            prompt: "Q"
            accept: ["Khrushchev", "KHRUSHCHËV"]
        """,
        '6: question 1 (text): accepted answer "KHRUSHCHËV" is the same as "Khrushchev" once '
        "normalised (case, accents and punctuation are ignored): remove one",
        id="text-redundant-accept",
    ),
    pytest.param(
        """\
          - kind: truefalse
            prompt: "Q"
            correct: true
            time_limit: 4
        """,
        "7: question 1 (truefalse): time_limit 4 is out of range (5 to 240 seconds)",
        id="time-too-short",
    ),
    pytest.param(
        """\
          - kind: truefalse
            prompt: "Q"
            correct: true
            time_limit: 241
        """,
        "7: question 1 (truefalse): time_limit 241 is out of range (5 to 240 seconds)",
        id="time-too-long",
    ),
    pytest.param(
        """\
          - kind: truefalse
            prompt: "Q"
            correct: true
            time_limit: 2.5
        """,
        "7: question 1 (truefalse): time_limit must be a whole number, not a number",
        id="time-not-whole",
    ),
    pytest.param(
        """\
          - kind: truefalse
            prompt: "Q"
            correct: true
            points: 500
        """,
        "7: question 1 (truefalse): points 500 is not allowed (use 0, 1000 or 2000)",
        id="points-not-allowed",
    ),
    pytest.param(
        """\
          - kind: poll
            prompt: "Q"
            options: ["A", "B"]
            points: 1000
        """,
        "7: question 1 (poll): a poll is never scored: points must be 0, not 1000",
        id="poll-with-points",
    ),
    pytest.param(
        """\
          - kind: truefalse
            prompt: "Q"
            prompt: "Q again"
            correct: true
        """,
        '6: duplicate key "prompt" (first given at line 5)',
        id="duplicate-key",
    ),
    pytest.param(
        """\
          - kind: multi
            prompt: "Q"
            options: ["A", "B"]
            correct: ["A", "B"]
        """,
        "6: question 1 (multi): needs 3 to 6 options, got 2",
        id="multi-two-options",
    ),
    pytest.param(
        """\
          - kind: multi
            prompt: "Q"
            options: ["A", "B", "C"]
            correct: "A"
        """,
        "7: question 1 (multi): a multi needs at least 2 correct options (with one right option use kind: choice)",
        id="multi-one-correct",
    ),
    pytest.param(
        """\
          - kind: multi
            prompt: "Q"
            options: ["A", "B", "C"]
            correct: ["A", "B", "C"]
        """,
        "7: question 1 (multi): every option is marked correct: use kind: poll if no answer is wrong",
        id="multi-all-correct",
    ),
    pytest.param(
        """\
          - kind: multi
            prompt: "Q"
            options: ["A", "B", "C", "D", "E", "F", "G"]
            correct: ["A", "B"]
        """,
        "6: question 1 (multi): needs 3 to 6 options, got 7",
        id="multi-seven-options",
    ),
    pytest.param(
        """\
          - "just a string"
        """,
        "4: question 1 must be a mapping with kind and prompt, not text",
        id="question-not-a-mapping",
    ),
    pytest.param(
        """\
          - {kind: truefalse, prompt: "Same", correct: true}
          - {kind: truefalse, prompt: "same ", correct: false}
        """,
        "5: question 2: repeats the prompt of question 1",
        id="repeated-prompt",
    ),
]


@pytest.mark.parametrize(("body", "expected"), QUESTION_CASES)
def test_question_problem_is_reported_at_its_line(body: str, expected: str) -> None:
    assert _problems(body) == [f"{PATH}:{expected}"]


DECK_CASES = [
    pytest.param(
        "title: T\nquestions:\n  - {kind: truefalse, prompt: Q, correct: true}\n",
        "1: id is missing",
        id="missing-id",
    ),
    pytest.param(
        "id: demo\nquestions:\n  - {kind: truefalse, prompt: Q, correct: true}\n",
        "1: title is missing",
        id="missing-title",
    ),
    pytest.param(
        "id: Secret_Speech\ntitle: T\nquestions:\n" + ONE,
        '1: id "Secret_Speech" may only use lowercase letters, digits and "-"',
        id="bad-id",
    ),
    pytest.param(
        "id: demo\ntitle: T\n",
        "1: questions is missing: a deck needs at least one question",
        id="no-questions",
    ),
    pytest.param(
        "id: demo\ntitle: T\nquestions: []\n",
        "3: questions is empty: a deck needs at least one question",
        id="empty-questions",
    ),
    pytest.param(
        "id: demo\ntitle: T\nquestions: lots\n",
        "3: questions must be a list, not text",
        id="questions-not-list",
    ),
    pytest.param(
        "id: demo\ntitle: T\nauthor: me\nquestions:\n" + ONE,
        '3: unknown field "author"',
        id="unknown-deck-key",
    ),
    pytest.param(
        "id: demo\ntitle: T\ndefaults: {time_limit: 300}\nquestions:\n" + ONE,
        "3: defaults: time_limit 300 is out of range (5 to 240 seconds)",
        id="bad-default",
    ),
    pytest.param(
        "- id: demo\n",
        "1: a deck must be a mapping with id, title and questions, not a list",
        id="not-a-mapping",
    ),
    pytest.param(
        "",
        "1: the file is empty: a deck needs id, title and questions",
        id="empty-file",
    ),
    pytest.param(
        'id: demo\ntitle: T\nquestions:\n  - kind: choice\n    prompt: "Q\n    options: [A, B]\n',
        "7: YAML syntax error: found unexpected end of stream",
        id="yaml-syntax",
    ),
    pytest.param(
        "id: demo\ntitle: T\nquestions:\n  - kind: choice\n   prompt: Q\n",
        "5: YAML syntax error: expected <block end>, but found '<block mapping start>'",
        id="yaml-indent",
    ),
    pytest.param(
        "id: a\n---\nid: b\n",
        "2: YAML syntax error: one deck per file: found a second YAML document",
        id="two-documents",
    ),
]


@pytest.mark.parametrize(("text", "expected"), DECK_CASES)
def test_deck_problem_is_reported_at_its_line(text: str, expected: str) -> None:
    deck, found = parse_deck(text, PATH)
    assert deck is None
    assert [str(problem) for problem in found] == [f"{PATH}:{expected}"]


def test_all_problems_of_a_file_are_reported_in_line_order() -> None:
    found = _problems(
        """\
          - kind: choice
            prompt: "Q"
            options: ["A", "B"]
            correct: "C"
          - kind: order
            prompt: "R"
            items: ["A"]
          - kind: number
            prompt: "S"
            min: 1
            max: 2
            answer: 3
        """
    )
    assert [problem.split(": ", 1)[0] for problem in found] == [
        f"{PATH}:7",
        f"{PATH}:10",
        f"{PATH}:15",
    ]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _deck_text(deck_id: str) -> str:
    return f"id: {deck_id}\ntitle: {deck_id}\nquestions:\n" + ONE


def test_load_decks_reads_directories_sorted_and_files(tmp_path: Path) -> None:
    _write(tmp_path / "d" / "b.yaml", _deck_text("b"))
    _write(tmp_path / "d" / "a.yml", _deck_text("a"))
    _write(tmp_path / "d" / "readme.txt", "not a deck")
    _write(tmp_path / "d" / ".#b.yaml", "editor lock file")
    single = _write(tmp_path / "c.yaml", _deck_text("c"))
    decks = load_decks([tmp_path / "d", str(single), tmp_path / "d" / "b.yaml"])
    assert list(decks) == ["a", "b", "c"]


def test_load_decks_collects_problems_across_files(tmp_path: Path) -> None:
    _write(tmp_path / "one" / "x.yaml", _deck_text("x"))
    _write(tmp_path / "two" / "x.yaml", _deck_text("x"))
    _write(tmp_path / "two" / "y.yaml", _deck_text("zed"))
    _write(tmp_path / "two" / "z.yaml", "id: z\ntitle: Z\nquestions: []\n")
    with pytest.raises(DeckError) as caught:
        load_decks([tmp_path / "one", tmp_path / "two", tmp_path / "missing.yaml"])
    problems = caught.value.problems
    messages = {(Path(p.path).name, p.line, p.message) for p in problems}
    assert messages == {
        ("x.yaml", 1, f'deck id "x" is already used by {tmp_path / "one" / "x.yaml"}'),
        ("y.yaml", 1, 'deck id "zed" must match the file name "y"'),
        ("z.yaml", 3, "questions is empty: a deck needs at least one question"),
        ("missing.yaml", 0, "no such file or directory"),
    }
    assert str(caught.value).count("\n") == len(problems) - 1


def test_load_decks_reports_an_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(DeckError) as caught:
        load_decks([tmp_path])
    assert [p.message for p in caught.value.problems] == [
        "no .yaml decks in this directory"
    ]


def test_load_deck_raises_with_every_problem(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "demo.yaml",
        "id: demo\nquestions:\n  - {kind: poll, prompt: Q, options: [A]}\n",
    )
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (1, "title is missing"),
        (3, "question 1 (poll): needs 2 to 6 options, got 1"),
    ]


def test_load_deck_returns_the_deck(tmp_path: Path) -> None:
    deck = load_deck(_write(tmp_path / "demo.yaml", _deck_text("demo")))
    assert deck.id == "demo"
    assert len(deck.questions) == 1


def test_non_utf8_file_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_bytes(b"id: demo\ntitle: Caf\xe9\n")
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (2, "not UTF-8 text: save the file as UTF-8")
    ]


def test_problem_and_error_strings() -> None:
    assert str(Problem("content/a.yaml", 42, "boom")) == "content/a.yaml:42: boom"
    assert str(Problem("content", 0, "empty")) == "content: empty"
    error = DeckError([Problem("a.yaml", 1, "x"), Problem("b.yaml", 2, "y")])
    assert str(error) == "a.yaml:1: x\nb.yaml:2: y"


def test_content_dir_can_be_overridden(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("THAW_CONTENT", str(tmp_path))
    assert default_content_dir() == tmp_path
    monkeypatch.delenv("THAW_CONTENT")
    assert default_content_dir().name == "content"


def test_a_string_that_is_not_valid_text_is_a_problem_at_its_line() -> None:
    """A YAML `\\ud800` escape (or a bad spreadsheet cell) never becomes deck text."""
    text = 'id: bad\ntitle: Bad\nquestions:\n  - kind: choice\n    prompt: "Evil \\ud800"\n' \
           '    options: ["a", "b"]\n    correct: "a"\n'
    deck, problems = parse_deck(text, "bad.yaml")
    assert deck is None
    assert [(p.line, p.message.split(": ", 1)[1]) for p in problems] == [
        (5, "prompt is not valid text (it holds an unpaired surrogate)")]
