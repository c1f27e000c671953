"""The browser client's message catalogs: every area in every language, with the same keys,
the same placeholders and the plural forms the language has.

The languages and areas are read from static/js/i18n.js, so a language added there
must bring all its catalogs before this test passes (docs/translating.md).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "static"
CATALOGS = STATIC / "i18n"
I18N_JS = (STATIC / "js" / "i18n.js").read_text(encoding="utf-8")
SOURCE = "en"  # the language every other one is compared with (and the client's fallback)
ORDINAL_KEY = "common.ordinal"  # the one message chosen by ordinal rules ("1st", "2nd")

# The same placeholder syntax as i18n.js's fill().
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _languages() -> tuple[str, ...]:
    body = re.search(r"export const LANGUAGES = Object\.freeze\(\{(.*?)\}\);", I18N_JS, re.S)
    assert body, "i18n.js declares LANGUAGES"
    return tuple(re.findall(r"^\s*(\w+):", body.group(1), re.M))


def _areas() -> tuple[str, ...]:
    body = re.search(r"const AREAS = \[(.*?)\];", I18N_JS, re.S)
    assert body, "i18n.js declares AREAS"
    return tuple(re.findall(r'"(\w+)"', body.group(1)))


LANGUAGES = _languages()
AREAS = _areas()
OTHERS = [lang for lang in LANGUAGES if lang != SOURCE]

# CLDR plural categories as the browsers' Intl.PluralRules lists them (Chromium 156,
# Node 20). Cardinals come from Babel when it is installed; this table covers a machine
# without it. Ordinals always come from here: Babel's CLDR 49 gives Spanish an ordinal
# "one" (1.er, 3.er) that browsers do not choose yet, and i18n.js falls back to "other"
# for a category a catalog lacks, so a newer browser still shows a correct rank.
CARDINAL = {
    "en": {"one", "other"},
    "es": {"one", "many", "other"},
    "fr": {"one", "many", "other"},
    "de": {"one", "other"},
    "ru": {"one", "few", "many", "other"},
    "ar": {"zero", "one", "two", "few", "many", "other"},
}
ORDINAL = {
    "en": {"one", "two", "few", "other"},
    "es": {"other"},
    "fr": {"one", "other"},
    "de": {"other"},
    "ru": {"other"},
    "ar": {"other"},
}

Message = str | dict[str, str]


@cache
def cardinal(lang: str) -> frozenset[str]:
    """The plural forms a cardinal message needs in `lang`: Babel's CLDR tags plus "other"."""
    try:
        from babel import Locale
    except ImportError:
        assert lang in CARDINAL, f"{lang}: add its cardinal plural categories to CARDINAL in {__name__}"
        return frozenset(CARDINAL[lang])
    return frozenset(Locale.parse(lang).plural_form.tags | {"other"})


def ordinal(lang: str) -> frozenset[str]:
    assert lang in ORDINAL, f"{lang}: add its ordinal plural categories to ORDINAL in {__name__}"
    return frozenset(ORDINAL[lang])


@cache
def catalog(lang: str, area: str) -> dict[str, Message]:
    path = CATALOGS / lang / f"{area}.json"
    assert path.is_file(), f"{lang}/{area}.json is missing"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        pytest.fail(f"{lang}/{area}.json is not valid JSON: {exc}")
    assert isinstance(data, dict), f"{lang}/{area}.json must be one flat JSON object"
    return data


def placeholders(message: Message) -> set[str]:
    """The {names} a message uses; a plural message's forms together (a form may leave the
    number out where the language says it in words, as Arabic's "two" form does)."""
    texts = message.values() if isinstance(message, dict) else [message]
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


every_catalog = pytest.mark.parametrize(("lang", "area"), [(lang, area) for lang in LANGUAGES for area in AREAS])
every_translation = pytest.mark.parametrize(("lang", "area"), [(lang, area) for lang in OTHERS for area in AREAS])


def test_the_client_ships_at_least_six_languages_in_five_areas() -> None:
    assert {"en", "es", "fr", "de", "ru", "ar"} <= set(LANGUAGES)
    assert set(AREAS) == {"common", "play", "host", "report", "editor"}


def test_no_catalog_outside_the_shipped_languages_and_areas() -> None:
    shipped = {f"{lang}/{area}.json" for lang in LANGUAGES for area in AREAS}
    found = {path.relative_to(CATALOGS).as_posix() for path in CATALOGS.rglob("*") if path.is_file()}
    assert found <= shipped, f"catalogs i18n.js never loads: {sorted(found - shipped)}"


@every_catalog
def test_a_catalog_is_a_flat_object_of_messages_keyed_by_its_area(lang: str, area: str) -> None:
    for key, message in catalog(lang, area).items():
        assert key.startswith(f"{area}."), f"{lang}/{area}: key {key!r} must start with {area!r}."
        if isinstance(message, str):
            assert message.strip(), f"{lang}/{area}: {key} is empty"
            continue
        assert isinstance(message, dict), f"{lang}/{area}: {key} must be a string or an object of plural forms"
        for form, text in message.items():
            assert isinstance(text, str) and text.strip(), f"{lang}/{area}: {key}.{form} must be a non-empty string"


@every_translation
def test_a_translation_has_exactly_the_english_keys(lang: str, area: str) -> None:
    english, translated = catalog(SOURCE, area).keys(), catalog(lang, area).keys()
    missing = [key for key in english if key not in translated]
    extra = [key for key in translated if key not in english]
    assert not (missing or extra), f"{lang}/{area}.json: missing keys {missing}, extra keys (not in English) {extra}"


@every_translation
def test_a_translation_uses_the_english_placeholders(lang: str, area: str) -> None:
    english = catalog(SOURCE, area)
    for key, message in catalog(lang, area).items():
        if key in english:
            want, got = placeholders(english[key]), placeholders(message)
            assert got == want, f"{lang}/{area}: {key} uses {sorted(got)}, English {sorted(want)}"


@every_translation
def test_a_message_is_plural_in_every_language_or_in_none(lang: str, area: str) -> None:
    english = catalog(SOURCE, area)
    for key, message in catalog(lang, area).items():
        if key in english:
            assert isinstance(message, dict) == isinstance(english[key], dict), (
                f"{lang}/{area}: {key} must be {'plural forms' if isinstance(english[key], dict) else 'a string'},"
                " as in English"
            )


@every_catalog
def test_plural_messages_have_exactly_the_language_s_categories(lang: str, area: str) -> None:
    for key, message in catalog(lang, area).items():
        if not isinstance(message, dict):
            continue
        kind, want = ("ordinal", ordinal(lang)) if key == ORDINAL_KEY else ("cardinal", cardinal(lang))
        got = set(message)
        assert got == want, (
            f"{lang}/{area}: {key} has the forms {sorted(got)}; {lang}'s {kind} categories are {sorted(want)}"
            f" (missing {sorted(want - got)}, extra {sorted(got - want)})"
        )


def test_every_language_has_its_ordinal() -> None:
    for lang in LANGUAGES:
        message = catalog(lang, "common").get(ORDINAL_KEY)
        assert isinstance(message, dict), f"{lang}/common: {ORDINAL_KEY} must be ordinal plural forms"
        assert all("{n}" in text for text in message.values()), f"{lang}/common: every {ORDINAL_KEY} form shows {{n}}"
