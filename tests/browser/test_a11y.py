"""axe-core on every screen, in English and in Arabic (right to left).

The host page (deck picker, lobby with players, question, its results, the
scoreboard, the podium), the player's page (join, lobby, question, answered,
result, scoreboard, final), the editor and its library, and the report: none may
have a serious or critical axe violation. axe-core is the npm package pinned in
tests/browser/package-lock.json (installed by .ci/setup); it is injected into the
page by the test, never served by the app. Injected scripts are inline, which the
app's Content-Security-Policy refuses, so these contexts bypass the policy (the
other browser tests keep it).

The screens are reached by structure (ids, classes, keys), not by their English
words, so the Arabic run does not depend on how far the catalogs are translated.
Screenshots of each screen at phone and projector sizes go to
test-output/screenshots/a11y-*.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import HERE, PHONE, PROJECTOR, Ui

AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
DECK = "Every kind <b>of</b> question"
# Its questions after the first (a choice of one, played with answers).
KINDS = ["multi", "truefalse", "order", "number", "text", "poll"]
# WCAG 2.x A and AA rules and axe's best practices; only these impacts fail a screen.
FAILING = {"serious", "critical"}
RUN = """
async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
  }));
}
"""

LANGS = ["en", "ar"]
# A page that does not import i18n.js (yet) gets it imported here, so that it is
# checked with <html lang dir> set as the module sets them; a top bar without the
# language picker gets one, so that the picker is checked on every page too.
WIRE = """
async () => {
  const i18n = await import("/static/js/i18n.js");
  const bar = document.getElementById("topbar");
  if (bar && !document.querySelector(".lang-picker")) bar.prepend(i18n.languagePicker());
}
"""


@pytest.fixture(scope="module")
def axe() -> Path:
    """The pinned axe-core; missing is a failure (CI installs it), never a skip."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE}: run `bash .ci/setup` (npm ci in tests/browser)")
    return AXE


def _page(ui: Ui, kind: dict[str, Any]) -> Page:
    return ui.page({**kind, "bypass_csp": True})


def _check(page: Page, where: str, shot: str, ui: Ui) -> None:
    """axe on the page as it is now; a screenshot of it in any case."""
    ui.shot(page, f"a11y-{shot}")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(RUN)
    bad = [v for v in found if v["impact"] in FAILING]
    lines = [f"{v['id']} ({v['impact']}) at {', '.join(v['targets'])}: {v['help']}" for v in bad]
    assert not lines, f"{where}: axe found\n" + "\n".join(lines)


def _direction(page: Page, lang: str) -> None:
    """<html lang dir> as i18n.js sets them (see WIRE), and the language picker."""
    page.evaluate(WIRE)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")


def _create_room(ui: Ui, host: Page) -> str:
    """On the host's deck picker: a room on DECK; its code."""
    host.locator(".deck-card", has_text=DECK).click()
    host.locator(".screen-setup button[type=submit]").click()
    ui.screen(host, "lobby")
    code = host.locator(".room-code").inner_text().replace(" ", "")
    assert re.fullmatch(r"[1-9]\d{5}", code), code
    return code


def _join(ui: Ui, phone: Page, code: str, nickname: str, lang: str) -> None:
    phone.goto(f"{ui.base}/join/{code}?lang={lang}")
    ui.screen(phone, "join")
    _direction(phone, lang)
    expect(phone.locator("#code")).to_have_value(code)
    phone.locator("#nickname").fill(nickname)
    phone.locator("#nickname").press("Enter")
    ui.screen(phone, "lobby")
    expect(phone.locator(".nick-chip")).to_have_text(nickname)


@pytest.mark.parametrize("lang", LANGS)
def test_game_screens_have_no_serious_axe_violation(ui: Ui, axe: Path, lang: str) -> None:
    host = _page(ui, PROJECTOR)
    anna, boris = _page(ui, PHONE), _page(ui, PHONE)

    def both(where: str, host_screen: str, phone_screen: str) -> None:
        ui.screen(host, host_screen)
        ui.screen(anna, phone_screen)
        _check(host, f"host {where} ({lang})", f"{lang}-host-{where}", ui)
        _check(anna, f"player {where} ({lang})", f"{lang}-phone-{where}", ui)
        # Mirrored, the screens still fit (the projector at every size, the phone without
        # sideways scrolling) with readable, contrasted text.
        ui.audit(host, f"host {where} ({lang})")
        ui.fits(host, f"host {where} ({lang})")
        ui.audit(anna, f"player {where} ({lang})", width=360)

    host.goto(f"{ui.base}/host?lang={lang}")
    ui.screen(host, "setup")
    _direction(host, lang)
    expect(host.locator(".deck-card").first).to_be_visible()
    _check(host, f"host setup ({lang})", f"{lang}-host-setup", ui)
    code = _create_room(ui, host)

    anna.goto(f"{ui.base}/?lang={lang}")
    ui.screen(anna, "join")
    _direction(anna, lang)
    anna.locator("#code").fill(code)
    expect(anna.locator("#room-info")).to_contain_text(DECK)
    anna.locator("#nickname").fill("Anna")
    _check(anna, f"player join ({lang})", f"{lang}-phone-join", ui)
    anna.locator("#nickname").press("Enter")
    ui.screen(anna, "lobby")
    _join(ui, boris, code, "Boris", lang)
    expect(host.locator(".player-name")).to_have_count(2)
    both("lobby", "lobby", "lobby")

    host.keyboard.press("Space")
    expect(anna.locator(".answer-btn")).to_have_count(4)
    both("question", "question", "question")

    ui.option(anna, "Paris").tap()
    ui.screen(anna, "locked")
    _check(anna, f"player answered ({lang})", f"{lang}-phone-answered", ui)
    ui.option(boris, "Lyon").tap()
    both("result", "reveal", "result")
    _check(boris, f"player result, wrong ({lang})", f"{lang}-phone-result-wrong", ui)

    host.keyboard.press("Enter")
    both("scoreboard", "scoreboard", "scoreboard")

    # Every other kind of question (the deck's order), each closed by the host
    # without an answer: the phone's controls for it, then the host's chart.
    for number, kind in enumerate(KINDS, start=2):
        host.keyboard.press("Space")
        both(f"question-{number}-{kind}", "question", "question")
        host.keyboard.press("Space")
        ui.screen(host, "reveal")
        expect(anna.locator("main")).not_to_have_attribute("data-screen", "question")
        _check(host, f"host results of a {kind} question ({lang})", f"{lang}-host-reveal-{number}-{kind}", ui)
        _check(anna, f"player after a {kind} question ({lang})", f"{lang}-phone-after-{number}-{kind}", ui)
        if number < len(KINDS) + 1:
            host.keyboard.press("Space")
            ui.screen(host, "scoreboard")

    host.keyboard.press("e")
    host.locator("dialog[open] button[value=ok]").click()
    both("podium", "finished", "finished")

    # The report, opened as the host's recent games open it (code and report key).
    game = host.evaluate("() => JSON.parse(localStorage.getItem('thaw.recent'))[0]")
    report = _page(ui, PROJECTOR)
    report.goto(f"{ui.base}/results/{game['code']}?key={game['key']}&lang={lang}")
    expect(report.locator(".table-players tbody tr")).to_have_count(2)
    _direction(report, lang)
    _check(report, f"report ({lang})", f"{lang}-report", ui)
    ui.audit(report, f"report ({lang})")
    report.set_viewport_size(PHONE["viewport"])
    _check(report, f"report on a phone ({lang})", f"{lang}-report-phone", ui)
    ui.audit(report, f"report on a phone ({lang})", width=360)


@pytest.mark.parametrize("lang", LANGS)
def test_editor_and_library_have_no_serious_axe_violation(ui: Ui, axe: Path, lang: str) -> None:
    for kind, size in ((PROJECTOR, "projector"), (PHONE, "phone")):
        page = _page(ui, kind)
        page.goto(f"{ui.base}/create?lang={lang}")
        ui.screen(page, "library")
        _direction(page, lang)
        _check(page, f"library, empty, {size} ({lang})", f"{lang}-library-{size}", ui)
        ui.audit(page, f"library, empty, {size} ({lang})")
        page.locator("#lib-new").click()
        ui.screen(page, "editor")
        _direction(page, lang)
        ui.screen(page, "editor")
        page.locator("#deck-title").fill("Capitals")
        page.locator("#q0-prompt").fill("Which city is the capital of Peru?")
        _check(page, f"editor, {size} ({lang})", f"{lang}-editor-{size}", ui)
        ui.audit(page, f"editor, {size} ({lang})")
        page.goto(f"{ui.base}/create?lang={lang}")
        ui.screen(page, "library")
        _direction(page, lang)
        expect(page.locator(".lib-card, .lib-item, li").first).to_be_visible()
        _check(page, f"library with a quiz, {size} ({lang})", f"{lang}-library-kept-{size}", ui)
        ui.audit(page, f"library with a quiz, {size} ({lang})")


def test_the_check_fails_on_a_serious_violation(ui: Ui, axe: Path) -> None:
    """The harness itself: an image without a text alternative and an unnamed button fail it."""
    page = _page(ui, PHONE)
    page.goto(f"{ui.base}/?lang=en")
    ui.screen(page, "join")
    page.evaluate("""() => {
      const img = document.createElement("img");
      img.src = "/static/img/favicon.svg";
      const button = document.createElement("button");
      document.querySelector("main").append(img, button);
    }""")
    with pytest.raises(AssertionError) as failed:
        _check(page, "join with a bad image", "self-check", ui)
    assert "image-alt (critical) at " in str(failed.value), failed.value
    assert "button-name (critical)" in str(failed.value), failed.value
