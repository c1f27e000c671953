"""One test per question kind, over the WebSocket: grading as the contract's Kinds
table says, and no trace of the answer in any frame a player gets before the reveal."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from thaw.domain.model import Deck, Kind, Question

from .helpers import serve


@dataclass(frozen=True)
class Case:
    question: Question
    secrets: tuple[str, ...]  # strings that must not appear before the reveal


CASES = {
    "choice": Case(
        Question(kind=Kind.CHOICE, prompt="Who gave the Secret Speech?",
                 options=("Khrushchev", "Malenkov", "Beria", "Molotov"), correct=frozenset({0})),
        (),
    ),
    "multi-choice": Case(
        Question(kind=Kind.CHOICE, prompt="Which two led after Stalin?",
                 options=("Malenkov", "Khrushchev", "Trotsky", "Lenin"), correct=frozenset({0, 1})),
        (),
    ),
    "true-false": Case(
        Question(kind=Kind.CHOICE, prompt="Stalin died in 1953.", options=("True", "False"), correct=frozenset({0})),
        (),
    ),
    "multi": Case(
        Question(kind=Kind.MULTI, prompt="Select every member of the triumvirate.",
                 options=("Malenkov", "Trotsky", "Beria", "Molotov", "Lenin"), correct=frozenset({0, 2, 3})),
        (),
    ),
    "order": Case(
        Question(kind=Kind.ORDER, prompt="Oldest first.",
                 options=("Stalin dies", "Secret Speech", "Sputnik", "Cuban Missile Crisis")),
        (),
    ),
    "number": Case(
        Question(kind=Kind.NUMBER, prompt="In what year was the Secret Speech?", value=1956, tolerance=0,
                 min=1950, max=1965, step=1),
        ("1956",),
    ),
    "text": Case(
        Question(kind=Kind.TEXT, prompt="Who followed Khrushchev as party leader?",
                 accepted=("Brezhnev", "Leonid Brezhnev")),
        ("brezhnev",),
    ),
    "poll": Case(
        Question(kind=Kind.POLL, prompt="Was it a thaw?", options=("Yes", "No", "Partly"), points=0),
        (),
    ),
}


def _right(kind: str, question: dict[str, Any], case: Case) -> Any:
    q = case.question
    if kind == "order":
        by_text = {o["text"]: o["id"] for o in question["options"]}
        return [by_text[text] for text in q.options]
    if kind == "number":
        return 1956
    if kind == "text":
        return "  leonid BREZHNÉV!"  # normalised: case, accents, punctuation, spaces
    if kind == "multi":
        right = {q.options[i] for i in q.correct}
        return [o["id"] for o in question["options"] if o["text"] in right]
    by_text = {o["text"]: o["id"] for o in question["options"]}
    return by_text[q.options[min(q.correct)]] if q.correct else question["options"][0]["id"]


def _wrong(kind: str, question: dict[str, Any], case: Case) -> Any:
    if kind == "order":
        presented = [o["id"] for o in question["options"]]
        reversed_ids = presented[::-1]
        return presented if reversed_ids == _right(kind, question, case) else reversed_ids
    if kind == "number":
        return 1953
    if kind == "text":
        return "Malenkov"
    if kind == "multi":  # one right and one wrong: no credit
        by_text = {o["text"]: o["id"] for o in question["options"]}
        return [by_text["Malenkov"], by_text["Trotsky"]]
    right = {case.question.options[i] for i in case.question.correct}
    wrong = [o["id"] for o in question["options"] if o["text"] not in right]
    return wrong[-1]


@pytest.mark.parametrize("kind", sorted(CASES))
async def test_each_kind_is_graded_and_never_leaks(kind: str) -> None:
    case = CASES[kind]
    deck = Deck(id="one", title="One question", questions=(case.question,))
    async with serve(decks={"one": deck}) as live:
        code, token = await live.create_room("one")
        host = await live.host(code, token)
        right = await live.join(code, "Right")
        wrong = await live.join(code, "Wrong")
        await host.send({"type": "start"})
        question = await right.until("question")
        assert "correct" not in question and "accepted" not in question and "value" not in question
        if kind == "order":
            assert [o["text"] for o in question["options"]] != list(case.question.options)
        await wrong.until("question")

        await right.send({"type": "answer", "index": 0, "answer": _right(kind, question, case)})
        await right.until("answer_ack")
        await wrong.send({"type": "answer", "index": 0, "answer": _wrong(kind, question, case)})
        await wrong.until("answer_ack")

        reveal = await right.until("reveal")
        mine = await right.until("result")
        theirs = await wrong.until("result")

        # Nothing the player who got it wrong received before the reveal names the answer.
        frames = [json.loads(raw) for raw in wrong.log]
        before = frames[: [f["type"] for f in frames].index("reveal")]
        text = json.dumps(before, ensure_ascii=False).casefold()
        for secret in case.secrets:
            assert secret not in text, f"{secret!r} leaked before the reveal"
        assert all("correct" not in f for f in before if f["type"] != "error")

        q = case.question
        if kind == "poll":
            assert reveal["correct"] == []
            assert sum(reveal["distribution"].values()) == 2 and set(reveal["distribution"]) == {"0", "1", "2"}
            assert mine["correct"] is None and theirs["correct"] is None
            assert mine["points"] == theirs["points"] == 0 and mine["streak"] == 0
            return
        assert mine["correct"] is True and mine["points"] > 0
        assert theirs["correct"] is False and theirs["points"] == 0 and theirs["streak"] == 0
        if kind in ("choice", "multi-choice", "true-false", "multi"):
            text_of = {o["id"]: o["text"] for o in question["options"]}
            assert sorted(text_of[i] for i in reveal["correct"]) == sorted(q.options[i] for i in q.correct)
            assert set(reveal["distribution"]) == {str(i) for i in range(len(q.options))}
            assert sum(reveal["distribution"].values()) == (5 if kind == "multi" else 2)  # multi: per selection
        else:
            assert reveal["distribution"] == {"correct": 1, "incorrect": 1}
        if kind == "order":
            assert reveal["correct"] == _right(kind, question, case)
        if kind == "number":
            assert reveal["correct"] == {"value": 1956, "tolerance": 0}
        if kind == "text":
            assert reveal["correct"] == ["Brezhnev", "Leonid Brezhnev"]
