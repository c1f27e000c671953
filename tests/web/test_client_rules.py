"""The browser client repeats none of the server's rules: the room code's form, the nickname
and text-answer lengths and the deck format's limits reach it from the server's own
constants (static/js/rules.js reads them from the page; a text answer's length comes with
its question), and no script or template writes one of those numbers or patterns again."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from thaw.content import limits
from thaw.domain import codes
from thaw.domain.model import TEXT_ANSWER_MAX
from thaw.domain.nicknames import MAX_LENGTH as NICK_MAX

from ..transport.helpers import TestClient
from .test_deck_upload import client  # noqa: F401  (the fixture)
from .test_hardcoded_strings import scan

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "static" / "js"
TEMPLATES = ROOT / "server" / "web" / "templates"
RULES = "rules.js"  # the one module that reads the rules off the page

# Lengths the server holds text to: one of them after `maxlength`, in `.slice(0, N)` or as
# a fallback (`|| N`) is a limit copied into the client.
LENGTHS = {
    TEXT_ANSWER_MAX, NICK_MAX, codes.DIGITS, limits.DECK_ID_MAX, limits.TITLE_MAX, limits.DESCRIPTION_MAX,
    limits.PROMPT_MAX, limits.OPTION_MAX, limits.EXPLANATION_MAX, limits.SOURCE_MAX, limits.IMAGE_NAME_MAX,
}
NUMBER = r"(\d[\d_]*)"
COPIED_NUMBER = (
    re.compile(rf"\bconst\s+\w*MAX\w*\s*=\s*{NUMBER}"),  # const TEXT_MAX = 100;
    re.compile(rf"\bmax[lL]ength\s*[:=]\s*\"?{NUMBER}"),  # maxlength: 6, maxlength="6"
    re.compile(rf"\.slice\(\s*0\s*,\s*{NUMBER}\s*\)"),  # .slice(0, 64)
    re.compile(rf"\|\|\s*{NUMBER}"),  # dataset.nickMax) || 20
)
# A room code's form written as a pattern (`[1-9][0-9]{5}`, `\d{6}`), or a deck id's.
COPIED_PATTERN = re.compile(r"(?:\[1-9\]|\[0-9\]|\\d)\{\d+\}|" + re.escape(limits.DECK_ID.pattern))
READS_RULES = re.compile(r"dataset\.(?:codeDigits|codePattern|nickMax|form)\b")
PAGES = ["/", "/join/123456", "/host", "/create", "/results/123456"]


def copied(text: str, script: bool = True) -> list[str]:
    """What `text` (a JavaScript module, or a template) writes again of the server's rules, each as written."""
    code = scan(text).code if script else text  # comments blanked, strings masked: numbers are read in code
    found = [m.group(0) for pattern in COPIED_NUMBER for m in pattern.finditer(code)
             if int(m.group(1).replace("_", "")) in LENGTHS]
    found += [m.group(0) for m in COPIED_PATTERN.finditer(text)]
    return found


def body_data(page: str) -> dict[str, str]:
    body = re.search(r"<body\b[^>]*>", page)
    assert body, "the page has a <body>"
    return {name: html.unescape(value) for name, value in re.findall(r'\bdata-([\w-]+)="([^"]*)"', body.group(0))}


@pytest.mark.parametrize("name", sorted(p.name for p in JS.glob("*.js")))
def test_a_client_module_copies_no_server_rule(name: str) -> None:
    text = (JS / name).read_text(encoding="utf-8")
    assert copied(text) == [], f"{name}: take these from static/js/rules.js (or the question frame)"
    if name != RULES:
        assert not READS_RULES.search(text), f"{name}: the rules are read off the page in {RULES} alone"


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_a_template_copies_no_server_rule(name: str) -> None:
    assert copied((TEMPLATES / name).read_text(encoding="utf-8"), script=False) == [], name


def test_the_scan_finds_a_length_written_into_a_template() -> None:
    assert copied('<input id="code" maxlength="6">', script=False)


def test_the_text_answer_field_is_as_long_as_the_question_says() -> None:
    text_body = re.search(r"function textBody\(q\) \{.*?\n\}", (JS / "play.js").read_text(encoding="utf-8"), re.S)
    assert text_body, "play.js builds the text answer field in textBody(q)"
    assert "q.max_length" in text_body.group(0)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_carries_the_room_code_s_form(client: TestClient, path: str) -> None:  # noqa: F811
    data = body_data(client.get(path).text)
    assert data["code-digits"] == str(codes.DIGITS)
    assert data["code-pattern"] == codes.PATTERN


def test_the_join_page_carries_the_nickname_length(client: TestClient) -> None:  # noqa: F811
    assert body_data(client.get("/join/123456").text)["nick-max"] == str(NICK_MAX)


def test_the_editor_page_carries_the_deck_id_s_form(client: TestClient) -> None:  # noqa: F811
    form = json.loads(body_data(client.get("/create").text)["form"])
    assert form["id_pattern"] == limits.DECK_ID.pattern
    assert form["max"]["id"] == limits.DECK_ID_MAX and form["max"]["title"] == limits.TITLE_MAX


@pytest.mark.parametrize(
    "source",
    [
        "const TEXT_MAX = 100;",
        'h("input", { id: "code", maxlength: 6 })',
        "input.maxLength = 20;",
        "const value = input.value.trim().slice(0, 100);",
        "const NICK = Number(document.body.dataset.nickMax) || 20;",
        "deck.id.slice(0, FORM.max?.id || 64)",
        "const CODE_RE = /^[1-9][0-9]{5}$/;",
        r"if (/^\d{6}$/.test(code)) join(code);",
        'const ok = /^[a-z0-9-]+$/.test(deck.id);',
    ],
)
def test_the_scan_finds_a_copied_rule(source: str) -> None:
    assert copied(source), source


@pytest.mark.parametrize(
    "source",
    [
        'h("input", { maxlength: max })',
        "const shown = r.correct.slice(0, 3);",
        "const KEEP = 20; list.slice(0, KEEP);",
        "// the server allows at most 100 characters",
        "const wait = Number(response.headers.get('Retry-After')) || 10;",
        "const half = Math.ceil(code.length / 2);",
    ],
)
def test_the_scan_leaves_other_numbers_alone(source: str) -> None:
    assert copied(source) == [], copied(source)
