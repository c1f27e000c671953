"""The shipped decks are fit to project as they are.

Nothing on a phone or the projector speaks to authors (the study texts and their file
names belong in `notes:` and `source:`), the key's position and length give nothing
away, and the scoring rewards knowledge: true/false is never worth double points, and
a question worth nothing is a declared warm-up at the start of a deck.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from thaw.content.document import check_yaml
from thaw.content.lints import lint_checked
from thaw.content.loader import load_decks, parse_deck
from thaw.domain.model import Deck, Kind, Question

REPO = Path(__file__).resolve().parents[2]
AUTHOR_WORDS = re.compile(r"seed|study text|\b\d{3}_[0-9a-f]{16}\b|\.txt\b", re.IGNORECASE)


def _decks() -> dict[str, Deck]:
    return load_decks([REPO / "content"])


def _shown(deck: Deck) -> list[tuple[str, str]]:
    """Every text a player or the projector can see, with where it is."""
    texts = [("title", deck.title), ("description", deck.description)]
    for number, q in enumerate(deck.questions, 1):
        where = f"question {number}"
        texts.append((f"{where} prompt", q.prompt))
        texts += [(f"{where} option", option) for option in q.options]
        texts += [(f"{where} accepted answer", text) for text in q.accepted]
        if q.explanation:
            texts.append((f"{where} explanation", q.explanation))
    return texts


def author_words(deck: Deck) -> list[str]:
    return [f"{deck.id} {where}: {text!r}" for where, text in _shown(deck)
            if AUTHOR_WORDS.search(text)]


def _is_truefalse(q: Question) -> bool:
    return q.kind is Kind.CHOICE and q.options == ("True", "False")


def _single_keys(deck: Deck) -> list[Question]:
    return [q for q in deck.questions if q.kind is Kind.CHOICE and len(q.correct) == 1]


def key_positions(deck: Deck) -> Counter[int]:
    return Counter(next(iter(q.correct)) for q in _single_keys(deck))


def longest_keys(deck: Deck) -> int:
    """How many single-answer, non-true/false questions have a key longer than every other option."""
    count = 0
    for q in _single_keys(deck):
        if _is_truefalse(q):
            continue
        key = next(iter(q.correct))
        if all(len(q.options[key]) > len(o) for i, o in enumerate(q.options) if i != key):
            count += 1
    return count


@pytest.mark.parametrize("deck_id", sorted(_decks()))
def test_nothing_shown_to_the_class_speaks_to_authors(deck_id: str) -> None:
    assert author_words(_decks()[deck_id]) == []


def test_author_words_are_caught() -> None:
    deck, problems = parse_deck(
        "id: t\ntitle: T\nquestions:\n"
        "  - kind: truefalse\n    prompt: One seed says so.\n    correct: true\n"
        "  - kind: truefalse\n    prompt: Fine.\n    correct: true\n"
        "    explanation: See 004_f8a479e1e38ff427.txt\n",
        "t.yaml",
    )
    assert problems == [] and deck is not None
    assert len(author_words(deck)) == 2


@pytest.mark.parametrize("deck_id", sorted(_decks()))
def test_deck_passes_the_authoring_lints(deck_id: str) -> None:
    """Any lint kept on purpose carries its reason under `allow:` in the deck."""
    checked = check_yaml((REPO / "content" / f"{deck_id}.yaml").read_text(encoding="utf-8"))
    assert checked.deck is not None
    assert [f"{w.code}: {w.message}" for w in lint_checked(checked)] == []


@pytest.mark.parametrize("deck_id", sorted(_decks()))
def test_keys_are_spread_over_the_positions(deck_id: str) -> None:
    positions = key_positions(_decks()[deck_id])
    total = sum(positions.values())
    assert total >= 8, positions
    assert max(positions.values()) <= total / 2, positions
    assert len(positions) >= 3, positions


@pytest.mark.parametrize("deck_id", sorted(_decks()))
def test_the_key_is_not_systematically_the_longest_option(deck_id: str) -> None:
    deck = _decks()[deck_id]
    choices = [q for q in _single_keys(deck) if not _is_truefalse(q)]
    assert longest_keys(deck) <= len(choices) / 3


@pytest.mark.parametrize("deck_id", sorted(_decks()))
def test_scoring_rewards_knowledge(deck_id: str) -> None:
    deck = _decks()[deck_id]
    for number, q in enumerate(deck.questions, 1):
        if _is_truefalse(q):
            assert q.points <= 1000, f"question {number}: true/false worth double"
        if q.points == 0 and q.kind is not Kind.POLL:
            assert number == 1, f"question {number}: 0 points mid-deck"
            assert q.prompt.startswith("Warm-up"), f"question {number}: undeclared 0 points"
            assert "warm-up" in deck.notes.lower()
        if q.kind is Kind.CHOICE and len(q.correct) > 1:
            assert len(q.correct) / len(q.options) <= 1 / 3, f"question {number}: guessable"
        if q.kind is Kind.MULTI:
            assert len(q.options) - len(q.correct) >= 2, f"question {number}: 'all but one' wins"


@pytest.mark.parametrize("deck_id", sorted(_decks()))
def test_order_prompts_are_specific(deck_id: str) -> None:
    prompts = [q.prompt for q in _decks()[deck_id].questions if q.kind is Kind.ORDER]
    assert prompts
    assert "Put in order, earliest first." not in prompts


def test_balanced_keys_and_lengths_are_told_apart() -> None:
    text = "id: t\ntitle: T\nquestions:\n" + "".join(
        f"  - kind: choice\n    prompt: Q{i}\n    options: [a long right answer, b, c, d]\n"
        "    correct: a long right answer\n"
        for i in range(8)
    )
    deck, problems = parse_deck(text, "t.yaml")
    assert problems == [] and deck is not None
    assert key_positions(deck) == Counter({0: 8})
    assert longest_keys(deck) == 8
