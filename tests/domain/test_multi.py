"""`multi`: select every option that applies; partial credit `max(0, r - w) / R` of the
speed points, rounded half up; correct (streak, bonus) only for the exact set."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from thaw.domain import game, grading
from thaw.domain.errors import GameError
from thaw.domain.model import Kind, Phase, Question, Room
from thaw.domain.scoring import share, speed_points
from thaw.rooms import frames

from . import factories as f

T = f.T


def round_half_up(x: Fraction) -> int:
    return int((Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@st.composite
def multis(draw: st.DrawFn) -> Question:
    n = draw(st.integers(3, 6))
    right = draw(st.sets(st.integers(0, n - 1), min_size=2, max_size=n - 1))
    return f.multi(tuple(right), tuple(f"option {i}" for i in range(n)))


@st.composite
def multi_and_pick(draw: st.DrawFn) -> tuple[Question, list[int]]:
    q = draw(multis())
    pick = draw(st.sets(st.integers(0, len(q.options) - 1), min_size=1))
    return q, sorted(pick)


@given(multi_and_pick(), st.integers(0, 2000), st.integers(0, T))
def test_partial_credit_is_the_contract_formula(case: tuple[Question, list[int]], points: int, t: int) -> None:
    q, pick = case
    right = len(set(pick) & q.correct)
    wrong = len(set(pick) - q.correct)
    base = speed_points(points, t, T)
    expected = round_half_up(Fraction(base * max(0, right - wrong), len(q.correct)))
    correct = grading.grade(q, None, pick)
    assert correct is (set(pick) == q.correct)
    assert share(base, *grading.credit(q, pick, bool(correct))) == expected


@given(st.integers(0, 4000), st.integers(1, 6), st.integers(1, 6))
def test_share_rounds_half_up(points: int, a: int, b: int) -> None:
    numerator, denominator = min(a, b), max(a, b)
    assert share(points, numerator, denominator) == round_half_up(Fraction(points * numerator, denominator))


def test_share_on_a_half() -> None:
    assert share(1, 1, 2) == 1  # 0.5 rounds up
    assert share(999, 1, 2) == 500  # 499.5
    assert share(1000, 1, 3) == 333 and share(1000, 2, 3) == 667


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "a multi answer is a list of option ids"),
        ([], "a multi answer selects at least one option"),
        ([0, 0], "a multi answer lists each option id at most once"),
        ([0, 4], "option id 4 is not one of this question's options"),
        ([0, True], "a multi answer is a list of option ids"),
        ([0.0], "a multi answer is a list of option ids"),
        (["0"], "a multi answer is a list of option ids"),
    ],
)
def test_malformed_answers_are_refused(value: object, message: str) -> None:
    with pytest.raises(GameError) as err:
        grading.validate(f.multi(), None, value)
    assert (err.value.code, err.value.message) == ("invalid_answer", message)


def _play(picks: dict[str, list[int]], t: int = 0, **options: bool) -> Room:
    """One room, one multi (right: 0 and 2 of 4), everyone answers at `t`, revealed."""
    r = f.room(f.multi(), f.multi(), **options)
    for name in picks:
        f.join(r, name)
    game.start(r, 0)
    for name, pick in picks.items():
        game.answer(r, f"p-{name.lower()}", 0, pick, t)
    if r.phase is Phase.QUESTION:
        game.close(r)
    return r


def test_points_correct_streak_and_bonus_per_pick() -> None:
    r = _play({"Exact": [0, 2], "Half": [0], "Net": [0, 1, 2], "Zero": [0, 1], "All": [0, 1, 2, 3], "Wrong": [3]})
    got = {p.nickname: (p.results[-1].correct, p.results[-1].points, p.streak) for p in r.players.values()}
    assert got == {
        "Exact": (True, 1000, 1),
        "Half": (False, 500, 0),  # r=1, w=0: 1/2
        "Net": (False, 500, 0),  # r=2, w=1: 1/2
        "Zero": (False, 0, 0),  # r=1, w=1
        "All": (False, 0, 0),  # every option: r=2, w=2
        "Wrong": (False, 0, 0),
    }
    reveal = frames.reveal_payload(r)
    assert reveal["correct"] == [0, 2]
    assert reveal["distribution"] == {"0": 5, "1": 3, "2": 3, "3": 2}


def test_partial_credit_resets_the_streak_and_earns_no_bonus() -> None:
    r = f.room(f.multi(), f.multi(), f.multi())
    pid = f.join(r, "Ana")
    f.join(r, "Ben", connected=False)
    game.start(r, 0)
    for index, pick in enumerate(([0, 2], [0, 2], [0])):
        game.answer(r, pid, index, pick, 0)
        game.close(r)
        game.advance(r, 0)
        if index < 2:
            game.advance(r, 0)
    results = r.players[pid].results
    assert [(x.correct, x.points, x.bonus, x.streak) for x in results] == [
        (True, 1000, 0, 1),
        (True, 1000, 100, 2),
        (False, 500, 0, 0),
    ]


def test_the_question_frame_gives_nothing_away() -> None:
    r = f.room(f.multi())
    game.start(r, 0)
    payload = frames.question_payload(r)
    assert payload["kind"] == Kind.MULTI.value
    assert [o["text"] for o in payload["options"]] == list(f.multi().options)
    assert "correct" not in payload and "multiple_correct" not in payload
