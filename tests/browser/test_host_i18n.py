"""The projector in the host's language: a short game hosted in Spanish, with two
players over the WebSocket, shows Spanish on every screen from the lobby to the
report; in Arabic the projector and the report lay out right to left; the
language picker on the start screen is remembered.

Screenshots (1920×1080): test-output/screenshots/host-i18n-*.png."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from websockets.sync.client import ClientConnection, connect

DECK = "Every kind <b>of</b> question"
ARABIC_P = """() => document.dispatchEvent(new KeyboardEvent("keydown", { key: "ح", code: "KeyP", bubbles: true }))"""


class Phone:
    """A player driven over the WebSocket: joins, answers, reads frames by type."""

    def __init__(self, ws: ClientConnection, nickname: str) -> None:
        self.ws = ws
        self.ws.send(json.dumps({"type": "join", "nickname": nickname}))
        self.until("welcome")

    def until(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        end = time.monotonic() + timeout
        while True:
            frame: dict[str, Any] = json.loads(self.ws.recv(timeout=max(0.05, end - time.monotonic())))
            assert frame["type"] != "error", frame
            if frame["type"] == kind:
                return frame

    def choose(self, text: str) -> None:
        """Answer the open question with the option that reads `text`."""
        question = self.until("question")
        option = next(o["id"] for o in question["options"] if o["text"] == text)
        self.ws.send(json.dumps({"type": "answer", "index": question["index"], "answer": option}))
        self.until("answer_ack")


@contextmanager
def phone(base: str, code: str, nickname: str) -> Iterator[Phone]:
    with connect(f"{base.replace('http://', 'ws://')}/ws/{code}", open_timeout=10) as ws:
        yield Phone(ws, nickname)


def _create_room(ui: Any, host: Page, create: str = "") -> str:
    host.locator(".deck-card", has_text=DECK).click()
    button = host.get_by_role("button", name=create) if create else host.locator(".setup-actions [type=submit]")
    button.click()
    ui.screen(host, "lobby")
    code = host.locator(".room-code").inner_text().replace(" ", "")
    assert re.fullmatch(r"[1-9]\d{5}", code), code
    return code


def _end_game(ui: Any, host: Page, end: str) -> None:
    host.locator("#end").click()
    host.locator("dialog[open]").get_by_role("button", name=end).click()
    ui.screen(host, "finished")


def test_the_projector_and_the_report_in_spanish(ui) -> None:  # type: ignore[no-untyped-def]
    host = ui.projector()
    host.goto(f"{ui.base}/host?lang=es")
    expect(host.locator("html")).to_have_attribute("lang", "es")
    expect(host.locator("html")).to_have_attribute("dir", "ltr")
    expect(host.locator(".setup-title")).to_have_text("Organiza un quiz en directo")
    expect(host.locator("#topbar .lang-select")).to_have_value("es")
    expect(host.locator(".deck-card", has_text=DECK).locator(".deck-meta")).to_contain_text("7 preguntas")
    ui.shot(host, "host-i18n-es-setup")
    code = _create_room(ui, host, "Crear partida")

    # The lobby: how to join, the room code, the controls.
    expect(host.locator(".lobby-step").first).to_contain_text("Entra en")
    expect(host.locator(".lobby-step").nth(1)).to_have_text("e introduce el código de la sala")
    expect(host.locator(".room-code")).to_have_attribute("aria-label", f"Código de la sala {' '.join(code)}")
    expect(host.locator(".lobby-qr figcaption")).to_have_text("Escanea para unirte")
    expect(host.locator("#lobby-count")).to_have_text("Aún no hay jugadores")
    expect(host.locator("#lock")).to_have_text("Cerrar acceso")
    with phone(ui.base, code, "Ana") as ana, phone(ui.base, code, "Ben") as ben:
        expect(host.locator("#lobby-count")).to_have_text("2 jugadores")
        expect(host.locator("#start")).to_contain_text("Empezar")
        ui.shot(host, "host-i18n-es-lobby")
        ui.audit(host, "Spanish lobby")

        # The first question: its count, kind, timer and answers so far.
        host.keyboard.press("Space")
        ui.screen(host, "question")
        expect(host.locator(".q-count")).to_have_text("Pregunta 1 de 7")
        expect(host.locator(".q-top .badge").first).to_have_text("Opción múltiple")
        expect(host.locator(".timer-caption")).to_have_text("segundos")
        expect(host.locator("#primary")).to_contain_text("Cerrar respuestas")
        expect(host.locator("#pause")).to_contain_text("Pausa")
        expect(host.locator("#answered-caption")).to_have_text("de 2 han respondido")
        ana.choose("Paris")
        expect(host.locator("#answered-num")).to_have_text("1")
        ui.shot(host, "host-i18n-es-question")
        host.keyboard.press("p")
        expect(host.locator(".timer-caption")).to_have_text("en pausa")
        expect(host.locator("#pause")).to_contain_text("Reanudar")
        host.keyboard.press("p")
        expect(host.locator("#pause")).to_contain_text("Pausa")
        ben.choose("Lyon")

        # Everyone answered: the reveal, then the leaderboard.
        ui.screen(host, "reveal")
        expect(host.locator(".q-answered")).to_have_text("2 de 2 han respondido")
        expect(host.locator(".explanation-label")).to_have_text("Por qué")
        expect(host.locator("#primary")).to_contain_text("Clasificación")
        chart = re.compile(r"^A Paris: 1, correcta; B Lyon: 1; ")
        expect(host.locator(".chart")).to_have_attribute("aria-label", chart)
        ui.shot(host, "host-i18n-es-reveal")
        host.keyboard.press("Space")
        ui.screen(host, "scoreboard")
        expect(host.locator(".screen-title")).to_have_text("Clasificación")
        expect(host.locator(".q-count")).to_have_text("Tras la pregunta 1 de 7")
        expect(host.locator(".sb-name")).to_have_text(["Ana", "Ben"])
        expect(host.locator("#primary")).to_contain_text("Siguiente pregunta")
        ui.shot(host, "host-i18n-es-scoreboard")

        # The end: the podium and the way to the report.
        _end_game(ui, host, "Terminar partida")
        expect(host.locator(".screen-title")).to_have_text("Los ganadores")
        expect(host.locator(".podium")).to_have_attribute("aria-label", "Podio")
        expect(host.locator(".step-1")).to_have_attribute("aria-label", re.compile(r"^1\.º: Ana, [\d.]+ puntos$"))
        expect(host.locator(".step-2 .step-score")).to_have_text("0 pts")
        expect(host.locator(".finished-count")).to_have_text("Han participado 2 jugadores")
        expect(host.get_by_role("link", name="Resultados completos")).to_be_visible()
        expect(host.get_by_role("button", name="Descargar CSV")).to_be_visible()
        expect(host.get_by_role("button", name="Nueva partida")).to_be_visible()
        ui.shot(host, "host-i18n-es-podium")

    # The report, in the same browser (which kept the game's report key).
    report = ui.watch(host.context.new_page())
    report.goto(f"{ui.base}/results/{code}?lang=es")
    expect(report.locator(".report .screen-title")).to_have_text(DECK)
    expect(report.locator(".eyebrow")).to_contain_text(f"Partida {code}")
    expect(report.locator("#ranking-title")).to_have_text("Clasificación final")
    expect(report.locator(".table-players thead th")).to_have_text(["#", "Jugador", "Correctas", "Puntos"])
    expect(report.locator(".table-players .name-meta").nth(1)).to_have_text("1 incorrecta")
    expect(report.locator(".stat-label")).to_have_text(
        ["jugadores", "preguntas puntuadas", "respuestas correctas", "sin responder"]
    )
    expect(report.locator(".stat-value").nth(2)).to_have_text(re.compile(r"^50\s%$"))
    expect(report.locator("#questions-title")).to_have_text("Preguntas")
    expect(report.locator(".table-questions .prompt-meta").first).to_contain_text("Opción múltiple · respuesta: Paris")
    expect(report.locator(".table-questions .prompt-meta").nth(1)).to_contain_text("no se llegó")
    expect(report.get_by_role("button", name="Descargar CSV")).to_be_visible()
    expect(report.get_by_role("button", name="Imprimir o guardar como PDF")).to_be_visible()
    expect(report.locator("#share-title")).to_have_text("Enlace a los resultados")
    report.set_viewport_size({"width": 1920, "height": 1080})
    ui.shot(report, "host-i18n-es-report")
    ui.audit(report, "Spanish report")


def test_the_projector_and_the_report_in_arabic_lay_out_right_to_left(ui) -> None:  # type: ignore[no-untyped-def]
    host = ui.projector()
    host.goto(f"{ui.base}/host?lang=ar")
    expect(host.locator("html")).to_have_attribute("dir", "rtl")
    expect(host.locator("html")).to_have_attribute("lang", "ar")
    expect(host.locator(".setup-title")).to_have_text("استضف اختبارًا مباشرًا")
    ui.shot(host, "host-i18n-ar-setup")
    code = _create_room(ui, host, "إنشاء لعبة")
    # The room code and the address read left to right inside the right-to-left page.
    expect(host.locator(".room-code")).to_have_attribute("dir", "ltr")
    expect(host.locator(".lobby-url")).to_have_attribute("dir", "ltr")
    expect(host.locator(".lobby-step").nth(1)).to_have_text("وأدخل رمز الغرفة")
    with phone(ui.base, code, "Ana") as ana, phone(ui.base, code, "Ben") as ben:
        expect(host.locator("#lobby-count")).to_have_text(re.compile(r"^(2|٢) لاعبان$"))
        # Right to left: the brand starts the top bar at the right.
        brand = host.locator(".brand").bounding_box()
        assert brand is not None and brand["x"] > 960, brand
        ui.shot(host, "host-i18n-ar-lobby")
        host.keyboard.press("Space")
        ui.screen(host, "question")
        expect(host.locator(".q-count")).to_have_text(re.compile(r"^السؤال (1|١) من (7|٧)$"))
        # P pauses from an Arabic keyboard layout too: the key at P's place types "ح".
        for caption in ("متوقف", "ثانية"):
            host.evaluate(ARABIC_P)
            expect(host.locator(".timer-caption")).to_have_text(caption)
        ana.choose("Paris")
        ben.choose("Lyon")
        ui.screen(host, "reveal")
        expect(host.locator(".explanation-label")).to_have_text("لماذا")
        ui.shot(host, "host-i18n-ar-reveal")
        host.keyboard.press("Space")
        ui.screen(host, "scoreboard")
        expect(host.locator(".screen-title")).to_have_text("لوحة المتصدرين")
        ui.shot(host, "host-i18n-ar-scoreboard")
        _end_game(ui, host, "إنهاء اللعبة")
        expect(host.locator(".screen-title")).to_have_text("الفائزون")
        expect(host.locator(".podium")).to_have_attribute("aria-label", "منصة التتويج")
        host.wait_for_timeout(300)
        ui.shot(host, "host-i18n-ar-podium")

    report = ui.watch(host.context.new_page())
    report.set_viewport_size({"width": 1920, "height": 1080})
    report.goto(f"{ui.base}/results/{code}?lang=ar")
    expect(report.locator("html")).to_have_attribute("dir", "rtl")
    expect(report.locator("#ranking-title")).to_have_text("الترتيب النهائي")
    expect(report.locator("#share-url")).to_have_attribute("dir", "ltr")
    ui.shot(report, "host-i18n-ar-report")
    ui.audit(report, "Arabic report")
    # The report on a phone, as a colleague opens the results link.
    report.set_viewport_size({"width": 390, "height": 844})
    ui.audit(report, "Arabic report, phone")
    ui.shot(report, "host-i18n-ar-report-phone")


def test_the_language_picked_on_the_start_screen_is_remembered(ui) -> None:  # type: ignore[no-untyped-def]
    host = ui.projector()
    host.goto(f"{ui.base}/host")
    expect(host.locator(".setup-title")).to_have_text("Host a live quiz")
    ui.shot(host, "host-i18n-en-setup")
    for lang in ("en", "ar"):  # the start screen with its picker on a phone
        phone_page = ui.phone()
        phone_page.goto(f"{ui.base}/host?lang={lang}")
        expect(phone_page.locator("#topbar .lang-select")).to_have_value(lang)
        ui.audit(phone_page, f"{lang} start screen, phone")
        ui.shot(phone_page, f"host-i18n-{lang}-setup-phone")
    host.get_by_label("Language").select_option("de")
    expect(host.locator(".setup-title")).to_have_text("Live-Quiz leiten")
    expect(host.locator("html")).to_have_attribute("lang", "de")
    host.goto(f"{ui.base}/host")
    expect(host.locator(".setup-title")).to_have_text("Live-Quiz leiten")
    assert {"name": "thaw_lang", "value": "de"}.items() <= next(
        c for c in host.context.cookies() if c["name"] == "thaw_lang"
    ).items()
    # The game's own pages follow: the projector's lobby, and its report.
    code = _create_room(ui, host, "Spiel erstellen")
    expect(host.locator(".lobby-step").nth(1)).to_have_text("und gib den Raumcode ein")
    host.goto(f"{ui.base}/results/{code}")
    expect(host.locator("#ranking-title")).to_have_text("Zwischenstand")


@pytest.mark.parametrize("lang", ["es", "fr", "de", "ru", "ar"])
def test_every_language_fits_the_projector(ui, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Longer words than English's still leave every screen whole, at 720p and at 200 % zoom."""
    sizes = [(1280, 720), (960, 540)]
    host = ui.projector()
    host.goto(f"{ui.base}/host?lang={lang}")
    code = _create_room(ui, host)
    with phone(ui.base, code, "Anastasia Papadopou") as ana, phone(ui.base, code, "Bartholomew") as ben:
        expect(host.locator(".player-name")).to_have_count(2)
        ui.fits(host, f"{lang} lobby", sizes=sizes)
        host.keyboard.press("Space")
        ui.screen(host, "question")
        host.keyboard.press("p")
        expect(host.locator("#timer")).to_have_attribute("data-paused", "true")
        ui.fits(host, f"{lang} question, paused", sizes=sizes)
        host.keyboard.press("p")
        expect(host.locator("#timer")).to_have_attribute("data-paused", "false")
        ana.choose("Paris")
        ben.choose("Lyon")
        ui.screen(host, "reveal")
        ui.fits(host, f"{lang} reveal", sizes=sizes)
        host.keyboard.press("Space")
        ui.screen(host, "scoreboard")
        ui.fits(host, f"{lang} leaderboard", sizes=sizes)
        host.keyboard.press("e")
        host.locator("dialog[open] .btn-danger").click()
        ui.screen(host, "finished")
        ui.fits(host, f"{lang} podium", sizes=sizes, shot=f"host-i18n-{lang}-fit-podium")
