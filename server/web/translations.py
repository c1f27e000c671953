"""The server's catalogs read with Babel, and the language each HTTP request is answered in.

The catalogs are `locale/<lang>/LC_MESSAGES/thaw.po` inside the package, read with
Babel when the app is made (no compile step, nothing generated at build time). English
is the source language: its text is the msgid. `RequestLanguage` chooses a request's
language once and makes it the reader's (`shared/i18n.py`) while the request is
answered, so every layer below says its text in it without being handed it.
"""

from __future__ import annotations

import io
from contextvars import Token
from gettext import GNUTranslations

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.types import ASGIApp, Receive, Scope, Send

from ..shared import i18n
from ..shared.i18n import LANGUAGES, SOURCE, Language
from ..shared.resources import CATALOG_DOMAIN, catalog_path

COOKIE = "thaw_lang"
_ACCEPT_MAX = 16  # Accept-Language entries looked at: a long header buys nothing


def _read(code: str) -> Language:
    """The catalog read with Babel and handed to gettext as an in-memory .mo (fuzzy entries left out)."""
    with catalog_path(code).open("rb") as file:
        catalog = read_po(file, locale=code, domain=CATALOG_DOMAIN)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    msgids = (m.id for m in catalog if isinstance(m.id, str) and m.id)
    return Language(code, GNUTranslations(mo), Locale.parse(code), i18n.templates(msgids))


_loaded: dict[str, Language] = {SOURCE: i18n.ENGLISH}


def language(code: str) -> Language:
    """A shipped language, its catalog read the first time it is asked for."""
    found = _loaded.get(code)
    if found is None:
        found = _loaded[code] = _read(code)
    return found


def load() -> None:
    """Read every catalog now: the server does at start-up, so no request waits for one
    (the command line, which speaks English, never does)."""
    for code in LANGUAGES:
        language(code)


def use(code: str) -> Token[Language]:
    """Make a shipped language the reader's (tests and tools); `shared.i18n.reset` undoes it."""
    return i18n.speak(language(code))


# -- choosing the request's language ---------------------------------------------------


def supported(tag: str) -> str | None:
    """The shipped language a tag (`es`, `es-MX`, `AR`) names, if any."""
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def _accepted(header: str) -> list[str]:
    """The tags of an Accept-Language header, most wanted first (q=0 and `*` left out)."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:_ACCEPT_MAX]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                q = float(value)
            except ValueError:
                q = 0.0
        if tag and tag != "*" and q > 0:
            weighted.append((-q, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """`?lang=`, else the `thaw_lang` cookie, else Accept-Language, else English."""
    for given in (query, cookie):
        if given:
            found = supported(given)
            if found is not None:
                return found
    if accept_language:
        locale = Locale.negotiate(_accepted(accept_language), LANGUAGES, sep="-")
        if locale is not None:
            return str(locale.language)
    return SOURCE


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _query_lang(query_string: bytes) -> str | None:
    for pair in query_string.split(b"&"):
        key, _, value = pair.partition(b"=")
        if key == b"lang":
            return value.decode("latin-1")
    return None


def _cookie(header: str | None) -> str | None:
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == COOKIE:
            return value
    return None


def language_of(scope: Scope) -> Language:
    code = choose(_query_lang(scope.get("query_string", b"")), _cookie(_header(scope, b"cookie")),
                  _header(scope, b"accept-language"))
    return language(code)


class RequestLanguage:
    """ASGI middleware: every HTTP request is answered in its language (the socket is not touched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = i18n.speak(language_of(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.reset(token)
