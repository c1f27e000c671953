"""The lobby in real browsers: join errors, kick (by keyboard), lock, stale tokens,
generated nicknames with reroll, a full room."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from thaw.domain import codes

DECK = "Every kind <b>of</b> question"


def try_join(page: Page, nickname: str) -> None:
    page.locator("#nickname").fill(nickname)
    page.get_by_role("button", name="Join").click()


def test_join_errors_kick_and_lock(ui) -> None:  # type: ignore[no-untyped-def]
    server_url, screen = ui.base, ui.screen
    host = ui.projector()
    first, second, third, stale = ui.phone(), ui.phone(), ui.phone(), ui.phone()
    code = ui.create_room(host, DECK)

    # A code that names no room: said as soon as it is typed, and on joining.
    wrong = "100000" if code != "100000" else "100001"
    first.goto(f"{server_url}/")
    first.locator("#code").fill(wrong)
    expect(first.locator("#room-info")).to_have_text(
        "There is no game with this code. Check the code on the big screen."
    )
    try_join(first, "Zed")
    expect(first.locator("#join-error")).to_have_text(
        "There is no game with this code. Check the code on the big screen."
    )
    expect(first.locator("#code")).to_be_focused()
    ui.shot(first, "phone-0-join-error")
    ui.audit(first, "join error", width=360)

    # Caught by the page before sending: no code, no nickname. The field takes as many
    # digits as a code has (the server's rule, written into the page).
    expect(first.locator("#code")).to_have_attribute("maxlength", str(codes.DIGITS))
    first.locator("#code").fill("12")
    try_join(first, "Zed")
    expect(first.locator("#join-error")).to_have_text("Enter the 6-digit code shown on the big screen.")
    first.locator("#code").fill(code)
    try_join(first, "")
    expect(first.locator("#join-error")).to_have_text("Pick a nickname.")

    # Refused by the server: an invisible character only, then a taken nickname.
    try_join(first, "\u200b")
    expect(first.locator("#join-error")).to_contain_text("That nickname can't be used.")
    expect(first.locator("#nickname")).to_be_focused()
    try_join(first, "Anna")
    screen(first, "lobby")
    ui.join(second, code, "Kim")
    second.goto(f"{server_url}/join/{code}")  # same tab, already in: resumes
    screen(second, "lobby")
    expect(second.locator(".nick-chip")).to_have_text("Kim")
    third.goto(f"{server_url}/join/{code}")
    try_join(third, "ANNA")
    expect(third.locator("#join-error")).to_have_text(
        "Someone in this game already has that nickname. Pick another one."
    )

    # Kick with the keyboard: Tab to the name, Enter, confirm with Enter.
    expect(host.locator(".player-name")).to_have_text(["Anna", "Kim"])
    host.locator(".player-chip", has_text="Anna").focus()
    host.keyboard.press("Enter")
    dialog = host.get_by_role("dialog")
    expect(dialog).to_contain_text("Remove Anna?")
    ui.shot(host, "host-1-kick")
    ui.audit(host, "kick dialog")
    host.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    screen(first, "ended")
    # One message, once: no toast repeating it.
    expect(first.locator("main h1")).to_have_text("The teacher removed you from this game.")
    expect(first.locator("main .lead")).to_have_count(0)
    expect(first.locator("#toast")).to_have_count(0)
    ui.audit(first, "kicked", width=360)
    # The kicked player's token is gone: the join page comes back, not the game.
    first.reload()
    screen(first, "join")
    expect(host.locator(".player-name")).to_have_text(["Kim"])

    # Lock: new players are refused with a clear message; unlock lets them in.
    host.get_by_role("button", name="Lock joining").click()
    expect(host.locator("#lock")).to_have_attribute("aria-pressed", "true")
    try_join(third, "Lee")
    expect(third.locator("#join-error")).to_contain_text("The teacher has locked this game")
    expect(host.locator(".badge-lock")).to_be_visible()
    host.locator("#lock").click()
    expect(host.locator("#lock")).to_have_attribute("aria-pressed", "false")
    try_join(third, "Lee")
    screen(third, "lobby")
    expect(host.locator(".player-name")).to_have_text(["Kim", "Lee"])

    # A token this room does not know: back to the form, with the reason.
    stale.add_init_script(f"localStorage.setItem('thaw.player.{code}', 'not-a-token')")
    stale.goto(f"{server_url}/join/{code}")
    screen(stale, "join")
    expect(stale.locator("#join-error")).to_have_text(
        "Your place in this game has expired. Join again with a nickname."
    )

    # The report is for the host only: a tab without the host key is told so.
    stale.goto(f"{server_url}/results/{code}")
    expect(stale.locator("h1")).to_have_text("Results are for the host")

    # Full-screen control is there for the projector (F key or the button).
    expect(host.get_by_role("button", name="Full screen F")).to_have_attribute("aria-keyshortcuts", "F")


def test_generated_nicknames_and_full_room(ui) -> None:  # type: ignore[no-untyped-def]
    server_url, screen = ui.base, ui.screen
    host = ui.projector()
    first, second = ui.phone(), ui.phone()
    code = ui.create_room(host, DECK, generated=True, max_players=1)

    first.goto(f"{server_url}/join/{code}")
    expect(first.locator("#room-info")).to_contain_text("you'll get a nickname")
    expect(first.locator("#nickname")).to_be_hidden()
    first.get_by_role("button", name="Join").click()
    screen(first, "lobby")
    given = first.locator(".nick-chip").inner_text()
    assert given.strip(), "a generated nickname is shown"
    expect(host.locator(".player-name")).to_have_text([given])
    first.get_by_role("button", name="New nickname (3 left)").click()
    expect(first.locator(".nick-chip")).not_to_have_text(given)
    expect(first.get_by_role("button", name="New nickname (2 left)")).to_be_visible()
    ui.shot(first, "phone-1-lobby-generated")
    ui.audit(first, "lobby with a generated nickname", width=360)

    second.goto(f"{server_url}/join/{code}")
    expect(second.locator("#nickname")).to_be_hidden()
    second.get_by_role("button", name="Join").click()
    expect(second.locator("#join-error")).to_have_text("This game is full. Ask your teacher.")
