"""The teacher's controls on the projector: the deck picker's create button in
view, a lobby that does not move when the first player joins, Space as the
primary action after other controls were used, the roster to remove a player
mid-game, the remembered sound switch, skip, end early, the podium third to
first."""

from __future__ import annotations

import json

from playwright.sync_api import Page, Route, expect

DECK = "Every kind <b>of</b> question"
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}, "device_scale_factor": 1}
CONTROLS = ["#start", "#lock", "#roster-open", "#sound", "#fullscreen"]


def boxes(page: Page) -> dict[str, tuple[float, float, float, float]]:
    found = {}
    for selector in CONTROLS:
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        found[selector] = (box["x"], box["y"], box["width"], box["height"])
    return found


def in_view(page: Page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (selector, box, size)
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], (selector, box, size)


def many_decks(route: Route) -> None:
    """The real decks and a dozen more: a list longer than any screen."""
    decks = route.fetch().json()
    for n in range(12):
        decks.append({"id": f"extra-{n}", "title": f"Extra deck {n + 1}", "questions": 10, "kinds": ["choice"]})
    route.fulfill(status=200, content_type="application/json", body=json.dumps(decks))


def test_controls_by_keyboard_and_mouse(ui) -> None:  # type: ignore[no-untyped-def]
    screen, option = ui.screen, ui.option
    host = ui.page(PROJECTOR, reduced_motion="no-preference")
    host.route("**/api/decks", many_decks)

    # The create button is in view without scrolling, however long the list.
    host.goto(f"{ui.base}/host")
    expect(host.locator(".deck-card", has_text="Extra deck 12")).to_be_attached()
    for width, height in ((1280, 720), (1920, 1080)):
        host.set_viewport_size({"width": width, "height": height})
        in_view(host, "button[type=submit]")
        ui.shot(host, f"host-0-setup-{width}x{height}")
    code = ui.create_room(host, DECK)
    expect(host.locator("body")).to_have_attribute("data-sound", "on")
    expect(host.locator("body")).to_have_attribute("data-music", "lobby")
    expect(host.locator("body")).to_have_attribute("data-audio", "running")  # the page's own synthesis

    # Nothing moves when the first player joins (at two projector sizes).
    before = {}
    for width, height in ((1280, 720), (1920, 1080)):
        host.set_viewport_size({"width": width, "height": height})
        before[width] = boxes(host)
    phones = {name: ui.phone() for name in ("Anna", "Boris", "Chen", "Dana")}
    ui.join(phones["Anna"], code, "Anna")
    expect(host.locator("#lobby-count")).to_have_text("1 player")
    # A further control that shows up once players are in takes a row of its own.
    host.locator(".lobby-bar").evaluate(
        "bar => bar.append(Object.assign(document.createElement('button'), "
        "{type: 'button', className: 'btn btn-ghost btn-big', textContent: 'One more control'}))"
    )
    for width, height in ((1920, 1080), (1280, 720)):
        host.set_viewport_size({"width": width, "height": height})
        assert boxes(host) == before[width], f"controls moved at {width}x{height}"
    for name in ("Boris", "Chen", "Dana"):
        ui.join(phones[name], code, name)

    # Lock then unlock with the mouse: focus stays on that button, and Space
    # still starts the game instead of locking the room again.
    host.locator("#lock").click()
    expect(host.locator("#lock")).to_have_attribute("aria-pressed", "true")
    host.locator("#lock").click()
    expect(host.locator("#lock")).to_have_attribute("aria-pressed", "false")
    expect(host.locator("#lock")).to_be_focused()
    host.keyboard.press("Space")
    screen(host, "question")
    expect(host.locator(".badge-lock")).to_have_count(0)
    expect(host.locator("body")).to_have_attribute("data-music", "question")
    for key in ("P", "T", "Space"):
        expect(host.locator(f".q-top kbd:text-is('{key}')")).to_be_visible()

    # Sound off with M; the roster opens from its button and closes with Escape;
    # Space then closes the question (it does not reopen the roster).
    host.keyboard.press("m")
    expect(host.locator("body")).to_have_attribute("data-sound", "off")
    host.locator("#roster-open").click()
    roster = host.get_by_role("dialog")
    expect(roster.locator(".roster-name")).to_have_text(["Anna", "Boris", "Chen", "Dana"])
    host.keyboard.press("Escape")
    expect(roster).to_have_count(0)
    host.keyboard.press("Space")
    screen(host, "reveal")
    expect(host.locator("body")).to_have_attribute("data-music", "")

    # Remove a player mid-game from the roster (R), with the mouse.
    host.keyboard.press("r")
    roster = host.locator("dialog.roster")
    expect(roster).to_be_visible()
    ui.shot(host, "host-6-roster")
    ui.audit(host, "roster")
    roster.get_by_role("button", name="Remove Boris").click()
    confirm = host.locator("dialog", has_text="Remove Boris?")
    confirm.get_by_role("button", name="Remove").click()
    screen(phones["Boris"], "ended")
    expect(phones["Boris"].locator("main h1")).to_have_text("The teacher removed you from this game.")
    expect(roster.locator(".roster-name")).to_have_text(["Anna", "Chen", "Dana"])
    roster.get_by_role("button", name="Close").click()
    expect(host.locator("#tb-players")).to_have_text("3 players")

    # The sound switch is remembered by the browser.
    host.reload()
    screen(host, "reveal")
    expect(host.locator("body")).to_have_attribute("data-sound", "off")
    expect(host.get_by_role("button", name="Sound off M")).to_have_attribute("aria-pressed", "false")

    # S skips the leaderboard: straight to the next question. Answers give three
    # different scores; then E ends the game early.
    host.keyboard.press("s")
    screen(host, "question")
    expect(host.locator(".q-count")).to_have_text("Question 2 of 7")
    option(phones["Anna"], "2").tap()
    host.wait_for_timeout(400)
    option(phones["Chen"], "3").tap()
    option(phones["Dana"], "4").tap()
    screen(host, "reveal")
    host.keyboard.press("e")
    end = host.locator("dialog", has_text="End the game now?")
    expect(end).to_be_visible()
    host.keyboard.press("Enter")
    screen(host, "finished")
    screen(phones["Anna"], "finished")

    # The podium comes third, then second, then first, then the confetti.
    delays = host.locator(".step").evaluate_all(
        "steps => steps.map((s) => [s.querySelector('.step-rank').textContent,"
        " parseFloat(getComputedStyle(s).animationDelay)])"
    )
    order = [rank for rank, _ in sorted(delays, key=lambda d: d[1])]
    assert order == ["3", "2", "1"], delays
    expect(host.locator(".confetti span").first).to_be_attached()
    host.wait_for_timeout(4300)
    ui.shot(host, "host-5-podium-celebration")
