"""Text answers in the deck's language: Cyrillic, Turkish and Azerbaijani i, Arabic marks and alefs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from thaw.domain.grading import FOLDINGS, accepted_forms, folding_for, grade, normalise_text
from thaw.domain.model import Kind, Question


def text_question(accepted: tuple[str, ...], lang: str) -> Question:
    return replace(Question(kind=Kind.TEXT, prompt="?", accepted=accepted), fold=folding_for(lang))


def right(accepted: str, typed: str, lang: str) -> bool:
    return bool(grade(text_question((accepted,), lang), None, typed))


@pytest.mark.parametrize(("lang", "fold"), [
    ("ru", "ru"), ("ru-RU", "ru"), ("TR", "tr"), ("az-Latn-AZ", "az"), ("ar-EG", "ar"), ("en", ""), ("", ""),
    ("fr-CA", ""),
])
def test_a_decks_tag_picks_its_folding_once(lang: str, fold: str) -> None:
    assert folding_for(lang) == fold
    assert not fold or fold in FOLDINGS


class TestRussian:
    def test_case_folds_like_any_alphabet(self) -> None:
        assert right("Москва", "МОСКВА", "ru") and right("Москва", "москва", "ru")

    def test_yo_is_written_as_ye(self) -> None:
        """Print mostly leaves the dots off ё: teachers accept "елка" for "ёлка", both ways."""
        assert right("Ёлка", "елка", "ru") and right("елка", "ЁЛКА", "ru")

    def test_short_i_stays_a_letter_of_its_own(self) -> None:
        """й is not и with an accent: "мой" (my) and "мои" (mine, plural) are different answers."""
        assert normalise_text("Мой", "ru") == "мой"
        assert not right("мой", "мои", "ru")

    def test_without_a_language_the_common_rule_is_unchanged(self) -> None:
        assert normalise_text("Мой") == "мои"  # the common rule strips every mark


class TestTurkic:
    @pytest.mark.parametrize("lang", ["tr", "az"])
    def test_dotted_capital_is_dotted_small(self, lang: str) -> None:
        assert normalise_text("İSTANBUL", lang) == "istanbul"
        assert right("İstanbul", "istanbul", lang) and right("istanbul", "İSTANBUL", lang)

    @pytest.mark.parametrize("lang", ["tr", "az"])
    def test_dotless_capital_is_dotless_small(self, lang: str) -> None:
        assert normalise_text("ILIK", lang) == "ılık"
        assert right("ılık", "ILIK", lang)
        assert not right("ılık", "ilik", lang)  # ı and i are two letters

    def test_other_languages_keep_the_usual_capital_i(self) -> None:
        assert normalise_text("ILIK") == "ilik" and normalise_text("ILIK", folding_for("de")) == "ilik"


class TestArabic:
    def test_harakat_are_left_out(self) -> None:
        assert right("العربية", "اَلْعَرَبِيَّةُ", "ar")

    def test_tatweel_is_left_out(self) -> None:
        assert normalise_text("مـحـمـد", "ar") == "محمد"

    @pytest.mark.parametrize("alef", ["أ", "إ", "آ", "ٱ"])
    def test_alef_forms_are_one_alef(self, alef: str) -> None:
        assert normalise_text(alef + "حمد", "ar") == "احمد"

    def test_alef_maksura_is_read_as_yeh(self) -> None:
        assert right("مستشفى", "مستشفي", "ar")

    def test_arabic_punctuation_is_a_space(self) -> None:
        assert normalise_text("نعم، لا؟", "ar") == "نعم لا"


def test_accepted_forms_are_folded_in_the_questions_language() -> None:
    assert accepted_forms(("Ёлка",), "ru") == frozenset({"елка"})
    assert accepted_forms(("İzmir", "IZMIR"), "tr") == frozenset({"izmir", "ızmır"})
