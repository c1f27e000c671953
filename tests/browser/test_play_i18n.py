"""The player's page in Arabic and in Russian: the texts come from the catalogs, Arabic
lays out right to left, and a screen reader hears every state change once, in the
page's language.

A host drives the game over the WebSocket (no projector); one phone opens the join
link with ?lang=ar, one with ?lang=ru, and a third picks Spanish with the language
picker. The expected texts are read from static/i18n/<lang>/*.json and filled here,
with the numbers and plural forms the page's own Intl chooses, so a key the page
forgot to translate (or an English leftover) fails. What the live regions say is
recorded in the page by a MutationObserver injected before any script runs.
"""

from __future__ import annotations

import json
import re
import threading
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect
from websockets.sync.client import ClientConnection, connect

STATIC = Path(__file__).resolve().parents[2] / "static"
AREAS = ("common", "play")

LAYLA, BORIS = "ليلى", "Борис"  # the Arabic phone's and the Russian phone's nicknames

# Long enough to hear "10 seconds left" before the last answer, short enough for a test.
SECONDS = 12
DECK = {
    "id": "capitals",
    "title": "Capitals",
    "questions": [
        {
            "kind": "choice",
            "prompt": "Which city is the capital of France?",
            "options": ["Paris", "Lyon", "Marseille", "Nice"],
            "correct": "Paris",
            "time_limit": SECONDS,
        }
    ],
}

# Every non-empty text #live and #timer-live take, in order: an announcement set twice
# (dom.js's announce() empties the region first) is recorded twice.
RECORDER = """
window.__said = [];
(() => {
  const last = { live: "", "timer-live": "" };
  new MutationObserver(() => {
    for (const id of Object.keys(last)) {
      const region = document.getElementById(id);
      if (!region) continue;
      const now = region.textContent;
      if (now !== last[id] && now.trim()) window.__said.push({ region: id, text: now });
      last[id] = now;
    }
  }).observe(document, { childList: true, characterData: true, subtree: true });
})();
"""


@cache
def catalog(lang: str) -> dict[str, Any]:
    """What the page's t() reads: English under the language's own messages."""
    merged: dict[str, Any] = {}
    for code in dict.fromkeys(("en", lang)):
        for area in AREAS:
            merged.update(json.loads((STATIC / "i18n" / code / f"{area}.json").read_text(encoding="utf-8")))
    return merged


def page_lang(page: Page) -> str:
    return str(page.evaluate("document.documentElement.lang"))


def number(page: Page, n: int) -> str:
    return str(page.evaluate("([l, n]) => new Intl.NumberFormat(l).format(n)", [page_lang(page), n]))


def text(page: Page, key: str, **values: Any) -> str:
    """The catalog's message for `key` in the page's language, filled as i18n.js fills it."""
    lang = page_lang(page)
    message = catalog(lang)[key]
    if isinstance(message, dict):
        form = page.evaluate("([l, n]) => new Intl.PluralRules(l).select(n)", [lang, values["count"]])
        message = message.get(form, message["other"])

    def fill(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        return number(page, value) if isinstance(value, int) else str(value)

    return re.sub(r"\{(\w+)\}", fill, message)


def ordinal(page: Page, n: int) -> str:
    lang = page_lang(page)
    forms = catalog(lang)["common.ordinal"]
    form = page.evaluate("([l, n]) => new Intl.PluralRules(l, { type: 'ordinal' }).select(n)", [lang, n])
    return str(forms.get(form, forms["other"])).replace("{n}", number(page, n))


def said(page: Page, region: str) -> list[str]:
    return [entry["text"] for entry in page.evaluate("window.__said") if entry["region"] == region]


def seconds_left(page: Page, n: int) -> str:
    """countdown.js's words for the time left (common.countdown.left once the common area has it)."""
    if "common.countdown.left" in catalog(page_lang(page)):
        return text(page, "common.countdown.left", count=n)
    return f"{n} seconds left"


class Host:
    """The teacher, over the WebSocket: a thread keeps reading so the server never waits."""

    def __init__(self, ws: ClientConnection, code: str, token: str) -> None:
        self.ws = ws
        self.code = code
        ws.send(json.dumps({"type": "host", "token": token}))
        assert json.loads(ws.recv(timeout=10))["type"] == "host_welcome"
        threading.Thread(target=self.drain, daemon=True).start()

    def drain(self) -> None:
        try:
            for _ in self.ws:
                pass
        except Exception:  # the socket closes when the test ends
            return

    def send(self, kind: str) -> None:
        self.ws.send(json.dumps({"type": kind}))


def frames_of(page: Page) -> list[dict[str, Any]]:
    """Every frame the page's WebSocket receives, parsed."""
    frames: list[dict[str, Any]] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(json.loads(payload))))
    return frames


def received(page: Any, frames: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    """The first `kind` frame the page's socket received. Playwright reports frames to
    Python after the page may already show them: wait (letting events in) until it is here."""
    for _ in range(100):
        found = next((f for f in frames if f["type"] == kind), None)
        if found is not None:
            return found
        page.wait_for_timeout(50)
    raise AssertionError(f"no {kind} frame arrived")


def phone(ui: Any, lang: str, code: str, nickname: str) -> tuple[Page, list[dict[str, Any]]]:
    """A phone that opens the join link in `lang`, checks the join screen and joins."""
    page = ui.phone()
    page.add_init_script(RECORDER)
    frames = frames_of(page)
    page.goto(f"{ui.base}/join/{code}?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(page.locator("#join-title")).to_have_text(text(page, "play.join.title"))
    expect(page.locator("label[for=code]")).to_have_text(text(page, "play.join.code"))
    expect(page.locator("label[for=nickname]")).to_have_text(text(page, "play.join.nickname"))
    expect(page.locator("#nick-hint")).to_have_text(text(page, "play.join.nick_hint", count=20))
    expect(page.locator("#room-info")).to_have_text(text(page, "play.join.room_open", title=DECK["title"]))
    expect(page.locator("#room-info bdi")).to_have_text(str(DECK["title"]))
    picker = page.get_by_label(text(page, "common.language"))
    expect(picker).to_have_value(lang)
    page.locator("#nickname").fill(nickname)
    ui.shot(page, f"phone-{lang}-0-join")
    phone_size = page.viewport_size
    assert phone_size is not None
    page.set_viewport_size({"width": 1920, "height": 1080})  # a laptop opening the join link
    ui.shot(page, f"phone-{lang}-0-join-1920x1080")
    page.set_viewport_size(phone_size)
    ui.audit(page, f"{lang} join", width=360)
    page.get_by_role("button", name=text(page, "play.join.submit"), exact=True).tap()
    ui.screen(page, "lobby")
    expect(page.locator(".big-title")).to_have_text(text(page, "play.lobby.title"))
    expect(page.locator(".nick-chip")).to_have_attribute(
        "aria-label", text(page, "play.lobby.nickname", nickname=nickname)
    )
    expect(page.locator(".lead")).to_have_text(text(page, "play.lobby.lead"))
    expect(page.get_by_label(text(page, "common.language"))).to_have_value(lang)
    ui.shot(page, f"phone-{lang}-1-lobby")
    ui.audit(page, f"{lang} lobby", width=360)
    return page, frames


def test_a_question_in_arabic_and_russian(ui) -> None:  # type: ignore[no-untyped-def]
    response = httpx.post(f"{ui.base}/api/rooms", json={"deck_data": DECK})
    assert response.status_code == 201, response.text
    room = response.json()
    with connect(f"{ui.base.replace('http://', 'ws://')}/ws/{room['code']}") as ws:
        play(ui, Host(ws, str(room["code"]), room["host_token"]))


def play(ui: Any, host: Host) -> None:
    # The picker: a phone in English chooses Spanish; the page comes back in Spanish and
    # stays so without ?lang= (the choice is remembered on the device).
    chooser = ui.phone()
    chooser.goto(f"{ui.base}/join/{host.code}")
    expect(chooser.locator("html")).to_have_attribute("lang", "en")
    chooser.get_by_label("Language").select_option("es")
    expect(chooser.locator("html")).to_have_attribute("lang", "es")
    expect(chooser.locator("#join-title")).to_have_text(text(chooser, "play.join.title"))
    chooser.reload()
    expect(chooser.locator("html")).to_have_attribute("lang", "es")
    expect(chooser.locator("#join-title")).to_have_text(text(chooser, "play.join.title"))
    chooser.context.close()
    ui.contexts.remove(chooser.context)

    ar, ar_frames = phone(ui, "ar", host.code, LAYLA)
    ru, ru_frames = phone(ui, "ru", host.code, BORIS)

    host.send("start")
    for page in (ar, ru):
        ui.screen(page, "question")
        expect(page.locator(".q-count")).to_have_text(text(page, "play.question.count", number=1, total=1))
        expect(page.locator(".timer-unit")).to_have_text(text(page, "play.timer.unit"))
        expect(page.locator(".answer-btn")).to_have_count(4)
        expect(
            page.get_by_role("button", name=text(page, "play.answer.option", letter="A", text="Paris"))
        ).to_be_visible()
        expect(page.locator(".answer-grid")).to_have_attribute("aria-labelledby", "q-prompt")
    ui.shot(ar, "phone-ar-2-question")
    ui.shot(ru, "phone-ru-2-question")
    ui.audit(ar, "ar question", width=360)

    # Arabic answers at once; Russian only after "10 seconds left" (time running out).
    ui.option(ar, "Paris").tap()
    ui.screen(ar, "locked")
    expect(ar.locator(".big-title")).to_have_text(text(ar, "play.locked.title"))
    expect(ar.locator(".your-answer .eyebrow")).to_have_text(text(ar, "play.answer.yours"))
    expect(ar.locator(".lead")).to_have_text(text(ar, "play.locked.wait"))
    ui.shot(ar, "phone-ar-3-locked")
    ui.audit(ar, "ar locked", width=360)
    for page in (ar, ru):  # "10 seconds left", on the question and on the locked-in screen
        page.wait_for_function("() => window.__said.filter((e) => e.region === 'timer-live').length >= 2")
    ui.option(ru, "Lyon").tap()

    for page in (ar, ru):
        ui.screen(page, "result")
    ar_result = received(ar, ar_frames, "result")
    ru_result = received(ru, ru_frames, "result")
    assert (ar_result["rank"], ru_result["rank"]) == (1, 2)
    ar_rank = text(ar, "play.rank.lead", place=ordinal(ar, 1))
    assert ru_result["behind"]["nickname"] == LAYLA
    ru_rank = text(ru, "play.rank.behind", place=ordinal(ru, 2), count=ru_result["behind"]["points"], nickname=LAYLA)
    expect(ar.locator(".result h1")).to_have_text(text(ar, "play.result.correct"))
    expect(ar.locator(".result-rank")).to_have_text(ar_rank)
    expect(ar.locator(".result-total")).to_have_text(
        f"{text(ar, 'play.result.score')} {number(ar, ar_result['score'])}"
    )
    expect(ru.locator(".result h1")).to_have_text(text(ru, "play.result.wrong"))
    expect(ru.locator(".result-rank")).to_have_text(ru_rank)
    expect(ru.locator(".result-rank bdi")).to_have_text(LAYLA)  # its own direction inside Russian
    expect(ru.locator(".correct-block .eyebrow")).to_have_text(text(ru, "play.correct.one"))
    ui.shot(ar, "phone-ar-4-result")
    ui.shot(ru, "phone-ru-4-result")
    ui.audit(ar, "ar result", width=360)
    ui.audit(ru, "ru result", width=360)

    host.send("next")  # reveal -> scoreboard
    for page in (ar, ru):
        ui.screen(page, "scoreboard")
        expect(page.locator(".big-title")).to_have_text(text(page, "play.scoreboard.title"))
    ui.shot(ar, "phone-ar-5-scoreboard")
    host.send("next")  # the last question was played: finished
    for page in (ar, ru):
        ui.screen(page, "finished")
    ru_standing = received(ru, ru_frames, "standing")
    ar_standing = received(ar, ar_frames, "standing")
    ar_headline = text(ar, "play.finished.won")
    ru_headline = text(ru, "play.finished.place", place=ordinal(ru, 2))
    expect(ar.locator(".big-title")).to_have_text(ar_headline)
    expect(ru.locator(".big-title")).to_have_text(ru_headline)
    summary = text(ru, "play.finished.summary", place=ordinal(ru, 2), players=2, count=ru_standing["score"])
    expect(ru.locator(".lead")).to_have_text(summary)
    expect(ar.locator(".mini-podium")).to_have_attribute("aria-label", text(ar, "play.finished.podium"))
    ui.shot(ar, "phone-ar-6-finished")
    ui.shot(ru, "phone-ru-6-finished")
    ui.audit(ar, "ar finished", width=360)

    # What a screen reader heard: each state change once, in the page's language.
    prompt = DECK["questions"][0]["prompt"]  # type: ignore[index]
    heard = [
        (ar, LAYLA, ar_result, "play.result.correct", ar_rank, ar_headline, ar_standing),
        (ru, BORIS, ru_result, "play.result.wrong", ru_rank, ru_headline, ru_standing),
    ]
    for page, nickname, result, title, rank, headline, standing in heard:
        expect_said(
            page,
            [
                f"{text(page, 'play.lobby.title')} {text(page, 'play.lobby.nickname', nickname=nickname)}",
                text(page, "play.question.announce", number=1, total=1, prompt=prompt),
                text(page, "play.locked.announce"),
                result_words(page, result, title, rank),
                text(page, "play.finished.announce", headline=headline, count=standing["score"]),
            ],
        )
    for page in (ar, ru):
        timer = said(page, "timer-live")
        assert timer[0] in (seconds_left(page, SECONDS), seconds_left(page, SECONDS - 1)), timer
        assert timer[1:] == [seconds_left(page, 10)], timer


def result_words(page: Page, result: dict[str, Any], title: str, rank: str) -> str:
    gained = result["points"] + result["bonus"]
    words = {"title": text(page, title), "rank": rank, "score": result["score"], "count": gained}
    return text(page, "play.result.announce_gained" if gained > 0 else "play.result.announce", **words)


def expect_said(page: Page, wanted: list[str]) -> None:
    """#live said exactly these, once each, in this order (announce() writes after 30 ms)."""
    page.wait_for_function("(n) => window.__said.filter((e) => e.region === 'live').length >= n", arg=len(wanted))
    page.wait_for_timeout(300)
    assert said(page, "live") == wanted
