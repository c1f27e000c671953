"""Authoring lints: each fires on the deck it is about, stays quiet on a good one, and `allow:` silences it."""

from __future__ import annotations

from typing import Any

import pytest
from thaw.cli import main as thaw
from thaw.content.document import check_data
from thaw.content.lints import lint_checked

GOOD: list[dict[str, Any]] = [
    {"kind": "choice", "prompt": "Which river flows through Paris?", "options": ["Seine", "Loire", "Rhône"],
     "correct": "Seine"},
    {"kind": "choice", "prompt": "Largest planet?", "options": ["Mars", "Jupiter", "Venus"], "correct": "Jupiter"},
    {"kind": "truefalse", "prompt": "Spiders are insects.", "correct": False},
]


def codes(questions: list[dict[str, Any]], **deck: Any) -> list[tuple[int | None, str | None]]:
    checked = check_data({"id": "d", "title": "D", "questions": questions, **deck})
    assert checked.deck is not None, checked.problems
    found = lint_checked(checked)
    assert all(w.message and w.code for w in found)
    return [(w.question, w.code) for w in found]


def test_a_good_deck_has_no_warnings() -> None:
    assert codes(GOOD) == []
    half = {"kind": "multi", "prompt": "Tick the primes", "options": ["2", "3", "8", "9"], "correct": ["2", "3"]}
    assert codes([half]) == []  # ticking all four earns nothing


@pytest.mark.parametrize(("question", "code"), [
    ({"kind": "choice", "prompt": "Why did the harvest fail?", "options": ["Rain", "Frost",
      "Because the planners ignored the local soil and climate entirely"],
      "correct": "Because the planners ignored the local soil and climate entirely"}, "long-correct"),
    ({"kind": "choice", "prompt": "Which treaty ended the war in 1919?", "options": ["Versailles treaty",
      "Yalta", "Potsdam"], "correct": "Versailles treaty"}, "repeats-prompt"),
    ({"kind": "choice", "prompt": "Pick any prime", "options": ["2", "3", "4", "5"], "correct": ["2", "3", "5"]},
     "guess-wins"),
    ({"kind": "multi", "prompt": "Tick the primes", "options": ["2", "3", "5", "9"], "correct": ["2", "3", "5"]},
     "guess-wins"),
    ({"kind": "multi", "prompt": "Which rivers cross Paris and Rouen?", "options": ["Seine", "Rouen river", "Loire",
      "Rhine"], "correct": ["Seine", "Rouen river"]}, "repeats-prompt"),
    ({"kind": "truefalse", "prompt": "The sun is a star.", "correct": True, "points": 2000}, "truefalse-double"),
    ({"kind": "truefalse", "prompt": "x" * 121, "correct": True}, "long-prompt"),
    ({"kind": "choice", "prompt": "Which?", "options": ["y" * 76, "z"], "correct": "z"}, "long-option"),
])
def test_each_lint_fires_on_its_case(question: dict[str, Any], code: str) -> None:
    assert (0, code) in codes([question])


def test_an_earlier_explanation_giving_the_answer_away() -> None:
    first = {**GOOD[0], "explanation": "Napoleon was crowned in Notre-Dame, beside the Seine."}
    later = {"kind": "text", "prompt": "Where was Napoleon crowned?", "accept": ["Notre-Dame"]}
    assert (1, "given-away") in codes([{**GOOD[1], "explanation": "Notre-Dame is a cathedral."}, later])
    assert (1, "given-away") not in codes([first, {**GOOD[1]}])


def test_right_answers_clustering_in_one_position() -> None:
    same = [{"kind": "choice", "prompt": f"Question {i}?", "options": [f"right {i}", f"wrong {i}", f"other {i}"],
             "correct": f"right {i}"} for i in range(5)]
    assert (None, "position-cluster") in codes(same)
    mixed = [{**q, "correct": q["options"][i % 3]} for i, q in enumerate(same)]
    assert (None, "position-cluster") not in codes(mixed)


def test_allow_silences_a_lint_with_its_reason() -> None:
    loud = {"kind": "truefalse", "prompt": "The sun is a star.", "correct": True, "points": 2000}
    assert codes([{**loud, "allow": {"truefalse-double": "the final question may swing the game"}}]) == []
    assert codes([loud], allow={"truefalse-double": "a warm-up deck"}) == []


def test_allow_needs_a_known_code_and_a_reason() -> None:
    checked = check_data({"id": "d", "title": "D", "questions": [
        {**GOOD[0], "allow": {"long-correct": ""}}, {**GOOD[1], "allow": {"no-such-lint": "x"}}]})
    assert checked.deck is None
    assert [(p.question, p.field) for p in checked.problems] == [(0, "allow"), (1, "allow")]


def test_thaw_check_lint_prints_warnings_and_still_passes(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    deck = tmp_path / "d.yaml"
    deck.write_text("id: d\ntitle: D\nquestions:\n  - kind: truefalse\n    prompt: Sun a star?\n"
                    "    correct: true\n    points: 2000\n", encoding="utf-8")
    assert thaw(["check", "--lint", str(deck)]) == 0
    out = capsys.readouterr().out
    assert "d.yaml:4: warning [truefalse-double]:" in out and "1 warning" in out
    assert thaw(["check", str(deck)]) == 0
    assert "warning" not in capsys.readouterr().out


def test_check_endpoint_returns_the_warnings() -> None:
    from thaw.app import create_app

    from tests.transport.helpers import TestClient, make_settings, transport_decks

    with TestClient(create_app(make_settings(), transport_decks())) as client:
        body = {"id": "d", "title": "D", "questions": [
            {"kind": "truefalse", "prompt": "Sun a star?", "correct": True, "points": 2000}]}
        response = client.post("/api/decks/check", json=body)
        assert response.status_code == 200
        [warning] = response.json()["warnings"]
        assert warning["question"] == 0 and warning["field"] == "points" and warning["code"] == "truefalse-double"
