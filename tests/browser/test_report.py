"""The report outlives the host's tab: from the host page's recent games after the tab
is closed (same browser), and from the results link in another browser; downloads,
a 360 px phone, and paper (Chromium's own PDF, rendered back to images).

Anna answers the first question right, Boris wrong, Cleo gives no answer, and Dan
leaves before it opens: the report must say so, and count Dan as wrong nowhere.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

DESK = {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1}
PHONE_360 = {"viewport": {"width": 360, "height": 780}, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
DECK = "Every kind <b>of</b> question"
OUT = Path(__file__).resolve().parent.parent.parent / "test-output" / "report"


def _play(ui) -> tuple[Page, str, str]:  # type: ignore[no-untyped-def]
    """The game played; the host page, the room code and the origin phones join at."""
    host = ui.projector()
    anna, boris, cleo, dan = ui.phone(), ui.phone(), ui.phone(), ui.phone()
    code = ui.create_room(host, DECK)
    shown = host.locator(".lobby-link .mono").inner_text().strip()  # the join link, without its http://
    join_origin = "http://" + re.sub(r"/join/\d+$", "", shown)
    for page, name in ((anna, "Anna"), (boris, "Boris"), (cleo, "Cleo"), (dan, "Dan")):
        ui.join(page, code, name)
    expect(host.locator("#lobby-count")).to_have_text("4 players")
    dan.context.close()  # gone before the first question
    ui.contexts.remove(dan.context)
    host.keyboard.press("Space")
    ui.screen(host, "question")
    expect(host.locator("#answered-caption")).to_have_text("of 3 answered")
    ui.option(anna, "Paris").tap()
    ui.option(boris, "Lyon").tap()
    expect(host.locator("#answered-num")).to_have_text("2")
    expect(host.locator("#answered-caption")).to_have_text("of 3 answered")
    host.keyboard.press("Space")  # close the question: the reveal
    ui.screen(host, "reveal")
    host.get_by_role("button", name="End game").click()
    host.locator("dialog[open]").get_by_role("button", name="End game").click()
    ui.screen(host, "finished")
    return host, code, join_origin


def _check_report(page: Page, code: str) -> None:
    expect(page.locator(".report .screen-title")).to_have_text(DECK)
    expect(page.locator(".table-players .name-text")).to_have_text(["Anna", "Boris", "Cleo", "Dan"])
    marks = page.locator(".table-players tbody tr")
    for row, mark in enumerate(("correct", "wrong", "no_answer", "absent")):
        expect(marks.nth(row).locator(".mark")).to_have_count(1)
        expect(marks.nth(row).locator(".mark")).to_have_class(re.compile(rf"\bmark-{mark}\b"))
    expect(marks.nth(1).locator(".name-meta")).to_have_text("1 wrong")
    expect(marks.nth(2).locator(".name-meta")).to_have_text("1 no answer")
    expect(marks.nth(3).locator(".name-meta")).to_have_text("away for 1")
    # right out of the questions each was there for: Dan was there for none
    expect(page.locator(".table-players tbody tr td:nth-child(3)")).to_have_text(["1 / 1", "0 / 1", "0 / 1", "0 / 0"])
    first = page.locator(".table-questions tbody tr").first
    expect(first.locator("td").nth(2)).to_have_text(re.compile(r"33%$"))  # 1 of the 3 who were there
    expect(first.locator("td").nth(3)).to_have_text("1")
    expect(first.locator("td").nth(4)).to_have_text("1")
    expect(first).to_contain_text("1 not in the game")


def test_report_after_the_host_tab_closed_and_by_link_elsewhere(ui) -> None:  # type: ignore[no-untyped-def]
    OUT.mkdir(parents=True, exist_ok=True)
    host, code, join_origin = _play(ui)
    context = host.context
    # an entry whose results are gone: the host page drops it
    host.evaluate("""() => {
      const list = JSON.parse(localStorage.getItem("thaw.recent"));
      list.push({code: "999999", key: "gone", title: "Old game", at: 1});
      localStorage.setItem("thaw.recent", JSON.stringify(list));
    }""")
    host.close()

    # -- same browser, a new tab: the host page lists the game -----------------------
    again = ui.watch(context.new_page())
    again.goto(f"{ui.base}/host")
    recent = again.locator(".recent-game")
    expect(recent).to_have_count(1)
    expect(recent.first).to_contain_text(DECK)
    expect(recent.first).to_contain_text(f"Game {code}")
    stored = again.evaluate("() => JSON.parse(localStorage.getItem('thaw.recent')).map((g) => g.code)")
    assert stored == [code], stored
    again.screenshot(path=str(OUT / "host-recent-games.png"))
    ui.audit(again, "host page with recent games")
    recent.first.get_by_role("link").click()
    expect(again).to_have_url(re.compile(rf"/results/{code}\?key="))
    _check_report(again, code)
    # the link names the server as other devices reach it, as the join link does
    link = again.locator("#share-url").input_value()
    assert re.fullmatch(rf"{re.escape(join_origin)}/results/{code}\?key=[A-Za-z0-9_-]{{32}}", link), link
    key = link.split("key=")[1]
    link = f"{ui.base}/results/{code}?key={key}"  # this test's browsers stay on 127.0.0.1
    assert key not in again.evaluate("() => JSON.stringify(sessionStorage)")  # not the host token

    # -- another browser, the link only --------------------------------------------------
    desk = ui.page(DESK)
    desk.goto(link)
    _check_report(desk, code)
    assert desk.evaluate("() => localStorage.getItem('thaw.recent')") is None
    with desk.expect_download() as csv_download:
        desk.get_by_role("button", name="Download CSV").click()
    rows = Path(csv_download.value.path()).read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("rank,nickname,score,correct,q1_answer,q1_correct"), rows[0]
    assert [r.split(",")[5] for r in rows[1:]] == ["yes", "no", "no answer", "absent"], rows
    with desk.expect_download() as xlsx_download:
        desk.get_by_role("button", name="Download XLSX").click()
    assert xlsx_download.value.suggested_filename == f"thaw-{code}-results.xlsx"
    book = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    assert [c.value for c in book["Players"]["B"]][1:] == ["Anna", "Boris", "Cleo", "Dan"]
    desk.screenshot(path=str(OUT / "results-desktop.png"), full_page=True)
    ui.audit(desk, "results, desktop")

    # a wrong key is told apart from a missing game
    desk.goto(f"{ui.base}/results/{code}?key=nope")
    expect(desk.locator("h1")).to_have_text("This link does not open these results")

    # -- a phone, 360 px wide ------------------------------------------------------------
    phone = ui.page(PHONE_360)
    phone.goto(link)
    _check_report(phone, code)
    ui.audit(phone, "results, 360 px phone")
    phone.screenshot(path=str(OUT / "results-phone-360-full.png"), full_page=True)
    phone.screenshot(path=str(OUT / "results-phone-360-top.png"))
    phone.locator(".panel-questions").scroll_into_view_if_needed()
    phone.evaluate("() => document.querySelector('.panel-questions').scrollIntoView()")
    phone.screenshot(path=str(OUT / "results-phone-360-questions.png"))

    # -- paper ---------------------------------------------------------------------------
    desk.goto(link)
    _check_report(desk, code)
    desk.emulate_media(media="print")
    for hidden in (".topbar", ".results-actions", ".share"):
        expect(desk.locator(hidden)).to_be_hidden()
    assert desk.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    pdf = OUT / "results.pdf"
    desk.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (poppler-utils) renders the PDF back to images"
    for old in OUT.glob("results-pdf-*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-png", "-r", "60", str(pdf), str(OUT / "results-pdf")], check=True, timeout=60)
    pages = sorted(OUT.glob("results-pdf-*.png"))
    assert 1 <= len(pages) <= 2, pages  # four players and seven questions: two A4 pages at most
    # paper is white to its edges (a dark page colour once showed in the margins)
    gray = subprocess.run([pdftoppm, "-gray", "-r", "30", "-f", "1", "-l", "1", str(pdf)],
                          check=True, timeout=60, capture_output=True).stdout
    width, height, pixels = _pgm(gray)
    corners = [pixels[0], pixels[width - 1], pixels[(height - 1) * width], pixels[-1]]
    assert min(corners) >= 250, corners
    assert sum(pixels) / len(pixels) > 200, "the printed page is mostly white"


def _pgm(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the gray bytes of a binary PGM (what `pdftoppm -gray` writes)."""
    fields = data.split(maxsplit=4)
    assert fields[0] == b"P5" and fields[3] == b"255", fields[:4]
    width, height = int(fields[1]), int(fields[2])
    pixels = fields[4][-width * height:]
    assert len(pixels) == width * height
    return width, height, pixels
