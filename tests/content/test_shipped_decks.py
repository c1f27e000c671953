"""Every deck in content/ loads, is big enough, uses every kind, and cites real seed files."""

from __future__ import annotations

from pathlib import Path

import yaml
from thaw.content.loader import default_content_dir, load_decks
from thaw.domain.model import Deck, Kind

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO.parent / "shared" / "seeds"
EXPECTED_IDS = {
    "khrushchev-rise",
    "secret-speech",
    "thaw",
    "agriculture-economy",
    "cuban-missile-crisis",
    "khrushchev-abroad-and-fall",
}


def _decks() -> dict[str, Deck]:
    return load_decks([REPO / "content"])


def test_content_dir_is_the_repository_content() -> None:
    assert default_content_dir().resolve() == (REPO / "content").resolve()


def test_all_decks_load_and_are_big_enough() -> None:
    decks = _decks()
    assert len(decks) >= 6
    assert set(decks) >= EXPECTED_IDS
    for deck in decks.values():
        assert len(deck.questions) >= 15, deck.id
        assert deck.title, deck.id
        assert deck.description, deck.id
        assert deck.notes, deck.id


def test_every_deck_has_an_order_question() -> None:
    for deck in _decks().values():
        assert any(q.kind is Kind.ORDER for q in deck.questions), deck.id


def test_every_kind_is_used() -> None:
    questions = [q for deck in _decks().values() for q in deck.questions]
    # `multi` is new to the format; the shipped decks gain their multi questions separately.
    assert {q.kind for q in questions} >= set(Kind) - {Kind.MULTI}
    choices = [q for q in questions if q.kind is Kind.CHOICE]
    assert any(q.options == ("True", "False") for q in choices), "no truefalse"
    assert any(len(q.correct) > 1 for q in choices), "no multi-correct choice"


def test_yaml_kinds_cover_the_authoring_vocabulary() -> None:
    kinds = set()
    for path in (REPO / "content").glob("*.yaml"):
        kinds |= {
            q["kind"]
            for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
        }
    assert kinds == {"choice", "truefalse", "order", "number", "text", "poll"}


def test_points_and_time_limits_are_mixed() -> None:
    questions = [q for deck in _decks().values() for q in deck.questions]
    assert {q.points for q in questions} == {0, 1000, 2000}
    assert len({q.time_limit_ms for q in questions}) >= 3
    assert all(q.points == 0 for q in questions if q.kind is Kind.POLL)


def test_every_question_cites_a_seed_and_explains() -> None:
    seeds = {p.name for p in SEEDS.glob("*.txt")} if SEEDS.is_dir() else set()
    for deck in _decks().values():
        for number, question in enumerate(deck.questions, 1):
            where = f"{deck.id} question {number}"
            assert question.sources, where
            assert question.explanation, where
            if seeds:
                assert set(question.sources) <= seeds, where
            else:
                assert all(source.strip() for source in question.sources), where


def test_shipped_text_answers_list_spelling_variants() -> None:
    for deck in _decks().values():
        for question in deck.questions:
            if question.kind is Kind.TEXT:
                assert question.accepted, deck.id
