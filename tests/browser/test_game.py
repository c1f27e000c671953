"""A whole game in real browsers: a projector, three phones, every kind of question.

What each screen shows at each step, hostile nicknames and deck text shown as
text, reloads (player and host) that land back on the present, keyboard control
of the host, CSV download and the results page.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

DECK = "Every kind <b>of</b> question"
# Markup as a nickname (20 code points, the most a nickname may have): if any page
# parsed it as HTML there would be an <img src="x"> and a <b> in the DOM.
XSS = "<img src=x><b>hi</b>"
# The classic payload is longer than a nickname may be: it is an option of the deck.
PAYLOAD = "<img src=x onerror=alert(1)>"


def test_whole_game(ui) -> None:  # type: ignore[no-untyped-def]
    server_url = ui.base
    screen, option = ui.screen, ui.option
    host = ui.projector()
    anna, xss, boris = ui.phone(), ui.phone(), ui.phone()
    # -- setup and lobby ------------------------------------------------------
    host.goto(f"{server_url}/host")
    expect(host.locator(".deck-title", has_text="Every kind <b>of</b> question")).to_be_visible()
    ui.shot(host, "host-0-setup")
    code = ui.create_room(host, DECK)
    expect(host.locator(".lobby-qr img")).to_have_attribute("src", f"/api/rooms/{code}/qr.svg")
    expect(host.locator(".lobby-link")).to_contain_text(f"/join/{code}")
    expect(host.locator("#start")).to_be_disabled()

    ui.join(anna, code, "Anna")
    ui.shot(anna, "phone-1-lobby")
    ui.join(xss, code, XSS)
    # Boris types the code on the start page.
    boris.goto(f"{server_url}/")
    boris.locator("#code").fill(code)
    expect(boris.locator("#room-info")).to_contain_text("Every kind <b>of</b> question")
    boris.locator("#nickname").fill("Boris")
    ui.shot(boris, "phone-0-join")
    boris.get_by_role("button", name="Join").click()
    screen(boris, "lobby")
    expect(boris).to_have_url(re.compile(rf"/join/{code}$"))

    expect(host.locator("#lobby-count")).to_have_text("3 players")
    expect(host.locator(".player-name")).to_have_text(["Anna", XSS, "Boris"])
    expect(xss.locator(".me-nick")).to_have_text(XSS)
    ui.shot(host, "host-1-lobby")

    # -- Q1 choice: host starts with the keyboard; a player reloads mid-question --
    host.keyboard.press("Space")
    screen(host, "question")
    expect(host.locator(".q-title")).to_have_text("Which city is the capital of France? <i>not italic</i>")
    expect(host.locator(".tile .opt-text")).to_have_text(["Paris", "Lyon", "Marseille", PAYLOAD])
    expect(host.locator(".timer-number")).to_have_text(re.compile(r"^(60|59|58)$"))
    for phone in (anna, xss, boris):
        screen(phone, "question")
        expect(phone.locator(".answer-btn")).to_have_count(4)
    expect(anna.get_by_role("button", name="A: Paris", exact=True)).to_be_visible()
    expect(anna.get_by_role("button", name=f"D: {PAYLOAD}", exact=True)).to_be_visible()
    ui.shot(host, "host-2-question-choice")
    ui.shot(anna, "phone-2-question-choice")

    option(anna, "Paris").tap()
    screen(anna, "locked")
    expect(anna.locator(".your-answer")).to_contain_text("Paris")
    expect(host.locator("#answered-num")).to_have_text("1")
    expect(host.locator("#answered-caption")).to_have_text("of 3 answered")
    ui.shot(anna, "phone-3-locked")

    boris.reload()
    screen(boris, "question")
    expect(boris.locator(".answer-btn")).to_have_count(4)
    option(boris, "Paris").tap()
    option(xss, "Lyon").tap()

    screen(host, "reveal")
    expect(host.locator(".bar-count")).to_have_text(["2", "1", "0", "0"])
    expect(host.locator(".tile.is-correct .opt-text")).to_have_text(["Paris"])
    expect(host.locator(".explanation")).to_contain_text("Paris has been the capital")
    ui.shot(host, "host-3-reveal-choice")
    screen(anna, "result")
    expect(anna.locator(".result h1")).to_have_text("Correct!")
    expect(anna.locator(".result-rank")).to_have_text("1st place — you're in the lead!")
    expect(xss.locator(".result h1")).to_have_text("Not quite")
    expect(xss.locator(".result-rank")).to_contain_text("3rd place")
    expect(xss.locator(".result-rank")).to_contain_text("points behind Boris")
    expect(xss.locator(".correct-block")).to_contain_text("Paris")
    expect(boris.locator(".result-rank")).to_contain_text("2nd place")
    expect(boris.locator(".result-rank")).to_contain_text("behind Anna")
    ui.shot(anna, "phone-4-result-correct")
    ui.shot(xss, "phone-4-result-wrong")

    host.keyboard.press("Enter")
    screen(host, "scoreboard")
    expect(host.locator(".sb-name")).to_have_text(["Anna", "Boris", XSS])
    expect(host.locator(".sb-delta").first).to_have_text(re.compile(r"^\+\d"))
    screen(anna, "scoreboard")
    ui.shot(host, "host-4-scoreboard")

    # -- Q2 choice with several right answers; a reload after answering ---------
    host.keyboard.press("Enter")
    screen(host, "question")
    for phone in (anna, xss, boris):
        expect(phone.locator(".q-hint")).to_have_text("More than one answer is right — pick any one.")
    ui.shot(xss, "phone-2-question-multi")
    option(anna, "3").tap()
    screen(anna, "locked")
    anna.reload()
    screen(anna, "locked")
    expect(anna.locator(".your-answer")).to_contain_text("3")
    option(xss, "4").tap()
    option(boris, "2").tap()
    screen(host, "reveal")
    expect(host.locator(".tile.is-correct .opt-text")).to_have_text(["2", "3"])
    expect(anna.locator(".result h1")).to_have_text("Correct!")
    expect(boris.locator(".result h1")).to_have_text("Correct!")
    host.keyboard.press("Space")
    screen(host, "scoreboard")

    # -- Q3 true/false for double points --------------------------------------
    host.keyboard.press("Space")
    screen(host, "question")
    expect(host.locator(".badge-double")).to_be_visible()
    expect(anna.locator(".answer-btn")).to_have_count(2)
    for phone in (anna, xss, boris):
        option(phone, "True").tap()
    screen(host, "reveal")
    expect(anna.locator(".streak")).to_contain_text("3 in a row")
    expect(anna.locator(".result-bonus")).to_contain_text("streak bonus")
    host.keyboard.press("Space")
    screen(host, "scoreboard")

    # -- Q4 order: tap to order, undo, start over; the host reloads ----------------
    host.keyboard.press("Space")
    screen(host, "question")
    host.reload()
    screen(host, "question")
    expect(host.locator(".q-title")).to_have_text("Put these numbers in order, smallest first.")
    expect(host.locator(".tile")).to_have_count(4)
    ui.shot(host, "host-2-question-order")

    pool = anna.locator(".order-pool")
    option(anna, "One").tap()
    option(anna, "Three").tap()
    anna.get_by_role("button", name="Undo").tap()
    expect(anna.locator(".order-picked .opt-text")).to_have_text(["One"])
    expect(anna.get_by_role("button", name="Place 3 more")).to_be_disabled()
    for word in ("Two", "Three"):
        option(anna, word).tap()
    ui.shot(anna, "phone-2-question-order")
    option(anna, "Four").tap()
    expect(pool).to_be_hidden()
    expect(anna.locator(".order-picked .opt-text")).to_have_text(["One", "Two", "Three", "Four"])
    anna.get_by_role("button", name="Submit order").tap()
    screen(anna, "locked")

    for word in ("Four", "Three"):
        option(xss, word).tap()
    xss.get_by_role("button", name="Start over").tap()
    expect(xss.locator(".order-empty")).to_be_visible()
    for word in ("Two", "One", "Three", "Four"):
        option(xss, word).tap()
    xss.get_by_role("button", name="Submit order").tap()
    for word in ("One", "Two", "Three", "Four"):
        option(boris, word).tap()
    boris.get_by_role("button", name="Submit order").tap()

    screen(host, "reveal")
    expect(host.locator(".bar-count")).to_have_text(["2", "1"])
    expect(host.locator(".order-answer .opt-text")).to_have_text(["One", "Two", "Three", "Four"])
    ui.shot(host, "host-3-reveal-order")
    expect(xss.locator(".result h1")).to_have_text("Not quite")
    host.keyboard.press("Space")
    screen(host, "scoreboard")

    # -- Q5 number: the slider works from the keyboard ----------------------------
    host.keyboard.press("Space")
    screen(host, "question")
    expect(host.locator(".q-range")).to_contain_text("0")
    expect(host.locator(".q-range")).to_contain_text("20")
    for phone in (anna, boris):
        slider = phone.locator("#number-slider")
        slider.focus()
        phone.keyboard.press("Home")
        for _ in range(8):
            phone.keyboard.press("ArrowRight")
        expect(phone.locator(".number-value")).to_have_text("8")
    ui.shot(anna, "phone-2-question-number")
    anna.get_by_role("button", name="Submit 8").tap()
    boris.get_by_role("button", name="Submit 8").tap()
    xss.get_by_role("button", name="Plus 1").tap()
    expect(xss.locator(".number-value")).to_have_text("11")
    xss.get_by_role("button", name="Submit 11").tap()
    screen(host, "reveal")
    expect(host.locator(".answer-big")).to_have_text("8")
    ui.shot(host, "host-3-reveal-number")
    host.keyboard.press("Space")
    screen(host, "scoreboard")

    # -- Q6 text ---------------------------------------------------------------
    host.keyboard.press("Space")
    screen(host, "question")
    for phone, words in ((anna, "Blue"), (xss, "<b>red</b>"), (boris, "sky blue")):
        phone.locator("#text-answer").fill(words)
        if phone is anna:
            ui.shot(anna, "phone-2-question-text")
        phone.locator("#text-answer").press("Enter")
    screen(host, "reveal")
    expect(host.locator(".answer-big")).to_have_text("blue / sky blue")
    expect(anna.locator(".result h1")).to_have_text("Correct!")
    expect(xss.locator(".result h1")).to_have_text("Not quite")
    host.keyboard.press("Space")
    screen(host, "scoreboard")

    # -- Q7 poll, then the end -----------------------------------------------------
    host.keyboard.press("Space")
    screen(host, "question")
    expect(anna.locator(".q-hint")).to_contain_text("No wrong answers")
    option(anna, "Yes").tap()
    option(xss, "Yes").tap()
    option(boris, "No").tap()
    screen(host, "reveal")
    expect(host.locator(".bar-count")).to_have_text(["2", "0", "1"])
    ui.shot(host, "host-3-reveal-poll")
    expect(anna.locator(".result h1")).to_have_text("Thanks for voting!")
    host.keyboard.press("Space")
    screen(host, "scoreboard")
    expect(host.get_by_role("button", name=re.compile("^Final results"))).to_be_focused()
    host.keyboard.press("Space")

    screen(host, "finished")
    expect(host.locator(".step")).to_have_count(3)
    expect(host.locator(".podium")).to_contain_text(XSS)
    expect(host.locator(".step-1 .step-name")).to_have_text("Anna")
    ui.shot(host, "host-5-podium")
    screen(anna, "finished")
    expect(anna.locator("h1")).to_have_text("You won!")
    expect(xss.locator("h1")).to_have_text("You finished 3rd")
    expect(xss.locator(".mini-podium")).to_contain_text(XSS)
    ui.shot(anna, "phone-5-finished")

    # -- CSV and the results page --------------------------------------------------
    with host.expect_download() as download:
        host.get_by_role("button", name="Download CSV").click()
    csv = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Anna" in csv and "Boris" in csv and XSS in csv, csv
    assert csv.splitlines()[0].startswith("rank,nickname,score,correct"), csv

    with host.context.expect_page() as opened:
        host.get_by_role("link", name="Full results").click()
    results = ui.watch(opened.value)
    expect(results).to_have_url(f"{server_url}/results/{code}")
    expect(results.locator(".table-players .name")).to_have_text(["Anna", "Boris", XSS])
    expect(results.locator(".table-questions tbody tr")).to_have_count(7)
    expect(results.locator(".hardest li").first).to_be_visible()
    results.set_viewport_size({"width": 1280, "height": 1000})
    results.screenshot(path=str(ui.screenshots / "results.png"), full_page=True)

    for page in (host, anna, xss, boris, results):
        expect(page.locator("img[src='x'], main b")).to_have_count(0)
