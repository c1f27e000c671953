"""The shared client modules in other languages: numbers, ranks, plural messages, the
confirm dialog and option names follow the page's language, and the language picker
remembers a choice across pages."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

# Runs in the page: the page's own module instances (same URLs), so the page's language.
SAMPLES = """
async () => {
  const dom = await import("/static/js/dom.js");
  const i18n = await import("/static/js/i18n.js");
  const shapes = await import("/static/js/shapes.js");
  return {
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
    number: dom.fmt(12345),
    year: dom.fmtValue(1962),
    half: dom.fmtValue(0.5),
    ranks: [1, 2, 3, 11, 22].map(dom.ordinal),
    seconds: [1, 2, 3, 5, 11, 21].map((count) => i18n.t("common.countdown.left", { count })),
    option: shapes.optionName(0),
  };
}
"""


def samples(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(SAMPLES)
    return result


def test_numbers_ranks_and_plurals_follow_the_page_s_language(ui) -> None:  # type: ignore[no-untyped-def]
    phone = ui.phone()

    phone.goto(f"{ui.base}/?lang=en")
    english = samples(phone)
    assert english["lang"] == "en" and english["dir"] == "ltr"
    assert english["number"] == "12,345" and english["year"] == "1962" and english["half"] == "0.5"
    assert english["ranks"] == ["1st", "2nd", "3rd", "11th", "22nd"]
    assert english["seconds"][:2] == ["1 second left", "2 seconds left"]
    assert english["option"] == "A, triangle"

    phone.goto(f"{ui.base}/?lang=ru")
    russian = samples(phone)
    assert russian["lang"] == "ru" and russian["number"] == "12\u00a0345" and russian["half"] == "0,5"
    assert russian["year"] == "1962"  # a year is never grouped
    assert russian["ranks"][0] == "1-е"
    assert russian["seconds"] == [
        "Осталась 1 секунда",
        "Осталось 2 секунды",
        "Осталось 3 секунды",
        "Осталось 5 секунд",
        "Осталось 11 секунд",
        "Осталась 21 секунда",
    ]
    assert russian["option"] == "A, треугольник"

    phone.goto(f"{ui.base}/?lang=ar")
    arabic = samples(phone)
    assert arabic["lang"] == "ar" and arabic["dir"] == "rtl"
    assert arabic["seconds"][:3] == ["بقيت ثانية واحدة", "بقيت ثانيتان", "بقيت 3 ثوانٍ"]
    assert arabic["option"] == "A، مثلث"  # the letter stays A: every screen shows the same one

    phone.goto(f"{ui.base}/?lang=fr")
    assert samples(phone)["ranks"][:2] == ["1er", "2e"]


def test_the_confirm_dialog_speaks_the_page_s_language(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.phone()
    page.goto(f"{ui.base}/?lang=es")
    page.evaluate(
        """async () => {
        const dom = await import("/static/js/dom.js");
        window.answer = dom.confirmDialog({ title: "¿Seguro?" });
    }"""
    )
    dialog = page.get_by_role("dialog", name="¿Seguro?")
    expect(dialog.get_by_role("button", name="Cancelar")).to_be_visible()
    dialog.get_by_role("button", name="Aceptar").click()
    assert page.evaluate("window.answer") is True


def test_the_language_picker_remembers_a_choice(ui) -> None:  # type: ignore[no-untyped-def]
    phone = ui.phone()
    phone.goto(f"{ui.base}/?lang=ar")  # the join form has the picker
    picker = phone.get_by_role("combobox", name="اللغة")
    expect(picker).to_have_value("ar")
    ui.shot(phone, "phone-language-picker-ar")
    ui.audit(phone, "language picker", width=360)

    picker.select_option("de")
    expect(phone.locator("html")).to_have_attribute("lang", "de")
    assert "lang=" not in phone.url  # the address no longer forces a language
    assert phone.evaluate("localStorage.getItem('thaw.lang')") == "de"
    assert {"name": "thaw_lang", "value": "de"}.items() <= next(
        c for c in phone.context.cookies() if c["name"] == "thaw_lang"
    ).items()

    # Another page on this device: still German, and the picker says so.
    phone.goto(f"{ui.base}/create")
    expect(phone.locator("html")).to_have_attribute("dir", "ltr")  # the editor's top bar has the picker
    expect(phone.get_by_role("combobox", name="Sprache")).to_have_value("de")
    ui.shot(phone, "phone-language-picker-de")
