"""Nobody loses their place: a closed tab comes back as the same player (also
after the instance that served it was replaced), the player's own nickname is
not refused to them, going offline is said at once, a late joiner waits for the
next question, the nickname field stops at the server's limit."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from playwright.sync_api import expect
from thaw.domain.nicknames import MAX_LENGTH

from tests.support.servers import free_port, start_server

DECKS = Path(__file__).parent / "decks"
DECK = "Every kind <b>of</b> question"
OFFLINE = "You're offline. Answers can't reach the game until your connection is back."


# At 200 % zoom a 390 px phone is 195 CSS px wide: nothing may scroll sideways,
# and the brand's every corner must still be the brand (nothing on top of it).
ZOOMED = """
() => {
  const problems = [];
  const root = document.scrollingElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    const right = (e) => e.getBoundingClientRect().right;
    const wide = [...document.querySelectorAll("body *")].filter((e) => right(e) > root.clientWidth + 1);
    const names = wide.slice(0, 4).map((e) => `${e.tagName.toLowerCase()}.${e.className.baseVal ?? e.className}`);
    problems.push(`${root.scrollWidth}px wide in ${root.clientWidth}px: ${names.join(", ")}`);
  }
  const brand = document.querySelector(".brand").getBoundingClientRect();
  for (const [x, y] of [[brand.left + 2, brand.top + 2], [brand.right - 2, brand.top + 2],
                        [brand.left + 2, brand.bottom - 2], [brand.right - 2, brand.bottom - 2]]) {
    const hit = document.elementFromPoint(x, y);
    if (!hit || !hit.closest(".brand, .topbar")) problems.push(`brand covered at ${x},${y} by ${hit && hit.className}`);
  }
  for (const el of document.querySelectorAll(".topbar-extra > *, #status")) {
    const r = el.getBoundingClientRect();
    const apart = r.left >= brand.right || r.right <= brand.left || r.top >= brand.bottom || r.bottom <= brand.top;
    if (r.width && r.height && !apart) {
      problems.push(`${el.className} overlaps the brand`);
    }
  }
  return problems;
}
"""


def zoomed(page) -> None:  # type: ignore[no-untyped-def]
    """The page at 200 % zoom (half the CSS width), checked, then put back."""
    page.set_viewport_size({"width": 195, "height": 422})
    try:
        assert page.evaluate(ZOOMED) == []
    finally:
        page.set_viewport_size({"width": 390, "height": 844})


def test_closed_tab_offline_and_late_join(ui) -> None:  # type: ignore[no-untyped-def]
    server_url, screen, option = ui.base, ui.screen, ui.option
    host = ui.projector()
    anna, boris = ui.phone(), ui.phone()
    code = ui.create_room(host, DECK)

    # The nickname field takes no more than the server accepts, as one types.
    boris.goto(f"{server_url}/join/{code}")
    boris.locator("#nickname").press_sequentially("B" * (MAX_LENGTH + 5))
    expect(boris.locator("#nickname")).to_have_value("B" * MAX_LENGTH)
    assert boris.locator("body").get_attribute("data-nick-max") == str(MAX_LENGTH)
    ui.join(boris, code, "Boris")
    ui.join(anna, code, "Anna")
    # Phones are silent until the player turns sound on; the choice is kept.
    expect(anna.locator("body")).to_have_attribute("data-sound", "off")
    anna.get_by_role("button", name="Sound").tap()
    expect(anna.locator("body")).to_have_attribute("data-sound", "on")
    expect(anna.get_by_role("button", name="Sound")).to_have_attribute("aria-pressed", "true")

    host.keyboard.press("Space")
    screen(host, "question")
    screen(anna, "question")

    # A late joiner is told to wait for the next question.
    late = ui.phone()
    late.goto(f"{server_url}/join/{code}")
    late.locator("#nickname").fill("Lena")
    late.get_by_role("button", name="Join").click()
    screen(late, "spectating")
    expect(late.locator("main h1")).to_have_text("Wait for the next question")
    ui.shot(late, "phone-6-late-join")
    zoomed(late)
    ui.audit(late, "late joiner", width=360)

    # Offline: the banner at once (the socket has not dropped yet), and an
    # answer tapped meanwhile says it was not sent.
    anna.context.set_offline(True)
    expect(anna.locator("#status")).to_have_text(OFFLINE, timeout=1000)
    option(anna, "Paris").tap()
    expect(anna.locator("#toast")).to_contain_text("You're offline: that answer was not sent.")
    screen(anna, "question")
    ui.shot(anna, "phone-6-offline")
    zoomed(anna)
    anna.context.set_offline(False)
    expect(anna.locator("#status")).to_be_hidden()
    option(anna, "Paris").tap()
    screen(anna, "locked")
    option(boris, "Lyon").tap()

    screen(host, "reveal")
    screen(anna, "result")
    expect(anna.locator(".result h1")).to_have_text("Correct!")
    score = anna.locator(".me-score").inner_text()
    assert score != "0"
    # The late joiner sees the answer, not "No answer, 3rd place".
    screen(late, "reveal")
    expect(late.locator("main h1")).to_have_text("Here's the answer")
    late.wait_for_timeout(300)
    screen(late, "reveal")
    expect(late.locator(".result")).to_have_count(0)
    late.reload()  # and still not after a reload at the reveal
    screen(late, "reveal")
    expect(late.locator("main h1")).to_have_text("Here's the answer")
    late.wait_for_timeout(300)
    expect(late.locator(".result")).to_have_count(0)

    # Anna closes the tab, then opens the join link again: the same player.
    context = anna.context
    anna.close()
    anna = ui.watch(context.new_page())
    anna.goto(f"{server_url}/join/{code}")
    screen(anna, "result")
    expect(anna.locator(".me-nick")).to_have_text("Anna")
    expect(anna.locator(".me-score")).to_have_text(score)
    expect(anna.locator("body")).to_have_attribute("data-sound", "on")
    ui.shot(anna, "phone-6-rejoined")
    zoomed(anna)
    anna.set_viewport_size({"width": 195, "height": 422})
    ui.shot(anna, "phone-6-zoomed-200")
    anna.set_viewport_size({"width": 390, "height": 844})

    # And again from the start page, typing her own nickname: not refused.
    anna.close()
    anna = ui.watch(context.new_page())
    anna.goto(f"{server_url}/")
    anna.locator("#code").fill(code)
    anna.locator("#nickname").fill("anna")
    anna.get_by_role("button", name="Join").click()
    screen(anna, "result")
    expect(anna.locator(".me-nick")).to_have_text("Anna")
    expect(host.locator(".tb-players")).to_have_text("3 players")

    # The streak carried over: a second right answer in a row.
    host.keyboard.press("Space")
    screen(host, "scoreboard")
    host.keyboard.press("Space")
    screen(anna, "question")
    screen(late, "question")
    option(anna, "3").tap()
    option(boris, "4").tap()
    option(late, "2").tap()
    screen(anna, "result")
    expect(anna.locator(".streak")).to_contain_text("2 in a row")
    expect(anna.locator(".me-score")).not_to_have_text(score)
    expect(late.locator(".result h1")).to_have_text("Correct!")


def test_rejoin_after_the_instance_is_replaced(ui) -> None:  # type: ignore[no-untyped-def]
    """Redis holds the game: the instance that served a player is replaced (a
    deploy, a crash) while her tab is closed; the join link on the new
    instance, at the same address, brings her back with her score."""
    screen, option = ui.screen, ui.option
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    env = {"REDIS_URL": redis_url, "THAW_REDIS_PREFIX": f"t{secrets.token_hex(4)}", "THAW_CONTENT": str(DECKS)}
    port = free_port()
    first = start_server(env={**env, "THAW_INSTANCE": "instance-1"}, port=port)
    second = None
    try:
        ui.base = first.url.rstrip("/")
        host, anna = ui.projector(), ui.phone()
        code = ui.create_room(host, DECK)
        ui.join(anna, code, "Anna")
        expect(host.locator("#lobby-count")).to_have_text("1 player")
        host.keyboard.press("Space")
        option(anna, "Paris").tap()
        screen(anna, "result")
        score = anna.locator(".me-score").inner_text()
        assert score != "0"

        context = anna.context
        anna.close()
        first.terminate()
        second = start_server(env={**env, "THAW_INSTANCE": "instance-2"}, port=port)
        anna = ui.watch(context.new_page())
        anna.goto(f"{ui.base}/join/{code}")
        screen(anna, "result")
        expect(anna.locator(".me-nick")).to_have_text("Anna")
        expect(anna.locator(".me-score")).to_have_text(score)
        # The projector found its way back too, and the game goes on.
        expect(host.locator("#status")).to_be_hidden()
        host.keyboard.press("Space")
        screen(host, "scoreboard")
        screen(anna, "scoreboard")
        # While no instance listened, the projector's retries were refused (the
        # browser logs each); that, and only that, was expected.
        ui.problems[:] = [p for p in ui.problems if f"127.0.0.1:{port}/ws/" not in p or "REFUSED" not in p]
    finally:
        first.kill()
        if second is not None:
            second.kill()
