"""A deck's `lang:`: checked where it is written, carried to grading, kept by the Redis store."""

from __future__ import annotations

from thaw.content.document import check_data
from thaw.content.loader import parse_deck
from thaw.domain.grading import grade
from thaw.domain.model import Kind, RoomOptions
from thaw.store.redis.codec import Static as _Static
from thaw.store.redis.codec import static_from_json as _static_from_json
from thaw.store.redis.codec import static_to_json as _static_to_json

PATH = "content/demo.yaml"


def deck_text(lang: str) -> str:
    return (f"id: demo\ntitle: Demo\nlang: {lang}\nquestions:\n"
            "  - {kind: text, prompt: 'Capital of Turkey?', accept: [Ankara]}\n"
            "  - {kind: text, prompt: 'Ёлка?', accept: [Ёлка]}\n")


def test_the_language_reaches_every_question_as_its_folding() -> None:
    deck, problems = parse_deck(deck_text("ru-RU"), PATH)
    assert not problems and deck is not None
    assert deck.lang == "ru-RU"
    assert [q.fold for q in deck.questions] == ["ru", "ru"]
    assert grade(deck.questions[1], None, "ЕЛКА")


def test_a_deck_without_lang_folds_as_before() -> None:
    deck, _ = parse_deck(deck_text("~"), PATH)
    assert deck is not None and deck.lang == "" and {q.fold for q in deck.questions} == {""}


def test_a_language_without_special_rules_is_kept_but_folds_as_usual() -> None:
    deck, _ = parse_deck(deck_text("fr"), PATH)
    assert deck is not None and deck.lang == "fr" and {q.fold for q in deck.questions} == {""}


def test_a_malformed_tag_is_refused_at_its_line() -> None:
    deck, problems = parse_deck(deck_text("russian"), PATH)
    assert deck is None
    assert [str(p) for p in problems] == [
        'content/demo.yaml:3: lang must be a language tag such as "en", "ru" or "tr-TR", not "russian"']


def test_an_unknown_language_is_refused_at_its_line() -> None:
    deck, problems = parse_deck(deck_text("qq"), PATH)
    assert deck is None
    assert [str(p) for p in problems] == [
        'content/demo.yaml:3: lang "qq" is not a known language: use a tag such as "en", "ru" or "tr-TR"']


def test_an_uploaded_deck_names_the_field() -> None:
    checked = check_data({"id": "demo", "title": "Demo", "lang": "english",
                          "questions": [{"kind": "text", "prompt": "Q?", "accept": ["a"]}]})
    assert checked.deck is None
    assert [(p.field, p.message) for p in checked.problems] == [
        ("lang", 'lang must be a language tag such as "en", "ru" or "tr-TR", not "english"')]


def test_the_redis_store_keeps_the_language_and_the_folding() -> None:
    deck, _ = parse_deck(deck_text("tr"), PATH)
    assert deck is not None and deck.questions[0].kind is Kind.TEXT
    static = _Static(uid="u", code="123456", deck=deck, layouts=(None, None), ids=(None, None),
                     options=RoomOptions(), host_token_hash="h", created_at=0)
    again = _static_from_json(_static_to_json(static))
    assert again.deck == deck
