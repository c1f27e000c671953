"""A whole game in real browsers: a projector, three phones, every kind of question.

What each screen shows at each step, hostile nicknames and deck text shown as
text, reloads (player and host) that land back on the present, keyboard control
of the host, a dropped connection that heals itself, CSV download and the
results page. Every screen is audited (see `Ui.audit`): readable on a 360 px
phone and on the projector, AA contrast, named controls, no motion with
prefers-reduced-motion; no request leaves 127.0.0.1 and the CSP refuses nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import WebSocketRoute, expect
from thaw.domain.model import TEXT_ANSWER_MAX

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

    def audit(where: str) -> None:
        """The projector as it is; a phone squeezed to 360 px."""
        ui.audit(host, f"host {where}")
        ui.audit(xss, f"phone {where}", width=360)

    # Boris's WebSocket goes through a tap the test can cut, as a flaky
    # classroom network would; `hold` keeps the next one from reaching the server.
    boris_sockets: list[WebSocketRoute] = []
    hold = {"on": False}

    def tap(ws: WebSocketRoute) -> None:
        if not hold["on"]:
            ws.connect_to_server()
        boris_sockets.append(ws)

    boris.route_web_socket(re.compile(r"/ws/\d+$"), tap)

    # -- setup and lobby ------------------------------------------------------
    response = host.goto(f"{server_url}/host")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "unsafe" not in csp, csp
    expect(host.locator(".deck-title", has_text="Every kind <b>of</b> question")).to_be_visible()
    ui.shot(host, "host-0-setup")
    ui.audit(host, "host setup")
    code = ui.create_room(host, DECK)
    expect(host.locator(".lobby-qr img")).to_have_attribute("src", f"/api/rooms/{code}/qr.svg")
    host.wait_for_function(  # "QR code shown": loaded and drawn, however long the image takes
        "() => { const img = document.querySelector('.lobby-qr img');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )
    expect(host.locator(".lobby-link")).to_contain_text(f"/join/{code}")
    expect(host.locator("#start")).to_be_disabled()

    ui.join(anna, code, "Anna")
    ui.shot(anna, "phone-1-lobby")
    expect(host.locator(".player-name")).to_have_text(["Anna"])
    expect(host.locator("#live")).to_have_text("Anna joined")
    ui.join(xss, code, XSS)
    # Boris types the code on the start page.
    boris.goto(f"{server_url}/")
    boris.locator("#code").fill(code)
    expect(boris.locator("#room-info")).to_contain_text("Every kind <b>of</b> question")
    boris.locator("#nickname").fill("Boris")
    ui.shot(boris, "phone-0-join")
    ui.audit(boris, "phone join", width=360)
    boris.get_by_role("button", name="Join").click()
    screen(boris, "lobby")
    expect(boris).to_have_url(re.compile(rf"/join/{code}$"))

    expect(host.locator("#lobby-count")).to_have_text("3 players")
    expect(host.locator(".player-name")).to_have_text(["Anna", XSS, "Boris"])
    expect(xss.locator(".me-nick")).to_have_text(XSS)
    ui.shot(host, "host-1-lobby")
    audit("lobby")

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
    # The timer is spoken once at the start (not every tick); the question too.
    expect(anna.locator("#timer-live")).to_have_text(re.compile(r"^(60|59|58) seconds left$"))
    expect(anna.locator("#live")).to_contain_text("Question 1 of 7")
    # The countdown follows the server: a second later it shows a second less.
    first = int(host.locator(".timer-number").inner_text())
    expect(host.locator(".timer-number")).to_have_text(str(first - 1))
    ui.shot(host, "host-2-question-choice")
    ui.shot(anna, "phone-2-question-choice")
    audit("question (choice)")

    option(anna, "Paris").tap()
    screen(anna, "locked")
    expect(anna.locator(".your-answer")).to_contain_text("Paris")
    expect(host.locator("#answered-num")).to_have_text("1")
    expect(host.locator("#answered-caption")).to_have_text("of 3 answered")
    ui.shot(anna, "phone-3-locked")
    ui.audit(anna, "phone locked", width=360)

    # A reload mid-question: the same player, back on the open question, with
    # the countdown where the server says it is (not back at 60).
    boris.reload()
    screen(boris, "question")
    expect(boris.locator(".me-nick")).to_have_text("Boris")
    expect(boris.locator(".timer-number")).not_to_have_text("60")
    expect(boris.locator(".answer-btn")).to_have_count(4)
    option(boris, "Paris").tap()
    option(xss, "Lyon").tap()

    screen(host, "reveal")
    expect(host.locator(".bar-count")).to_have_text(["2", "1", "0", "0"])
    expect(host.locator(".tile.is-correct .opt-text")).to_have_text(["Paris"])
    expect(host.locator(".explanation")).to_contain_text("Paris has been the capital")
    expect(host.locator(".tile.is-correct .mark")).to_have_attribute("aria-label", "correct")
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
    expect(anna.locator("#live")).to_contain_text("Correct!")
    expect(xss.locator("#live")).to_contain_text("Not quite")
    ui.shot(anna, "phone-4-result-correct")
    ui.shot(xss, "phone-4-result-wrong")
    audit("reveal and result")

    host.keyboard.press("Enter")
    screen(host, "scoreboard")
    expect(host.locator(".sb-name")).to_have_text(["Anna", "Boris", XSS])
    expect(host.locator(".sb-delta").first).to_have_text(re.compile(r"^\+\d"))
    screen(anna, "scoreboard")
    ui.shot(host, "host-4-scoreboard")
    audit("scoreboard")

    # -- Q2 choice with several right answers; a reload after answering ---------
    host.keyboard.press("Enter")
    screen(host, "question")
    for phone in (anna, xss, boris):
        expect(phone.locator(".q-hint")).to_have_text("More than one answer is right — pick any one.")
    ui.shot(xss, "phone-2-question-multi")
    ui.audit(xss, "phone question (multi)", width=360)
    option(anna, "3").tap()
    screen(anna, "locked")
    score = anna.locator(".me-score").inner_text()
    assert score != "0", score
    anna.reload()
    screen(anna, "locked")
    expect(anna.locator(".your-answer")).to_contain_text("3")
    expect(anna.locator(".me-score")).to_have_text(score)
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
    expect(host.locator(".q-top .badge").first).to_have_text("True or false")
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
    ui.audit(anna, "phone order, all placed", width=360)
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
    ui.audit(host, "host reveal (order)")
    expect(xss.locator(".result h1")).to_have_text("Not quite")
    host.keyboard.press("Space")
    screen(host, "scoreboard")

    # -- Q5 number: the slider works from the keyboard; Boris's network drops -----
    host.keyboard.press("Space")
    screen(host, "question")
    screen(boris, "question")
    score = boris.locator(".me-score").inner_text()
    sockets = len(boris_sockets)
    hold["on"] = True
    boris_sockets[-1].close(code=1001, reason="network dropped")
    expect(boris.locator("#status")).to_have_text("Connection lost — reconnecting…")
    for _ in range(100):  # the page tries again after its backoff; the tap holds that one
        if len(boris_sockets) > sockets:
            break
        boris.wait_for_timeout(50)
    assert len(boris_sockets) > sockets, "Boris's page tried to reconnect"
    expect(boris.locator("#status")).to_be_visible()  # not welcomed yet: still reconnecting
    hold["on"] = False
    boris_sockets[-1].close(code=1001, reason="still no network")
    expect(boris.locator("#status")).to_be_hidden()
    screen(boris, "question")
    expect(boris.locator(".me-score")).to_have_text(score)
    ui.audit(xss, "phone question (number)", width=360)
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
    expect(xss.get_by_role("button", name="Submit 11")).to_be_visible()
    # The third player dawdles: the teacher closes the question with the button.
    expect(host.locator("#answered-num")).to_have_text("2")
    host.get_by_role("button", name=re.compile("^Close answers")).click()
    screen(host, "reveal")
    expect(host.locator(".answer-big")).to_have_text("8")
    expect(host.locator(".bar-count")).to_have_text(["2", "0"])  # answers given, not players
    expect(host.locator(".q-answered")).to_have_text("2 of 3 answered")
    screen(xss, "result")
    expect(xss.locator(".result h1")).to_have_text("No answer")
    expect(xss.locator(".correct-block")).to_contain_text("8")
    ui.shot(host, "host-3-reveal-number")
    ui.audit(host, "host reveal (number)")
    host.keyboard.press("Space")
    screen(host, "scoreboard")

    # -- Q6 text ---------------------------------------------------------------
    host.keyboard.press("Space")
    screen(host, "question")
    # The field takes what the server accepts: the length the question frame carries.
    expect(anna.locator("#text-answer")).to_have_attribute("maxlength", str(TEXT_ANSWER_MAX))
    for phone, words in ((anna, "Blue"), (xss, "<b>red</b>"), (boris, "sky blue")):
        phone.locator("#text-answer").fill(words)
        if phone is anna:
            ui.shot(anna, "phone-2-question-text")
            ui.audit(anna, "phone question (text)", width=360)
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
    # Boris answers from the keyboard.
    option(boris, "Yes").focus()
    boris.keyboard.press("Tab")
    boris.keyboard.press("Tab")
    expect(option(boris, "No")).to_be_focused()
    boris.keyboard.press("Enter")
    screen(boris, "locked")
    screen(host, "reveal")
    expect(host.locator(".bar-count")).to_have_text(["2", "0", "1"])
    ui.shot(host, "host-3-reveal-poll")
    ui.audit(host, "host reveal (poll)")
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
    audit("finished")

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
    expect(results.locator(".table-players .name-text")).to_have_text(["Anna", "Boris", XSS])
    # correct counts out of the six scored questions (the poll is not scored)
    expect(results.locator(".table-players tbody tr td:nth-child(3)")).to_have_text(["6 / 6", "6 / 6", "1 / 6"])
    expect(results.locator(".table-players tbody tr").first).to_contain_text("8,")
    rows = results.locator(".table-questions tbody tr")
    expect(rows).to_have_count(7)
    # Q1: 2 of 3 right, Lyon the wrong answer chosen most, an average time
    expect(rows.nth(0).locator("td").nth(2)).to_have_text(re.compile(r"67%$"))
    expect(rows.nth(0).locator("td").nth(3)).to_have_text("1")  # wrong
    expect(rows.nth(0).locator("td").nth(4)).to_have_text("0")  # no answer
    expect(rows.nth(0).locator("td").nth(5)).to_have_text(re.compile(r"^\d+\.\d s$"))
    expect(rows.nth(0).locator("td").nth(6)).to_have_text("Lyon (1)")
    expect(rows.nth(2).locator("td").nth(2)).to_have_text(re.compile(r"100%$"))
    expect(rows.nth(6).locator("td").nth(6)).to_have_text("—")  # a poll has no wrong answer
    expect(results.locator(".hardest li")).to_have_count(3)
    expect(results.locator(".hardest li").first).to_contain_text("Which city is the capital of France?")
    expect(results.locator(".hardest li").first).to_contain_text("most said “Lyon”")
    results.set_viewport_size({"width": 1280, "height": 1000})
    results.screenshot(path=str(ui.screenshots / "results.png"), full_page=True,
                       mask=[results.locator("#share-url")], mask_color="#ffffff")  # no key in the docs
    ui.audit(results, "results page")

    for page in (host, anna, xss, boris, results):
        expect(page.locator("img[src='x'], main b")).to_have_count(0)
