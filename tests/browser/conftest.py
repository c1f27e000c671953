"""Browser tests: a real server process, Debian's Chromium driven by Playwright.

These run after every other test (pytest-playwright's sync API keeps an event
loop running, which breaks pytest-asyncio tests that come after it).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

HERE = Path(__file__).parent
DECKS = HERE / "decks"
SCREENSHOTS = HERE.parent.parent / "test-output" / "screenshots"

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    # Chromium resolves Google hosts at start-up; keep every lookup local.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}, "device_scale_factor": 1}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real Chromium against a real server (runs last)")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last, whatever order the files were collected in."""
    browser, other = [], []
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            browser.append(item)
        else:
            other.append(item)
    items[:] = other + browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A real server (subprocess) serving the test decks.

    THAW_TEST_SERVER_URL points the tests at a server already running instead
    (started with THAW_CONTENT=tests/browser/decks).
    """
    running = os.environ.get("THAW_TEST_SERVER_URL")
    if running:
        yield running.rstrip("/")
        return
    from tests.support.servers import start_server

    server = start_server(env={"THAW_CONTENT": str(DECKS)})
    try:
        yield server.url.rstrip("/")
    finally:
        stop = getattr(server, "stop", None) or getattr(server, "close", None)
        if stop is not None:
            stop()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


class Ui:
    """What the browser tests do again and again: open pages, check screens, join."""

    def __init__(self, browser: Browser, base: str, screenshots: Path) -> None:
        self.browser = browser
        self.base = base
        self.screenshots = screenshots
        self.problems: list[str] = []
        self.contexts: list[BrowserContext] = []

    def page(self, kind: dict[str, Any]) -> Page:
        """A new tab in its own context (tabs sharing a context run much slower here)."""
        context = self.browser.new_context(**kind, reduced_motion="reduce")
        self.contexts.append(context)
        return self.watch(context.new_page())

    def projector(self) -> Page:
        return self.page(PROJECTOR)

    def phone(self) -> Page:
        return self.page(PHONE)

    def watch(self, page: Page) -> Page:
        """Record script errors, CSP refusals and any alert() (an XSS would fire one)."""
        page.on("pageerror", lambda e: self.problems.append(f"{page.url}: {e}"))
        page.on(
            "console",
            lambda m: (
                self.problems.append(f"{page.url}: {m.text}")
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )

        def dialog(d: Any) -> None:
            self.problems.append(f"dialog {d.type}: {d.message}")
            d.dismiss()

        page.on("dialog", dialog)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    @staticmethod
    def screen(page: Page, name: str) -> None:
        expect(page.locator(f"main[data-screen='{name}']")).to_be_visible()

    def shot(self, page: Page, name: str) -> None:
        page.screenshot(path=str(self.screenshots / f"{name}.png"))

    @staticmethod
    def option(page: Page, text: str) -> Locator:
        """The answer button whose text is exactly `text`."""
        exact = page.locator(".opt-text", has_text=re.compile(rf"^{re.escape(text)}$"))
        return page.locator(".answer-btn", has=exact)

    def create_room(self, host: Page, deck_title: str, generated: bool = False, max_players: int | None = None) -> str:
        host.goto(f"{self.base}/host")
        host.locator(".deck-card", has_text=deck_title).click()
        if generated:
            host.get_by_label("Generated nicknames").check()
        if max_players is not None:
            host.get_by_label("Max players").fill(str(max_players))
        host.get_by_role("button", name="Create game").click()
        self.screen(host, "lobby")
        code = host.locator(".room-code").inner_text().replace(" ", "")
        assert re.fullmatch(r"[1-9]\d{5}", code), code
        expect(host).to_have_url(re.compile(rf"/host#{code}$"))
        return code

    def join(self, page: Page, code: str, nickname: str) -> None:
        page.goto(f"{self.base}/join/{code}")
        expect(page.locator("#code")).to_have_value(code)
        page.locator("#nickname").fill(nickname)
        page.get_by_role("button", name="Join").click()
        self.screen(page, "lobby")
        expect(page.locator(".nick-chip")).to_have_text(nickname)


@pytest.fixture
def ui(browser: Browser, server_url: str, screenshots: Path) -> Iterator[Ui]:
    expect.set_options(timeout=10_000)
    helper = Ui(browser, server_url, screenshots)
    try:
        yield helper
        assert helper.problems == [], helper.problems
    finally:
        helper.close()
