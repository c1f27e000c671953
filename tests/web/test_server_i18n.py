"""The server's own text in the request's language: pages, API messages, deck problems, lints, downloads."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook
from thaw.app import create_app
from thaw.content.loader import parse_deck
from thaw.domain import game
from thaw.rooms import report
from thaw.shared import i18n
from thaw.tools import catalogs
from thaw.web import translations

from tests.domain import factories as f

from ..transport.helpers import TestClient, make_settings, transport_decks


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(), transport_decks())) as c:
        yield c


@pytest.fixture
def spanish() -> Iterator[None]:
    token = translations.use("es")
    yield
    i18n.reset(token)


# -- the catalogs ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wanted() -> dict[catalogs.MsgId, list[str]]:
    return catalogs.extract()


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE])
def test_every_catalog_has_exactly_the_codes_messages(lang: str, wanted: dict[catalogs.MsgId, list[str]]) -> None:
    """A message the code uses and a catalog lacks, one no longer used, an empty or fuzzy one, or one whose
    placeholders differ from the English: each fails here (`python -m thaw.tools.catalogs` says the same)."""
    assert catalogs.problems(lang, wanted) == []


def test_the_extraction_sees_python_and_templates(wanted: dict[catalogs.MsgId, list[str]]) -> None:
    assert "Skip to content" in wanted and "Results %(code)s · Thaw" in wanted  # templates
    assert "the body is not valid JSON" in wanted  # tr() in server/web
    assert "accept is empty: list at least one accepted answer" in wanted  # N_() in server/content
    assert 'unknown field "%(name)s"' in wanted  # english() in server/content
    assert ("the deck has %(count)s problem: %(first)s", "the deck has %(count)s problems: %(first)s") in wanted


def test_the_check_fails_on_a_missing_an_extra_and_a_changed_message(wanted: dict[catalogs.MsgId, list[str]]) -> None:
    more = {**wanted, "a brand new message": ["web/routes.py:1"]}
    assert catalogs.problems("fr", more) == ["fr: missing 'a brand new message' (used at web/routes.py:1)"]
    fewer = {key: where for key, where in wanted.items() if key != "the body is not valid JSON"}
    assert catalogs.problems("de", fewer) == ["de: 'the body is not valid JSON' is no longer used"]
    catalog = catalogs.read("ru")
    catalog["the body is larger than %(limit)s bytes"].string = "тело больше %(size)s байт"
    assert catalogs.problems("ru", wanted, catalog) == [
        "ru: 'the body is larger than %(limit)s bytes' has placeholders ['size'], the English ['limit']"]


def test_every_language_has_its_plural_forms() -> None:
    for lang, forms in (("ru", 3), ("ar", 6), ("de", 2)):
        assert catalogs.read(lang).num_plurals == forms


# -- choosing the language ---------------------------------------------------------------


@pytest.mark.parametrize(("query", "cookie", "accept", "chosen"), [
    ("ar", "ru", "de", "ar"),
    (None, "ru", "de", "ru"),
    (None, None, "de-AT,de;q=0.9,en;q=0.5", "de"),
    (None, None, "it,fr-CA;q=0.8,en;q=0.7", "fr"),
    (None, None, "en;q=0.2,es;q=0.9", "es"),
    (None, None, "es;q=0,ru", "ru"),
    ("xx", "nope", "it", "en"),
    ("ES", None, None, "es"),
    (None, None, None, "en"),
    (None, None, "*", "en"),
])
def test_query_then_cookie_then_accept_language_then_english(query: str | None, cookie: str | None,
                                                           accept: str | None, chosen: str) -> None:
    assert translations.choose(query, cookie, accept) == chosen


# -- pages ---------------------------------------------------------------------------------


def _html_tag(text: str) -> str:
    found = re.search(r"<html[^>]*>", text)
    assert found is not None
    return found.group(0)


def test_pages_say_their_language_and_direction(client: TestClient) -> None:
    page = client.get("/?lang=ar").text
    assert _html_tag(page) == '<html lang="ar" dir="rtl">'
    assert "انتقل إلى المحتوى" in page and "جارٍ التحميل…" in page and "Skip to content" not in page
    page = client.get("/host", headers={"Cookie": "thaw_lang=ru"}).text
    assert _html_tag(page) == '<html lang="ru" dir="ltr">'
    assert "<title>Провести игру · Thaw</title>" in page
    page = client.get("/create", headers={"Accept-Language": "de-DE,de;q=0.9"}).text
    assert "<title>Deine Quiz · Thaw</title>" in page and "Thaw braucht JavaScript" in page
    page = client.get("/").text
    assert _html_tag(page) == '<html lang="en" dir="ltr">' and "Skip to content" in page


def test_a_translated_title_is_still_escaped(client: TestClient) -> None:
    page = client.get("/results/123456?lang=fr").text
    assert "<title>Résultats 123456 · Thaw</title>" in page


# -- the API --------------------------------------------------------------------------------


def test_api_errors_keep_their_code_and_translate_their_message(client: TestClient) -> None:
    response = client.post("/api/rooms?lang=es", content=b"{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json() == {"error": "bad_body", "message": "el cuerpo no es JSON válido"}
    response = client.post("/api/rooms", json={"deck": "nope"}, headers={"Accept-Language": "ru"})
    assert response.json() == {"error": "deck_not_found", "message": "нет викторины 'nope'"}
    response = client.get("/api/rooms/999999", headers={"Cookie": "thaw_lang=fr"})
    assert response.json() == {"error": "room_not_found", "message": "il n'y a pas de partie avec le code '999999'"}


def test_numbers_in_messages_are_written_for_the_language(client: TestClient) -> None:
    big = b"[" + b"1," * 9000 + b"1]"
    response = client.post("/api/rooms?lang=de", content=big, headers={"Content-Type": "application/json"})
    assert response.json()["message"] == "der Body ist größer als 16.384 Bytes"


DECK_WITH_PROBLEMS = """\
id: demo
title: Demo
questions:
  - kind: choice
    prompt: Capital of France?
    options: [Paris, Lyon, Nice]
    correct: Marseille
  - kind: text
    prompt: Name a colour
"""


def test_deck_problems_are_in_the_editors_language(client: TestClient) -> None:
    response = client.post("/api/decks/check?lang=es", content=DECK_WITH_PROBLEMS.encode(),
                           headers={"Content-Type": "application/yaml"})
    body = response.json()
    assert response.status_code == 422 and body["error"] == "invalid_deck"
    messages = [p["message"] for p in body["problems"]]
    assert messages == ["la respuesta correcta «Marseille» no está entre las opciones", "falta accept"]
    assert body["message"] == f"el cuestionario tiene 2 problemas: {messages[0]}"


def test_lints_are_in_the_editors_language(client: TestClient) -> None:
    deck = {"id": "d", "title": "D", "questions": [
        {"kind": "truefalse", "prompt": "The sky is blue", "correct": True, "points": 2000}]}
    response = client.post("/api/decks/check", json=deck, headers={"Accept-Language": "fr"})
    [warning] = response.json()["warnings"]
    assert warning["code"] == "truefalse-double"
    assert warning["message"].startswith("un pile ou face gagne une fois sur deux")


def test_import_problems_are_in_the_editors_language(client: TestClient) -> None:
    text = "Question,Answer 1,Answer 2,Answer 3,Time limit (sec),Correct answer(s)\nQ?,a,b,c,20,9\n"
    response = client.post("/api/import?format=csv&lang=ru", content=text.encode(),
                           headers={"Content-Type": "text/csv"})
    problems = response.json()["problems"]
    assert problems[0] == {"row": 2, "line": None, "message": "верный ответ 9 — не из 3 ответов"}


# -- composed messages ----------------------------------------------------------------------


def test_a_composed_message_is_translated_part_by_part(spanish: None) -> None:
    _, found = parse_deck("id: d\ntitle: T\nquestions:\n  - {kind: choice, prompt: P, options: [[a], b, c], "
                          "correct: b}\n", "d.yaml")
    [problem] = found
    assert problem.message == "question 1 (choice): option 1 must be text, not a list"  # English where it is made
    assert i18n.translate(problem.message) == "pregunta 1 (choice): opción 1 debe ser texto, no una lista"


def test_an_authors_text_is_never_translated(spanish: None) -> None:
    assert i18n.translate('correct answer "text" is listed twice') == 'la respuesta correcta «text» aparece dos veces'


def test_a_message_no_catalog_knows_is_kept(spanish: None) -> None:
    assert i18n.translate("something else entirely: 42") == "something else entirely: 42"


def test_percent_signs_survive_translation(spanish: None) -> None:
    english = ("3 of 4 options are right, so a random tap scores 75% of the time: the scores will say little about "
               "who knew; add wrong options or mark fewer right")
    assert "acierta el 75% de las veces" in i18n.translate(english)


def test_outside_a_request_everything_stays_english() -> None:
    assert i18n.current() is i18n.ENGLISH
    assert i18n.tr("the body is not valid JSON") == "the body is not valid JSON"
    message = "question 1: kind is missing (one of choice)"
    assert i18n.translate(message) == message


# -- the report's downloads ----------------------------------------------------------------


def _room() -> Any:
    room = f.room(f.choice((1,)))
    [ann] = f.players(room, "Ann")
    game.start(room, 0)
    game.answer(room, ann, 0, 1, room.opened_at + 1_000)
    game.close(room)
    game.end(room)
    return room


def test_the_csv_headers_and_marks_are_in_the_request_language() -> None:
    token = translations.use("de")
    try:
        rows = list(csv.reader(io.StringIO(report.to_csv(_room()))))
    finally:
        i18n.reset(token)
    assert rows[0] == ["Platz", "Spitzname", "Punkte", "richtig", "F1_Antwort", "F1_richtig", "F1_Punkte", "F1_Zeit_ms"]
    assert rows[1][5] == "ja"


def test_the_xlsx_sheets_are_in_the_request_language() -> None:
    token = translations.use("ar")
    try:
        book = load_workbook(io.BytesIO(report.to_xlsx(_room())))
    finally:
        i18n.reset(token)
    assert book.sheetnames == ["اللاعبون", "الأسئلة"]
    assert book["الأسئلة"]["B1"].value == "نص السؤال"


def test_the_csv_download_follows_the_cookie(client: TestClient) -> None:
    created = client.post("/api/rooms", json={"deck": sorted(client.app.state.runtime.decks)[0]}).json()
    response = client.get(f"/api/rooms/{created['code']}/results.csv",
                          headers={"Authorization": f"Bearer {created['report_key']}", "Cookie": "thaw_lang=es; x=1"})
    assert response.text.splitlines()[0] == "puesto,apodo,puntos,correctas" + "".join(
        f",p{n}_respuesta,p{n}_correcta,p{n}_puntos,p{n}_tiempo_ms"
        for n in range(1, len(client.app.state.runtime.decks[sorted(client.app.state.runtime.decks)[0]].questions) + 1))


def test_a_question_level_problem_reads_well_once_its_question_is_named_apart(client: TestClient) -> None:
    """The editor gets "question N: " as `question`, so what remains is a message of its own."""
    deck = {"id": "d", "title": "D", "questions": [
        {"kind": "truefalse", "prompt": "Same?", "correct": True},
        {"kind": "truefalse", "prompt": "Same?", "correct": False},
        {"prompt": "No kind"},
    ]}
    problems = client.post("/api/decks/check?lang=ar", json=deck).json()["problems"]
    assert [(p["question"], p["message"]) for p in problems] == [
        (1, "يكرر نص السؤال 1"),
        (2, "kind مفقود (واحد من choice, truefalse, order, number, text, poll, multi)"),
    ]


def test_an_imports_row_numbers_are_translated_too(client: TestClient) -> None:
    text = ("Question,Answer 1,Answer 2,Answer 3,Time limit (sec),Correct answer(s)\n"
            "Same?,a,b,c,20,1\nSame?,a,b,c,20,2\n")
    response = client.post("/api/import?format=csv&lang=es", content=text.encode(),
                           headers={"Content-Type": "text/csv"})
    assert response.json()["problems"] == [{"row": 3, "line": None, "message": "repite el enunciado de la fila 2"}]


def test_pages_tell_caches_what_their_words_depend_on(client: TestClient) -> None:
    for path in ("/", "/host", "/create", "/results/123456"):
        assert "Accept-Language, Cookie" in client.get(path).headers["vary"]


def test_the_services_refusals_are_translated_where_they_are_answered(client: TestClient) -> None:
    deck = sorted(client.app.state.runtime.decks)[0]
    response = client.post("/api/rooms?lang=de", json={"deck": deck, "options": {"colour": 1}})
    assert response.json() == {"error": "bad_option", "message": "unbekannte Option `colour`"}
    created = client.post("/api/rooms", json={"deck": deck}).json()
    response = client.get(f"/api/rooms/{created['code']}/results?lang=ru", headers={"Authorization": "Bearer nope"})
    assert response.json() == {"error": "forbidden",
                               "message": "это не токен ведущего этой комнаты и не ключ её отчёта"}


def test_an_unknown_field_is_named_in_the_requests_language(client: TestClient) -> None:
    response = client.post("/api/rooms?lang=fr", json={"deck": "x", "deck_data": {}})
    assert response.json() == {"error": "bad_body",
                               "message": "champ inconnu `deck` (envoie soit `deck`, soit `deck_data`)"}
