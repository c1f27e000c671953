"""The projector shows every screen whole at 1280×720, 1366×768, 1920×1080,
3840×2160 and 1920×1080 at 200 % zoom: the question with six long options,
the reveal with its chart and explanation, a full leaderboard, the podium."""

from __future__ import annotations

from playwright.sync_api import Page, expect

DECK = "A long lesson"
NAMES = ["Anastasia Papadopoulou", "Bartholomew", "Chiara", "Dmitri Alexandrovich", "Eleanor"]


def test_projector_fits_every_screen(ui) -> None:  # type: ignore[no-untyped-def]
    screen, option = ui.screen, ui.option
    host = ui.projector()
    code = ui.create_room(host, DECK)
    ui.fits(host, "lobby, empty")
    phones: list[Page] = []
    for name in NAMES:
        phone = ui.phone()
        ui.join(phone, code, name[:20])
        phones.append(phone)
    expect(host.locator("#lobby-count")).to_have_text("5 players")
    ui.fits(host, "lobby", shot="fit-lobby")

    # Six long options, then the reveal with its chart and a long explanation.
    host.keyboard.press("Space")
    screen(host, "question")
    expect(host.locator(".tile")).to_have_count(6)
    ui.fits(host, "question, six options", shot="fit-question")
    for i, phone in enumerate(phones):
        screen(phone, "question")
        phone.locator(".answer-btn").nth(i % 6).tap()
    screen(host, "reveal")
    expect(host.locator(".explanation")).to_be_visible()
    ui.shot(host, "host-3-reveal-long")
    ui.fits(host, "reveal, six options and an explanation", shot="fit-reveal")
    host.keyboard.press("Space")
    screen(host, "scoreboard")
    expect(host.locator(".sb-row")).to_have_count(5)
    ui.fits(host, "leaderboard of five", shot="fit-leaderboard")

    # A poll of six.
    host.keyboard.press("Space")
    screen(host, "question")
    ui.fits(host, "poll")
    for i, phone in enumerate(phones):
        screen(phone, "question")
        phone.locator(".answer-btn").nth(i).tap()
    screen(host, "reveal")
    ui.fits(host, "poll reveal")
    host.keyboard.press("Space")
    screen(host, "scoreboard")

    # Six items to order; the teacher closes it early.
    host.keyboard.press("Space")
    screen(host, "question")
    ui.fits(host, "order, six items")
    for phone in phones[:2]:
        for word in ("Find money for the ship", "Hire a crew", "Load food and water", "Leave the harbour",
                     "Cross the open sea", "Reach the far coast"):
            option(phone, word).tap()
        phone.get_by_role("button", name="Submit order").tap()
    host.keyboard.press("Space")
    screen(host, "reveal")
    ui.shot(host, "host-3-reveal-order-long")
    ui.fits(host, "order reveal", shot="fit-reveal-order")
    host.keyboard.press("Space")
    screen(host, "scoreboard")

    # Select all that apply: the tiles, then the right set over a per-option chart.
    host.keyboard.press("Space")
    screen(host, "question")
    ui.fits(host, "multi-select")
    for picks, phone in zip((["Mars", "Venus", "Jupiter"], ["Mars", "Pluto"]), phones, strict=False):
        for word in picks:
            option(phone, word).tap()
        phone.get_by_role("button", name="Submit").tap()
    host.keyboard.press("Space")
    screen(host, "reveal")
    ui.fits(host, "multi-select reveal", shot="fit-reveal-multi")
    host.keyboard.press("Space")
    screen(host, "scoreboard")
    host.keyboard.press("Space")
    screen(host, "finished")
    ui.fits(host, "podium", shot="fit-podium")
