"""Option ids are opaque per room: they never tell where an option stands in the deck,
so no fixed id wins across rooms; `shuffle_options` decides only the presented order."""

from __future__ import annotations

from collections import Counter

import pytest
from thaw.domain import game, grading
from thaw.domain.model import Kind, Question
from thaw.rooms import frames

from . import factories as f

KEYED_FIRST = f.choice((0,), ("right", "wrong 1", "wrong 2", "wrong 3"))  # as decks tend to be written


def _room(*questions: Question, seed: int, **options: bool) -> game.Room:
    r = f.room(*questions, seed=seed, opaque_ids=True, **options)
    f.players(r, "Ana", "Ben")
    game.start(r, 0)
    return r


def test_each_option_kind_gets_a_permutation_and_the_others_none() -> None:
    r = f.room(*f.every_kind(), opaque_ids=True)
    for q, ids in zip(r.deck.questions, r.ids, strict=True):
        if q.kind in (Kind.CHOICE, Kind.MULTI, Kind.POLL):
            assert ids is not None and sorted(ids) == list(range(len(q.options)))
        else:
            assert ids is None


def test_answer_zero_is_no_winning_strategy_across_rooms() -> None:
    rooms = 400
    wins = 0
    right_ids = Counter[int]()
    for seed in range(rooms):
        r = _room(KEYED_FIRST, seed=seed)
        game.answer(r, "p-ana", 0, 0, 100)
        wins += bool(r.current_answers()["p-ana"].correct)
        right_ids[frames.correct_of(r, 0)[0]] += 1
    assert 0.15 < wins / rooms < 0.35, wins  # about a quarter, as for a blind guess
    assert set(right_ids) == {0, 1, 2, 3} and min(right_ids.values()) > rooms / 8  # the key takes any id


def test_every_fixed_id_is_a_blind_guess_with_or_without_shuffling() -> None:
    for shuffle in (False, True):
        for fixed in range(4):
            won = 0
            for seed in range(200):
                r = _room(KEYED_FIRST, seed=seed, shuffle_options=shuffle)
                game.answer(r, "p-ana", 0, fixed, 100)
                won += bool(r.current_answers()["p-ana"].correct)
            assert 20 < won < 80, (shuffle, fixed, won)


def test_shuffle_decides_only_the_presented_order() -> None:
    r = _room(KEYED_FIRST, seed=3)
    presented = frames.question_payload(r)["options"]
    assert [o["text"] for o in presented] == list(KEYED_FIRST.options)  # deck order without shuffling
    assert [o["id"] for o in presented] == list(r.ids[0] or ())
    shuffled = [_room(KEYED_FIRST, seed=s, shuffle_options=True) for s in range(30)]
    orders = {tuple(o["text"] for o in frames.question_payload(x)["options"]) for x in shuffled}
    assert len(orders) > 5


def test_ids_name_the_same_options_in_question_answer_reveal_and_distribution() -> None:
    q = f.multi((0, 2), ("A", "B", "C", "D"))
    poll = f.poll(("yes", "no", "maybe"))
    r = _room(q, poll, seed=11, shuffle_options=True)
    text_to_id = {o["text"]: o["id"] for o in frames.question_payload(r)["options"]}
    game.answer(r, "p-ana", 0, [text_to_id["A"], text_to_id["C"]], 100)
    game.answer(r, "p-ben", 0, [text_to_id["A"], text_to_id["D"]], 100)
    assert r.current_answers()["p-ana"].value == [0, 2]  # kept as deck options
    assert frames.wire_answer(r, 0, [0, 2]) == sorted([text_to_id["A"], text_to_id["C"]])
    game.close(r)
    reveal = frames.reveal_payload(r)
    assert reveal["correct"] == sorted([text_to_id["A"], text_to_id["C"]])
    assert reveal["distribution"] == {str(text_to_id["A"]): 2, str(text_to_id["B"]): 0,
                                      str(text_to_id["C"]): 1, str(text_to_id["D"]): 1}
    assert {o["id"]: o["text"] for o in reveal["options"]} == {v: k for k, v in text_to_id.items()}
    assert r.players["p-ana"].results[-1].correct is True and r.players["p-ben"].results[-1].correct is False
    game.advance(r, 0)
    game.advance(r, 1000)
    poll_ids = {o["text"]: o["id"] for o in frames.question_payload(r)["options"]}
    game.answer(r, "p-ana", 1, poll_ids["maybe"], 1100)
    game.close(r)
    assert frames.reveal_payload(r)["distribution"][str(poll_ids["maybe"])] == 1


@pytest.mark.parametrize("seed", range(20))
def test_ids_stay_the_same_for_the_room(seed: int) -> None:
    r = _room(KEYED_FIRST, KEYED_FIRST, seed=seed)
    first = frames.question_payload(r)["options"]
    assert frames.question_now(r, 5000)["options"] == first  # a resync shows the same ids
    game.close(r)
    assert frames.reveal_payload(r)["options"] == first
    assert grading.deck_index(r.option_ids(0), frames.correct_of(r, 0)[0]) == 0
