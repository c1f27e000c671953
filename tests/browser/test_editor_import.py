"""Files teachers already have, imported in the browser: preview, fix, save, host.

A Kahoot! quiz template written by openpyxl and a Moodle GIFT file go through
the library's import (POST /api/import): the preview names every row or line
that was not taken, the rest is saved to the library, checked, fixed in the
editor and hosted. An exported quiz imported again is the same quiz.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from test_editor import LAPTOP, png_bytes, ready, saved_deck
from thaw.content.document import check_data

from tests.support.kahoot import kahoot_workbook

GIFT = """\
// Science, exported from Moodle
::Boiling:: Water boils at 100 °C at sea level. {T}

::Legs:: How many legs has a spider? {#8}

Which gas do plants take in? {=Carbon dioxide ~Oxygen ~Nitrogen ~Helium}

Name the largest planet. {=Jupiter}

Write a short essay on the water cycle. {}
"""


def import_file(ui: Any, page: Page, name: str, data: bytes, mime: str) -> Page:
    page.locator("#lib-file").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name=f"Import {name}")).to_be_visible()
    return page


def host_and_play_first(ui: Any, page: Page, title: str, tap: str) -> None:
    """Host the open quiz; one phone answers the first question (the option `tap`)."""
    page.get_by_role("link", name="Host this quiz").click()
    expect(page.locator(".own-decks input[name=deck]:checked + .deck-card .deck-title")).to_have_text(title)
    page.get_by_role("button", name="Create game").click()
    ui.screen(page, "lobby")
    code = page.locator(".room-code").inner_text().replace(" ", "")
    phone = ui.phone()
    ui.join(phone, code, "Ada")
    expect(page.locator("#lobby-count")).to_have_text("1 player")
    page.keyboard.press("Space")
    ui.screen(phone, "question")
    ui.option(phone, tap).tap()
    ui.screen(page, "reveal")
    ui.screen(phone, "result")
    expect(phone.locator(".result h1")).to_have_text("Correct!")


def test_import_kahoot_and_gift_then_host(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page(LAPTOP)
    page.goto(f"{ui.base}/create")
    ui.screen(page, "library")

    # -- Kahoot! template: one row refers to an answer that is not there -----------
    xlsx = kahoot_workbook([
        [1, "Which planet is the largest?", "Mars", "Jupiter", "Venus", "Earth", 20, "2"],
        [2, "The Sun is a star.", "True", "False", None, None, 10, "1"],
        [3, "Pick an even number", "3", "4", "5", "8", 30, "2,4"],
        [4, "Which ocean is the largest?", "Atlantic", "Indian", "Arctic", None, 20, "5"],
    ])
    import_file(ui, page, "science-kahoot.xlsx", xlsx,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    dialog = page.get_by_role("dialog")
    expect(dialog.locator(".imp-problem")).to_have_count(1)
    expect(dialog.locator(".imp-problem")).to_contain_text(re.compile(r"^Row 11: .*5"))
    expect(dialog.locator(".imp-questions li")).to_have_count(3)
    expect(dialog).to_contain_text("3 questions read, 1 question skipped")
    ui.audit(page, "import preview")
    ui.shot(page, "editor-import-preview")
    dialog.get_by_role("button", name="Save and edit").click()
    ui.screen(page, "editor")
    expect(page.locator(".ed-card")).to_have_count(3)
    expect(page.locator("#q0-prompt")).to_have_value("Which planet is the largest?")
    expect(page.locator("#q0-correct-1")).to_be_checked()
    expect(page.locator("#q1-kind")).to_have_value("truefalse")
    # Fix what was skipped: the missing question, written in the editor.
    page.locator("#add-choice").click()
    page.locator("#q3-prompt").fill("Which ocean is the largest?")
    for i, text in enumerate(["Atlantic", "Indian", "Arctic", "Pacific"]):
        page.locator(f"#q3-options-{i}").fill(text)
    page.locator("#q3-correct-3").check()
    page.locator("#deck-title").fill("Science from Kahoot")
    ready(page)
    host_and_play_first(ui, page, "Science from Kahoot", "Jupiter")

    # -- Moodle GIFT: the essay is reported with its line and skipped ----------------
    page.goto(f"{ui.base}/create")
    expect(page.locator(".lib-title")).to_have_text(["Science from Kahoot"])
    import_file(ui, page, "science.gift", GIFT.encode(), "text/plain")
    dialog = page.get_by_role("dialog")
    essay_line = GIFT.splitlines().index("Write a short essay on the water cycle. {}") + 1
    expect(dialog.locator(".imp-problem")).to_have_count(1)
    expect(dialog.locator(".imp-problem")).to_contain_text(f"Line {essay_line}: ")
    expect(dialog.locator(".imp-questions li")).to_have_count(4)
    dialog.get_by_role("button", name="Save and edit").click()
    ui.screen(page, "editor")
    kinds = [page.locator(f"#q{i}-kind").input_value() for i in range(4)]
    assert kinds == ["truefalse", "number", "choice", "text"], kinds
    page.locator("#deck-title").fill("Science from Moodle")
    ready(page)
    host_and_play_first(ui, page, "Science from Moodle", "True")


def test_export_then_import_changes_nothing(ui, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A quiz exported (YAML alone, or zipped with its images) and imported again is the same quiz."""
    page = ui.page(LAPTOP)
    page.goto(f"{ui.base}/create")
    ui.screen(page, "library")
    image = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    plain = {
        "id": "round-trip", "title": "Round trip: «quotes», 'apostrophes' and <tags>",
        "description": "yes", "notes": "Kept for authors.\n  Indented line.\n",
        "defaults": {"time_limit": 30, "points": 1000},
        "questions": [
            {"kind": "choice", "prompt": "Pick one: a # b", "options": ["1:20", "on", "~", "Null"], "correct": "on",
             "explanation": "Line one.\nLine two."},
            {"kind": "truefalse", "prompt": "True?", "correct": False, "points": 0},
            {"kind": "order", "prompt": "Order these", "items": ["- a", "[b]", "{c}"], "time_limit": 45},
            {"kind": "number", "prompt": "Pi?", "min": 0, "max": 10, "step": 0.01, "answer": 3.14, "tolerance": 0.01},
            {"kind": "text", "prompt": "Capital of Germany?", "accept": ["Berlin", "Berlín, Deutschland"]},
            {"kind": "poll", "prompt": "Fun?", "options": ["Yes", "No"]},
        ],
    }
    with_image = {**plain, "id": "round-trip-images",
                  "questions": [{**plain["questions"][0], "image": image}, *plain["questions"][1:]]}
    assert check_data(plain).problems == [], "the test's deck is valid"
    for deck, suffix in ((plain, ".yaml"), (with_image, ".zip")):
        page.evaluate(
            """async (deck) => {
                const store = await import("/static/js/deckstore.js");
                await store.putQuiz(store.newUid(), deck);
            }""",
            deck,
        )
        page.reload()
        card = page.locator(".lib-card").first
        with page.expect_download() as download:
            card.get_by_role("button", name=re.compile("^Export")).click()
        name = download.value.suggested_filename
        assert name == f"{deck['id']}{suffix}"
        path = tmp_path / name
        download.value.save_as(path)
        import_file(ui, page, name, path.read_bytes(), "application/octet-stream")
        dialog = page.get_by_role("dialog")
        expect(dialog.locator(".imp-questions")).to_be_visible()
        assert dialog.locator(".imp-problem").count() == 0, dialog.locator(".imp-problems").inner_text()
        expect(dialog.locator(".imp-questions li")).to_have_count(len(deck["questions"]))
        dialog.get_by_role("button", name="Save and edit").click()
        ui.screen(page, "editor")
        assert saved_deck(page) == deck, name
        ready(page)
        page.get_by_role("link", name="Your quizzes").click()
        ui.screen(page, "library")
