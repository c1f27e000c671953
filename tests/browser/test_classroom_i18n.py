"""One lesson in three languages: the projector in Spanish, one phone in Arabic and one
in Russian, all in Chromium, play a question. Each screen shows its own language's
text (read from the catalogs), the Arabic phone lays out right to left, and the
others left to right.

Screenshots: test-output/screenshots/classroom-*.png."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.test_host_i18n import _create_room
from tests.browser.test_play_i18n import ordinal, text

NICKNAMES = {"ar": "ليلى", "ru": "Борис"}


def _join(ui: Any, code: str, lang: str) -> Page:
    page = ui.phone()
    page.goto(f"{ui.base}/join/{code}?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(page.locator("#join-title")).to_have_text(text(page, "play.join.title"))
    page.locator("#nickname").fill(NICKNAMES[lang])
    page.get_by_role("button", name=text(page, "play.join.submit"), exact=True).tap()
    ui.screen(page, "lobby")
    expect(page.locator(".big-title")).to_have_text(text(page, "play.lobby.title"))
    ui.shot(page, f"classroom-{lang}-lobby")
    return page


def _starts_right(page: Page) -> bool:
    """Whether a tile starts at the right: its letter (first in the tile) right of its text."""
    tile = page.locator(".answer-btn").first
    letter = tile.locator(".opt-letter").bounding_box()
    words = tile.locator(".opt-text").bounding_box()
    assert letter is not None and words is not None
    return letter["x"] > words["x"]


def test_a_lesson_with_the_projector_in_spanish_and_phones_in_arabic_and_russian(ui) -> None:  # type: ignore[no-untyped-def]
    host = ui.projector()
    host.goto(f"{ui.base}/host?lang=es")
    expect(host.locator("html")).to_have_attribute("lang", "es")
    code = _create_room(ui, host, "Crear partida")
    expect(host.locator("#lobby-count")).to_have_text("Aún no hay jugadores")

    phones = {lang: _join(ui, code, lang) for lang in ("ar", "ru")}
    ar, ru = phones["ar"], phones["ru"]
    expect(host.locator("#lobby-count")).to_have_text("2 jugadores")
    expect(host.locator("#players")).to_contain_text(NICKNAMES["ar"])
    expect(host.locator("#players")).to_contain_text(NICKNAMES["ru"])
    ui.shot(host, "classroom-es-lobby")

    host.keyboard.press("Space")
    ui.screen(host, "question")
    expect(host.locator(".q-count")).to_have_text("Pregunta 1 de 7")
    expect(host.locator("#answered-caption")).to_have_text("de 2 han respondido")
    for page in (ar, ru):
        ui.screen(page, "question")
        expect(page.locator(".q-count")).to_have_text(text(page, "play.question.count", number=1, total=7))
        expect(page.locator(".timer-unit")).to_have_text(text(page, "play.timer.unit"))
    ui.shot(ar, "classroom-ar-question")
    ui.shot(ru, "classroom-ru-question")
    ui.shot(host, "classroom-es-question")
    assert _starts_right(ar) and not _starts_right(ru)
    brand = ar.locator(".brand").bounding_box()
    assert brand is not None and brand["x"] > ar.viewport_size["width"] / 2  # the top bar mirrored too

    ui.option(ar, "Paris").tap()
    ui.screen(ar, "locked")
    expect(ar.locator(".big-title")).to_have_text(text(ar, "play.locked.title"))
    expect(host.locator("#answered-num")).to_have_text("1")
    ui.option(ru, "Lyon").tap()

    ui.screen(host, "reveal")
    expect(host.locator(".q-answered")).to_have_text("2 de 2 han respondido")
    expect(host.locator(".explanation-label")).to_have_text("Por qué")
    for page in (ar, ru):
        ui.screen(page, "result")
    expect(ar.locator(".result h1")).to_have_text(text(ar, "play.result.correct"))
    expect(ar.locator(".result-rank")).to_have_text(text(ar, "play.rank.lead", place=ordinal(ar, 1)))
    expect(ru.locator(".result h1")).to_have_text(text(ru, "play.result.wrong"))
    expect(ru.locator(".result-rank bdi")).to_have_text(NICKNAMES["ar"])
    ui.shot(ar, "classroom-ar-result")
    ui.shot(ru, "classroom-ru-result")
    ui.shot(host, "classroom-es-reveal")

    host.keyboard.press("Space")
    ui.screen(host, "scoreboard")
    expect(host.locator(".screen-title")).to_have_text("Clasificación")
    expect(host.locator(".sb-name")).to_have_text([NICKNAMES["ar"], NICKNAMES["ru"]])
    ui.shot(host, "classroom-es-scoreboard")
