"""The page templates say nothing to people except through the catalogs: every visible
text and every visible attribute is a `{{ _("…") }}` (or a value from the view), so
`server/locale` translates it. Only the brand is written as is."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "server" / "web" / "templates"
VISIBLE_ATTRIBUTES = {"alt", "title", "aria-label", "aria-description", "placeholder", "value"}
BRAND = {"thaw", "Thaw"}
# Blocks that hold a file name, a CSS class or data attributes, not text.
NOT_TEXT = re.compile(r"{%-?\s*block (script|page|data|styles)\s*-?%}.*?{%-?\s*endblock\s*-?%}", re.S)
JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._hidden = 0  # inside <script>, <style> or <svg>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "svg"):
            self._hidden += 1
        self.found += [value for name, value in attrs if name in VISIBLE_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.found.append(data)


def untranslated(source: str) -> list[str]:
    parser = _Text()
    parser.feed(JINJA.sub(" ", NOT_TEXT.sub(" ", source)))
    words = [w for text in parser.found for w in re.findall(r"[^\W\d_]{2,}", text)]
    return [w for w in words if w not in BRAND]


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_a_template_shows_only_catalog_text(name: str) -> None:
    assert untranslated((TEMPLATES / name).read_text(encoding="utf-8")) == [], name


@pytest.mark.parametrize("source", [
    '<p class="loading">Loading…</p>',
    '<a href="#main">{{ _("Skip") }} to content</a>',
    '<img src="x.png" alt="The room code">',
    "{% block title %}Results · Thaw{% endblock %}",
])
def test_the_scan_finds_text_written_in_a_template(source: str) -> None:
    assert untranslated(source)


def test_the_scan_leaves_code_alone() -> None:
    source = ('{% block script %}play.js{% endblock %}<body class="page page-{% block page %}play{% endblock %}">'
              '<p>{{ _("Loading…") }}</p><svg><path d="M1 2"/></svg><span class="brand-name">thaw</span>')
    assert untranslated(source) == []
