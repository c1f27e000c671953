"""Pace mid-game on the projector and the phones: pause (an answer meanwhile is
refused and can be given again), resume, add time, remove a player from the
roster by keyboard, skip ahead; then the multi-select round trip: select all
that apply on the phone, the right set and per-option counts on the projector."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

DECK = "A long lesson"
SAILS = "Sails that could work against the wind"


def seconds(page: Page) -> int:
    return int(page.locator(".timer-number").inner_text())


def test_pause_add_time_kick_and_multi_select(ui) -> None:  # type: ignore[no-untyped-def]
    screen, option = ui.screen, ui.option
    host = ui.projector()
    anna, boris, chen = ui.phone(), ui.phone(), ui.phone()
    code = ui.create_room(host, DECK)
    for phone, name in ((anna, "Anna"), (boris, "Boris"), (chen, "Chen")):
        ui.join(phone, code, name)
    host.keyboard.press("Space")
    screen(host, "question")
    screen(anna, "question")

    # Pause with P: the clock stops everywhere.
    host.keyboard.press("p")
    expect(host.locator("#timer")).to_have_attribute("data-paused", "true")
    expect(host.locator("#pause")).to_have_text(re.compile(r"^Resume\s*P$"))
    expect(host.locator("#timer .timer-caption")).to_have_text("paused")
    expect(anna.locator(".paused-note")).to_be_visible()
    expect(anna.locator("[data-timer]")).to_have_attribute("data-paused", "true")
    frozen = seconds(host)
    host.wait_for_timeout(1500)
    assert seconds(host) == frozen
    ui.shot(host, "host-7-paused")
    ui.shot(anna, "phone-7-paused")
    ui.audit(host, "paused question")
    ui.audit(anna, "phone, paused", width=360)

    # An answer while paused is refused; the question comes back to answer later.
    option(anna, SAILS).tap()
    expect(anna.locator("#toast")).to_have_text("The teacher paused the game. Answer again when it goes on.")
    screen(anna, "question")

    # Resume with the button (mouse); then T adds time.
    host.locator("#pause").click()
    expect(host.locator("#timer")).to_have_attribute("data-paused", "false")
    expect(anna.locator(".paused-note")).to_be_hidden()
    expect(host.locator(".timer-number")).not_to_have_text(str(frozen))
    before = seconds(host)
    host.keyboard.press("t")
    expect(host.locator(".timer-number")).to_have_text(re.compile(r"^\d+$"))
    host.wait_for_function(f"() => Number(document.querySelector('.timer-number').textContent) >= {before + 8}")
    phone_left = seconds(anna)
    assert phone_left >= before + 7, (phone_left, before)

    # Remove Boris mid-question from the roster, all by keyboard.
    host.keyboard.press("r")
    roster = host.locator("dialog.roster")
    expect(roster.locator(".roster-name")).to_have_text(["Anna", "Boris", "Chen"])
    expect(roster.get_by_role("button", name="Remove Anna")).to_be_focused()
    host.keyboard.press("Tab")
    expect(roster.get_by_role("button", name="Remove Boris")).to_be_focused()
    host.keyboard.press("Enter")
    expect(host.locator("dialog", has_text="Remove Boris?")).to_be_visible()
    host.keyboard.press("Enter")
    screen(boris, "ended")
    expect(roster.locator(".roster-name")).to_have_text(["Anna", "Chen"])
    host.keyboard.press("Escape")
    expect(roster).to_have_count(0)
    expect(host.locator("#answered-caption")).to_have_text("of 2 answered")

    # Both who are left answer: the question closes by itself.
    option(anna, SAILS).tap()
    option(chen, "A rudder fixed to the stern of the ship").tap()
    screen(host, "reveal")
    expect(anna.locator(".result h1")).to_have_text("Correct!")

    # Skip ahead with S to the multi-select question (4 of 4).
    for expected in ("question", "reveal", "question", "reveal", "question"):
        host.keyboard.press("s")
        screen(host, expected)
    expect(host.locator(".q-count")).to_have_text("Question 4 of 4")
    expect(host.locator(".q-top .badge").first).to_have_text("Select all that apply")
    screen(anna, "question")
    expect(anna.locator(".q-hint")).to_have_text("Select all that apply, then submit.")
    send = anna.get_by_role("button", name="Select at least one")
    expect(send).to_be_disabled()
    for word in ("Mars", "Pluto", "Venus", "Jupiter"):
        option(anna, word).tap()
    option(anna, "Pluto").tap()  # changed her mind
    expect(option(anna, "Pluto")).to_have_attribute("aria-pressed", "false")
    expect(option(anna, "Mars")).to_have_attribute("aria-pressed", "true")
    ui.shot(anna, "phone-2-question-multi-select")
    ui.audit(anna, "phone multi-select", width=360)
    anna.get_by_role("button", name="Submit 3 answers").tap()
    screen(anna, "locked")
    expect(anna.locator(".your-answer .opt-text")).to_have_text(["Mars", "Venus", "Jupiter"])
    # Chen by keyboard: Space toggles an option, then the submit button.
    option(chen, "Mars").focus()
    chen.keyboard.press("Space")
    chen.keyboard.press("Tab")
    chen.keyboard.press("Space")  # Venus
    expect(chen.get_by_role("button", name="Submit 2 answers")).to_be_enabled()
    chen.get_by_role("button", name="Submit 2 answers").focus()
    chen.keyboard.press("Enter")

    screen(host, "reveal")
    expect(host.locator(".tile.is-correct .opt-text")).to_have_text(["Mars", "Venus", "Jupiter"])
    expect(host.locator(".bar-count")).to_have_text(["2", "2", "0", "0", "1"])
    ui.shot(host, "host-3-reveal-multi")
    ui.audit(host, "host reveal (multi)")
    expect(anna.locator(".result h1")).to_have_text("Correct!")
    expect(chen.locator(".result h1")).to_have_text("Partly right")
    expect(chen.locator(".result-points")).to_have_text(re.compile(r"^\+\d+"))
    expect(chen.locator(".correct-block .opt-text")).to_have_text(["Mars", "Venus", "Jupiter"])
    ui.shot(chen, "phone-4-result-partly")
    ui.audit(chen, "phone partly right", width=360)
