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
from typing import Any, Literal
from urllib.parse import urlsplit

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

# Only the app itself may be asked for anything: no CDN, no fonts, no analytics.
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# Every page reports Content-Security-Policy refusals as console errors (which
# the Ui fixture fails on). Init scripts are injected by the browser, not the
# page, so the policy does not block this one.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""

# What every screen must satisfy, measured in the page: no sideways scrolling,
# text of at least 16 px, WCAG AA contrast for every visible piece of text
# (4.5:1, or 3:1 for large text), a name for every control, and — with
# prefers-reduced-motion — no animation that actually moves.
AUDIT = """
() => {
  const problems = [];
  const rgba = (s) => {
    const m = s.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat([1]);
  };
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const page = rgba(getComputedStyle(document.body).backgroundColor);
  const background = (el) => {
    const layers = [];
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let colour = page;
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const opacity = (el) => {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  };
  const visible = (el) => {
    if (el.closest(".visually-hidden, [hidden], [aria-hidden=true]")) return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && getComputedStyle(el).visibility !== "hidden";
  };
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`page is ${document.documentElement.scrollWidth}px wide in a ${width}px viewport`);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim()) continue;
    seen.add(el);
    if (!visible(el) || el.closest("script, style, noscript, svg")) continue;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    const label = `"${node.textContent.trim().slice(0, 30)}" (${el.tagName.toLowerCase()}.${el.className})`;
    if (size < 16 && !(el.tagName === "KBD" && size >= 14)) problems.push(`${label}: ${size}px text`);
    if (el.closest(":disabled")) continue; // inactive controls are exempt from contrast
    const bg = background(el);
    const fg = rgba(style.color);
    fg[3] *= opacity(el);
    const r = ratio(over(fg, bg), bg);
    const bold = Number(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (r < (large ? 3 : 4.5)) problems.push(`${label}: contrast ${r.toFixed(2)}`);
  }
  for (const el of document.querySelectorAll("button, input, select, textarea, a[href]")) {
    if (!visible(el) || el.type === "hidden") continue;
    const name = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")
      || (el.labels && el.labels.length) || el.textContent.trim() || el.getAttribute("title");
    if (!name) problems.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} has no accessible name`);
  }
  if (matchMedia("(prefers-reduced-motion: reduce)").matches) {
    for (const a of document.getAnimations()) {
      const t = a.effect && a.effect.getComputedTiming();
      if (t && (t.duration > 1 || t.iterations > 1)) problems.push(`animation ${a.animationName || a.id} still runs`);
    }
  }
  return problems;
}
"""

# The projector must show every screen whole: no element of the page outside the
# viewport (nothing to scroll to, nothing cut off at a side).
FIT = """
() => {
  const problems = [];
  const w = window.innerWidth;
  const h = window.innerHeight;
  const root = document.scrollingElement;
  if (root.scrollHeight > h + 1) problems.push(`page is ${root.scrollHeight}px tall in a ${h}px viewport`);
  if (root.scrollWidth > w + 1) problems.push(`page is ${root.scrollWidth}px wide in a ${w}px viewport`);
  const skip = ".visually-hidden, .skip-link, [hidden], dialog:not([open]), .confetti, .toast, script, style, noscript";
  const named = (el) => `${el.tagName.toLowerCase()}.${String(el.className.baseVal ?? el.className).split(" ")[0]}`;
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(skip)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || getComputedStyle(el).visibility === "hidden") continue;
    if (r.left < -1 || r.top < -1 || r.right > w + 1 || r.bottom > h + 1) {
      const box = [r.left, r.top, r.right, r.bottom].map(Math.round);
      problems.push(`${named(el)} at ${box[0]},${box[1]}-${box[2]},${box[3]}`);
    }
  }
  // Nothing important covered by something else (content squeezed under its neighbour).
  const important = ".tile, .bar, .explanation, .q-title, .sb-row, .step, .btn, .timer-ring, .answered-box, "
    + ".room-code, .lobby-qr img, .player-chip, .answer-box, .brand";
  for (const el of document.querySelectorAll(important)) {
    if (el.closest(".visually-hidden, [hidden], dialog:not([open])")) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    const x = Math.min(w - 1, Math.max(0, r.left + r.width / 2));
    const y = Math.min(h - 1, Math.max(0, r.top + r.height / 2));
    const hit = document.elementFromPoint(x, y);
    if (hit && !el.contains(hit) && !hit.closest(".confetti, .toast")) {
      problems.push(`${named(el)} covered by ${named(hit)}`);
    }
  }
  return problems.slice(0, 8);
}
"""

# The projector's sizes: 720p, the common laptop, 1080p, 4K, and 1080p at 200 % zoom.
PROJECTOR_SIZES = [(1280, 720), (1366, 768), (1920, 1080), (3840, 2160), (960, 540)]

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
        self.requests: list[str] = []

    def page(self, kind: dict[str, Any], reduced_motion: Literal["reduce", "no-preference"] = "reduce") -> Page:
        """A new tab in its own context (tabs sharing a context run much slower here)."""
        context = self.browser.new_context(**kind, reduced_motion=reduced_motion)
        self.contexts.append(context)
        return self.watch(context.new_page())

    def projector(self) -> Page:
        return self.page(PROJECTOR)

    def phone(self) -> Page:
        return self.page(PHONE)

    def watch(self, page: Page) -> Page:
        """Record script errors, CSP refusals, any alert() (an XSS would fire one)
        and any request that would leave this machine."""
        page.add_init_script(CSP_WATCH)
        page.on("pageerror", lambda e: self.problems.append(f"{page.url}: {e}"))
        page.on("request", lambda r: self.request(r.url))
        page.on("websocket", lambda ws: self.request(ws.url))
        # A console "Failed to load resource" is expected for an API 404 (an
        # unknown room code), so those are not errors; a missing asset is.
        page.on(
            "response",
            lambda r: (
                self.problems.append(f"{r.status} for {r.url}") if r.status >= 400 and "/static/" in r.url else None
            ),
        )
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

    def request(self, url: str) -> None:
        self.requests.append(url)
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname not in LOCAL_HOSTS:
            self.problems.append(f"request to a third party: {url}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    def audit(self, page: Page, where: str, width: int | None = None) -> None:
        """Readable, contrasted, named, still: see AUDIT. `width` checks the page
        at that viewport width (e.g. a 360 px phone), then puts the size back."""
        size = page.viewport_size
        if width is not None and size is not None:
            page.set_viewport_size({"width": width, "height": 740})
        try:
            found = page.evaluate(AUDIT)
        finally:
            if width is not None and size is not None:
                page.set_viewport_size(size)
        assert found == [], f"{where}: {found}"

    def fits(self, page: Page, where: str, shot: str = "", sizes: list[tuple[int, int]] = PROJECTOR_SIZES) -> None:
        """Every element inside the viewport at each projector size (a screenshot of
        each when `shot` names it); then the size is put back."""
        size = page.viewport_size
        found: dict[str, list[str]] = {}
        try:
            for width, height in sizes:
                page.set_viewport_size({"width": width, "height": height})
                page.wait_for_timeout(50)
                problems = page.evaluate(FIT)
                if shot:
                    self.shot(page, f"{shot}-{width}x{height}")
                if problems:
                    found[f"{width}x{height}"] = problems
                    self.shot(page, f"unfit-{where.replace(' ', '-')}-{width}x{height}")
        finally:
            if size is not None:
                page.set_viewport_size(size)
        assert found == {}, f"{where}: {found}"

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
        assert helper.requests, "the request recorder saw nothing"
        assert helper.problems == [], helper.problems
    finally:
        helper.close()
