"""Answer shapes and correctness for every kind (the contract's *Kinds* table)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from thaw.domain import game
from thaw.domain.errors import GameError
from thaw.domain.grading import grade, normalise_text, true_order_ids, validate
from thaw.domain.model import Question
from thaw.rooms import frames

from . import factories as f


def check(question: Question, answer: Any, layout: tuple[int, ...] | None = None) -> bool | None:
    if layout is None and question.options:
        layout = tuple(range(len(question.options)))
    return grade(question, layout, validate(question, layout, answer))


def refused(question: Question, answer: Any, layout: tuple[int, ...] | None = None) -> None:
    if layout is None and question.options:
        layout = tuple(range(len(question.options)))
    with pytest.raises(GameError) as info:
        validate(question, layout, answer)
    assert info.value.code == "invalid_answer"


class TestChoice:
    def test_single_correct(self) -> None:
        q = f.choice((1,))
        assert [check(q, i) for i in range(4)] == [False, True, False, False]

    def test_several_correct_ids_each_count(self) -> None:
        q = f.choice((0, 2, 3))
        assert [check(q, i) for i in range(4)] == [True, False, True, True]

    def test_true_false_is_a_two_option_choice(self) -> None:
        q = f.true_false(False)
        assert check(q, 1) is True and check(q, 0) is False
        refused(q, 2)

    def test_the_presented_order_does_not_change_what_an_id_names(self) -> None:
        q = f.choice((1,))
        layout = (3, 1, 0, 2)
        assert check(q, 1, layout) is True
        assert check(q, 3, layout) is False

    @pytest.mark.parametrize("bad", [-1, 4, 99, 10**30, True, False, 1.0, 1.5, "1", None, [1], {"id": 1}])
    def test_wrong_shapes(self, bad: Any) -> None:
        refused(f.choice(), bad)


class TestOrder:
    def test_identity_layout_true_order_is_0_to_n(self) -> None:
        assert true_order_ids((0, 1, 2, 3)) == [0, 1, 2, 3]

    def test_true_order_as_wire_ids(self) -> None:
        # presented: position 0 shows deck item 2, position 1 item 0, position 2 item 1
        layout = (2, 0, 1)
        assert true_order_ids(layout) == [1, 2, 0]
        q = f.order(("a", "b", "c"))
        assert check(q, [1, 2, 0], layout) is True
        assert check(q, [0, 1, 2], layout) is False  # the presented order is never right
        assert check(q, [2, 1, 0], layout) is False

    def test_ids_are_positions(self) -> None:
        r = f.room(f.order(), opaque_ids=True)
        game.start(r, 0)
        assert [o["id"] for o in frames.question_payload(r)["options"]] == [0, 1, 2, 3]

    @pytest.mark.parametrize("n", [3, 4, 5, 6])
    def test_shuffled_layout_is_never_the_true_order(self, n: int) -> None:
        q = f.order(tuple("abcdef"[:n]))
        for seed in range(300):
            r = f.room(q, q, seed=seed)
            for layout in r.layouts:
                assert layout is not None
                assert sorted(layout) == list(range(n))
                assert list(layout) != list(range(n))
                assert true_order_ids(layout) != list(range(n))

    def test_order_is_shuffled_even_without_shuffle_option(self) -> None:
        r = f.room(f.order(), f.choice(), shuffle_options=False)
        assert r.layouts[0] != (0, 1, 2, 3)
        assert r.layouts[1] == (0, 1, 2, 3)

    @pytest.mark.parametrize(
        "bad",
        [
            [0, 1, 2],
            [0, 1, 2, 3, 3],
            [0, 0, 1, 2],
            [0, 1, 2, 4],
            [-1, 0, 1, 2],
            [0, 1, 2, True],
            [0, 1, 2, 3.0],
            ["0", "1", "2", "3"],
            0,
            "0123",
            None,
            {"0": 1},
            [],
        ],
    )
    def test_wrong_shapes(self, bad: Any) -> None:
        refused(f.order(), bad, (1, 0, 2, 3))


class TestNumber:
    def test_exact(self) -> None:
        q = f.number(1962)
        assert check(q, 1962) is True
        assert check(q, 1962.0) is True
        assert check(q, 1961) is False
        assert check(q, 1962.5) is False

    def test_tolerance_edges_are_inclusive(self) -> None:
        q = f.number(50, tolerance=2.5, minimum=0, maximum=100, step=0.5)
        assert check(q, 47.5) is True
        assert check(q, 52.5) is True
        assert check(q, 47.4) is False
        assert check(q, 52.6) is False
        assert check(q, 47) is False

    def test_decimal_tolerance_not_fooled_by_floats(self) -> None:
        q = f.number(0.3, tolerance=0.1, minimum=0, maximum=1, step=0.1)
        assert check(q, 0.2) is True  # 0.3 - 0.2 == 0.09999999999999998
        assert check(q, 0.4) is True  # 0.4 - 0.3 == 0.10000000000000003
        assert check(q, 0.1 + 0.2) is True

    def test_range_edges(self) -> None:
        q = f.number(1962)
        assert check(q, 1900) is False
        assert check(q, 2000) is False
        refused(q, 1899.999)
        refused(q, 2000.001)

    def test_canonical_value(self) -> None:
        q = f.number(1962)
        assert validate(q, None, 1962.0) == 1962 and isinstance(validate(q, None, 1962.0), int)
        assert validate(q, None, 1962.5) == 1962.5

    @pytest.mark.parametrize(
        "bad",
        [
            "1962",
            None,
            True,
            False,
            [1962],
            {"v": 1962},
            float("nan"),
            float("inf"),
            float("-inf"),
            10**400,
            -(10**400),
            1e300,
        ],
    )
    def test_wrong_shapes(self, bad: Any) -> None:
        refused(f.number(), bad)


class TestText:
    @pytest.mark.parametrize(
        "given",
        [
            "Khrushchev",
            "khrushchev",
            "Khrushchev ",
            "  KHRUSHCHEV",
            "Khrushchëv",
            "Khrushchev!",
            "Khrushchev.",
            "Ｋｈｒｕｓｈｃｈｅｖ",
            "Khrúshchev",
            "Khrushchev?!",
        ],
    )
    def test_normalised_matches(self, given: str) -> None:
        assert check(f.text(("Khrushchev",)), given) is True

    def test_accepted_answers_are_normalised_too(self) -> None:
        q = f.text(("Nikita Khrushchëv", "N. S. Khrushchev"))
        assert check(q, "nikita   khrushchev") is True
        assert check(q, "n s khrushchev") is True
        assert check(q, "khrushchev") is False

    def test_punctuation_becomes_space(self) -> None:
        assert normalise_text("Jean-Paul") == "jean paul"
        assert normalise_text("  a\t\nb  ") == "a b"
        assert normalise_text("ﬁne") == "fine"  # NFKC ligature
        assert normalise_text("Straße") == "strasse"

    @pytest.mark.parametrize("given", ["Kennedy", "Khrush", "Khrushchevv", "Khrushchev Kennedy"])
    def test_wrong(self, given: str) -> None:
        assert check(f.text(("Khrushchev",)), given) is False

    def test_length_limit(self) -> None:
        q = f.text()
        assert check(q, "x" * 100) is False
        refused(q, "x" * 101)

    @pytest.mark.parametrize("bad", ["", "   ", None, 1962, ["Khrushchev"], True])
    def test_wrong_shapes(self, bad: Any) -> None:
        refused(f.text(), bad)


class TestPoll:
    def test_never_scored(self) -> None:
        q = f.poll()
        assert {check(q, i) for i in range(3)} == {None}

    @pytest.mark.parametrize("bad", [-1, 3, "0", None, True, 0.0, [0]])
    def test_wrong_shapes(self, bad: Any) -> None:
        refused(f.poll(), bad)

    def test_poll_in_a_game_changes_no_score_or_streak(self) -> None:
        r = f.room(f.choice(), f.poll(), f.choice())
        a, b = f.players(r, "Ann", "Bob")
        game.start(r, 0)
        game.answer(r, a, 0, 1, 100)
        game.answer(r, b, 0, 1, 100)
        game.advance(r, 200)
        game.advance(r, 300)
        game.advance(r, 1000)
        game.answer(r, a, 1, 0, 1100)  # b does not answer the poll
        game.close(r)
        for pid in (a, b):
            res = r.players[pid].results[-1]
            assert (res.correct, res.points, res.bonus, res.streak) == (None, 0, 0, 1)
        assert r.players[a].results[-1].answered is True
        assert r.players[b].results[-1].answered is False


def test_random_layouts_still_grade_choice_by_deck_index() -> None:
    rng = random.Random(7)
    q = f.choice((2,))
    for _ in range(50):
        layout = list(range(4))
        rng.shuffle(layout)
        assert check(q, 2, tuple(layout)) is True
