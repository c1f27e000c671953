"""The quiz editor and the teacher's library in French and in Arabic.

A teacher makes a quiz of two questions with the page in French (?lang=fr) and
in Arabic (?lang=ar): the form's labels, the kinds, the editor's own messages
(a new question's "things to fill in", the count of problems, "ready to host")
and the library's cards come from that language's catalog, with its plural
forms and its digits; Arabic lays the page out right to left. The expected
texts are read from the catalogs (static/i18n/<lang>/editor.json) or made by
the page's own t(), and each is checked to differ from the English one, so a
text left in English cannot pass. The import preview frames the server's
problems ("Row 11") in the page's language, and the top bar's language picker
switches the page and is remembered.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.kahoot import kahoot_workbook

CATALOGS = Path(__file__).resolve().parents[2] / "static" / "i18n"
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "device_scale_factor": 1}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}


def catalog(lang: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CATALOGS / lang / "editor.json").read_text(encoding="utf-8"))
    return data


def text(lang: str, key: str, same_word: bool = False) -> str:
    """A plain message of `lang`, checked to be translated (not the English text)
    unless the language has the same word ("Question" in French)."""
    message = catalog(lang)[key]
    assert isinstance(message, str), key
    if lang != "en" and not same_word:
        assert message != catalog("en")[key], f"{lang} {key} is still English"
    return message


def said(page: Page, key: str, **values: Any) -> str:
    """A message as the page's own t() writes it (plural form, digits of the language)."""
    result: str = page.evaluate(
        "async ([key, values]) => (await import('/static/js/i18n.js')).t(key, values)", [key, values]
    )
    return result


def open_library(ui: Any, page: Page, lang: str) -> None:
    page.goto(f"{ui.base}/create?lang={lang}")
    ui.screen(page, "library")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(page.locator("h1")).to_have_text(text(lang, "editor.library.title"))


def make_two_questions(ui: Any, page: Page, lang: str) -> None:
    """A new quiz: one choice question (there from the start) and one true/false added."""
    expect(page.locator(".lib-empty")).to_have_text(text(lang, "editor.lib.empty"))
    page.get_by_role("button", name=text(lang, "editor.library.new")).click()
    ui.screen(page, "editor")
    expect(page.locator("h1")).to_have_text(text(lang, "editor.edit.title"))
    expect(page.get_by_label(text(lang, "editor.deck.title"), exact=True)).to_be_focused()
    expect(page.locator("#deck-title")).to_have_attribute("placeholder", text(lang, "editor.deck.titlePlaceholder"))
    page.locator("#deck-title").fill("Capitales" if lang == "fr" else "العواصم")

    # The question's form: its heading, kind, labels and tools in the page's language.
    card = page.locator("#q0")
    expect(card.locator("h2")).to_have_text(said(page, "editor.question.number", n=1))
    expect(page.locator("#q0-kind option:checked")).to_have_text(text(lang, "editor.kind.choice"))
    expect(card.locator("label[for=q0-prompt]")).to_have_text(text(lang, "editor.question.prompt", same_word=True))
    expect(card.locator("legend")).to_have_text(text(lang, "editor.options.legend"))
    expect(card.locator("label[for=q0-time_limit]")).to_have_text(text(lang, "editor.question.time"))
    expect(page.get_by_role("button", name=said(page, "editor.question.delete", n=1))).to_be_visible()
    expect(page.get_by_label(said(page, "editor.option.rightFor", letter="B"))).to_be_visible()

    # A second question: the editor's own message counts what is left to fill in.
    add_tf = page.locator("#add-truefalse")
    expect(add_tf).to_have_text(said(page, "editor.add", label=text(lang, "editor.kind.truefalse")))
    add_tf.click()
    expect(page.locator(".ed-card")).to_have_count(2)
    waiting = page.locator(".ed-card[data-index='1'] .field-msg-waiting")
    expect(waiting).to_be_visible()
    # How many things are left is the server's count; the wording is the catalog's, in every plural form.
    forms = catalog(lang)["editor.check.waiting"]
    shapes = [re.escape(form).replace(r"\{count\}", r"[\d٠-٩]+") for form in forms.values()]
    expect(waiting).to_have_text(re.compile("^(?:" + "|".join(shapes) + ")$"))
    expect(page.locator(".ed-card[data-index='1'] .field-msg-problem")).to_have_count(0)
    expect(page.locator("#q1 .ed-radios")).to_contain_text(text(lang, "editor.truefalse.true"))
    expect(page.locator("#ed-count")).to_have_text(said(page, "editor.questions", count=2))

    # The first question still empty: the check's head counts problems in the page's language.
    head = page.locator("#ed-check .ed-check-head")
    expect(head).to_have_class(re.compile("is-bad"), timeout=15_000)
    problems = page.locator("#ed-check .ed-check-list > li").count()
    expect(head).to_have_text(said(page, "editor.check.toFix", count=problems))

    # Typing in a question shows its problems beside their fields, each announced as a problem.
    page.locator("#q0-prompt").fill("Paris ?" if lang == "fr" else "ما عاصمة فرنسا؟")
    prefix = page.locator(".ed-field[data-q='0'][data-field='options'] .field-msg-problem .visually-hidden").first
    expect(prefix).to_have_text(text(lang, "editor.check.problemPrefix").strip())
    ui.shot(page, f"editor-i18n-{lang}-problems")

    # Filled in: ready to host, said in the page's language.
    for i, city in enumerate(["Lyon", "Paris", "Nice", "Lille"]):
        page.locator(f"#q0-options-{i}").fill(city)
    page.locator("#q0-correct-1").check()
    page.locator("#q1-prompt").fill("Rome est en Italie." if lang == "fr" else "روما في إيطاليا.")
    page.locator("#q1-tf-true").check()
    expect(head).to_have_text(f"✓ {text(lang, 'editor.check.ready')}", timeout=15_000)
    saved_at = text(lang, "editor.save.savedAt").split("{time}")
    expect(page.locator("#ed-saved")).to_have_text(
        re.compile("^" + re.escape(saved_at[0]) + ".+" + re.escape(saved_at[1]) + "$"))


def screenshots(ui: Any, page: Page, name: str) -> None:
    """The same screen on the teacher's laptop (the page as opened) and on a phone (390x844)."""
    size = page.viewport_size
    ui.shot(page, f"{name}-1366x768")
    page.set_viewport_size(PHONE["viewport"])
    page.wait_for_timeout(100)
    ui.shot(page, f"{name}-390x844")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"), name
    if size is not None:
        page.set_viewport_size(size)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_make_a_quiz_in_the_page_language(ui, lang: str) -> None:  # type: ignore[no-untyped-def]
    page = ui.page(LAPTOP)
    open_library(ui, page, lang)
    expect(page.get_by_role("link", name=text(lang, "editor.hostGame"))).to_be_visible()
    expect(page.locator("#topbar select.lang-select")).to_have_value(lang)
    make_two_questions(ui, page, lang)
    ui.audit(page, f"editor in {lang}")
    page.locator("#q0").scroll_into_view_if_needed()
    screenshots(ui, page, f"editor-i18n-{lang}")

    # The library: the card's count and date in the language, its actions named in it.
    page.get_by_role("link", name=text(lang, "editor.library.title")).click()
    ui.screen(page, "library")
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    meta = page.locator(".lib-card .deck-meta")
    expect(meta).to_contain_text(said(page, "editor.questions", count=2))
    assert said(page, "editor.questions", count=2) != said(page, "editor.questions", count=1)
    expect(page.locator("#lib-count")).to_have_text(said(page, "editor.lib.count", count=1))
    title = "Capitales" if lang == "fr" else "العواصم"
    action = said(page, "editor.lib.actionFor", action=text(lang, "editor.duplicate"), title=title)
    expect(page.get_by_role("button", name=action)).to_be_visible()
    if lang == "ar":
        # The page laid out from the right.
        box = page.locator("h1").bounding_box()
        assert box is not None and box["x"] + box["width"] > 1366 / 2, box
    ui.audit(page, f"library in {lang}")
    screenshots(ui, page, f"library-i18n-{lang}")

    # Deleting asks in the language, with the language's own buttons.
    delete = said(page, "editor.lib.actionFor", action=text(lang, "editor.delete"), title=title)
    page.get_by_role("button", name=delete).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text(said(page, "editor.confirm.deleteQuiz", title=title))
    dialog.get_by_role("button", name=text(lang, "editor.cancel")).click()
    expect(page.locator(".lib-card")).to_have_count(1)


def test_import_preview_and_picker_in_french(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page(LAPTOP)
    open_library(ui, page, "fr")
    page.locator("#lib-file").set_input_files(files=[{
        "name": "planetes.xlsx", "buffer": kahoot_workbook([
            [1, "La plus grande planète ?", "Mars", "Jupiter", "Vénus", "Terre", 20, "2"],
            [2, "Le plus grand océan ?", "Atlantique", "Indien", "Arctique", None, 20, "5"],
        ]),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }])
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name=said(page, "editor.imp.title", name="planetes.xlsx"))).to_be_visible()
    # The server's problem, framed by the page: "Ligne 9 : ..."
    place = said(page, "editor.place.prefix", place=said(page, "editor.place.row", n=9))
    expect(dialog.locator(".imp-problem strong")).to_have_text(place)
    read, skipped = said(page, "editor.imp.read", count=1), said(page, "editor.imp.skipped", count=1)
    expect(dialog).to_contain_text(said(page, "editor.imp.readSkipped", read=read, skipped=skipped))
    expect(dialog.get_by_role("button", name=text("fr", "editor.imp.save"))).to_be_visible()
    ui.shot(page, "editor-i18n-fr-import")
    dialog.get_by_role("button", name=text("fr", "editor.cancel")).click()

    # A file Thaw cannot read: said in French, naming the formats it can.
    unknown = {"name": "notes.docx", "mimeType": "application/octet-stream", "buffer": b"x"}
    page.locator("#lib-file").set_input_files(files=[unknown])
    expect(page.locator("#lib-import-status")).to_contain_text("notes.docx")
    expect(page.locator("#lib-import-status")).to_contain_text(".gift ou .txt")

    # The picker in the top bar: German, remembered without ?lang=.
    page.locator("#topbar select.lang-select").select_option("de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page).not_to_have_url(re.compile(r"lang=fr"))
    expect(page.locator("h1")).to_have_text(text("de", "editor.library.title"))
    page.goto(f"{ui.base}/create")
    expect(page.locator("h1")).to_have_text(text("de", "editor.library.title"))
