"""Server-side translation: the gettext catalogs, the request's language, Babel's formats.

The catalogs are `locale/<lang>/LC_MESSAGES/thaw.po` inside the package, read with
Babel when the app is made (no compile step, nothing generated at build time). English is the source
language: its text is the msgid. A request's language is chosen once, by
`RequestLanguage`, and held in a context variable, so the deck validator deep in
`content/` (even in a worker thread: `asyncio.to_thread` copies the context) says
its problems in the language of the request that asked. Outside a request (the
command line, the game's WebSocket) everything stays English.
"""

from __future__ import annotations

import io
import re
from contextvars import ContextVar, Token
from dataclasses import dataclass
from gettext import GNUTranslations, NullTranslations
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from starlette.types import ASGIApp, Receive, Scope, Send

SOURCE = "en"
LANGUAGES = ("en", "es", "fr", "de", "ru", "ar")
"""The shipped languages; the client's list (static/js/i18n.js) is the same."""
RTL = frozenset({"ar"})
COOKIE = "thaw_lang"
DOMAIN = "thaw"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_ACCEPT_MAX = 16  # Accept-Language entries looked at: a long header buys nothing


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass(frozen=True, slots=True)
class Language:
    """One shipped language: its code, writing direction, messages and Babel locale."""

    code: str
    translations: NullTranslations
    locale: Locale

    @property
    def dir(self) -> str:
        return "rtl" if self.code in RTL else "ltr"


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")
_FORMAT = re.compile(r"%\((\w+)\)[sdr]|%%")  # what `%` formatting replaces
_VALUE = {"position": r"\d+"}  # placeholders that only ever hold these ("option 2": not any two words)
_templates: list[tuple[re.Pattern[str], str]] = []  # msgids with placeholders, most literal text first


def _template(msgid: str) -> re.Pattern[str]:
    """A regular expression that matches what `msgid % values` made, capturing the values."""
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    for match in _FORMAT.finditer(msgid):
        parts.append(re.escape(msgid[position:match.start()]))
        position = match.end()
        name = match.group(1)
        if name is None:
            parts.append("%")
            continue
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{_VALUE.get(name, '.+?')})")
        seen.add(name)
    parts.append(re.escape(msgid[position:]))
    return re.compile("".join(parts), re.DOTALL)


def _learn_templates(catalog: Catalog) -> None:
    if _templates:
        return
    ids = [m.id for m in catalog if isinstance(m.id, str) and m.id and _PLACEHOLDER.search(m.id)]
    ids.sort(key=lambda msgid: -len(_PLACEHOLDER.sub("", msgid)))
    _templates.extend((_template(msgid), msgid) for msgid in ids)


def _translations(lang: str) -> NullTranslations:
    """The catalog read with Babel and handed to gettext as an in-memory .mo (fuzzy entries left out)."""
    with catalog_path(lang).open("rb") as file:
        catalog = read_po(file, locale=lang, domain=DOMAIN)
    _learn_templates(catalog)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return GNUTranslations(mo)


ENGLISH = Language(SOURCE, NullTranslations(), Locale.parse(SOURCE))
_loaded: dict[str, Language] = {SOURCE: ENGLISH}


def language(code: str) -> Language:
    """A shipped language, its catalog read the first time it is asked for."""
    found = _loaded.get(code)
    if found is None:
        found = _loaded[code] = Language(code, _translations(code), Locale.parse(code))
    return found


def load() -> None:
    """Read every catalog now: the server does at start-up, so no request waits for one
    (the command line, which speaks English, never does)."""
    for code in LANGUAGES:
        language(code)


_current: ContextVar[Language] = ContextVar("thaw_language", default=ENGLISH)


def current() -> Language:
    """The language of the request being answered (English outside one)."""
    return _current.get()


def tr(message: str, /, **values: Any) -> str:
    """`message` (English, the msgid) in the current language, `%(name)s` placeholders filled."""
    text = _current.get().translations.gettext(message)
    return text % values if values else text


def _fill(template: str, values: dict[str, str]) -> str:
    return _FORMAT.sub(lambda m: "%" if m.group(1) is None else values[m.group(1)], template)


def translate(message: str, _depth: int = 0) -> str:
    """A message `content/` composed in English (`english(template, **values)`), in the current language.

    The deck validator and the importer work in English (the command line prints it,
    and the importer rewrites "question 3" as "row 5"); what they found is translated
    when it is shown, by finding the template that made it. A placeholder whose name
    starts with `what` holds a message of its own and is translated in turn; the
    others (an author's text, numbers) are kept as they are.
    """
    translations = _current.get().translations
    if _current.get().code == SOURCE or not message:
        return message
    direct = translations.gettext(message)
    if direct != message:
        return direct
    for pattern, msgid in _templates:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        values = {name: translate(value, _depth + 1) if name.startswith("what") and _depth < 4 else value
                  for name, value in found.groupdict().items()}
        return _fill(translations.gettext(msgid), values)
    return message


def english(template: str, /, **values: Any) -> str:
    """A message `content/` finds, in English (`translate` turns it into the reader's language)."""
    return template % values if values else template


def N_(message: str) -> str:
    """Marks English text for the catalogs where it is defined; `tr` or `translate` shows it translated."""
    return message


def ntr(singular: str, plural: str, count: int, /, **values: Any) -> str:
    """A message whose form depends on `count` (filled in as `%(count)s`)."""
    text = _current.get().translations.ngettext(singular, plural, count)
    return text % {"count": fmt_number(count), **values}


def fmt_number(value: float) -> str:
    """A number as the current language writes it (digits, separators)."""
    return format_decimal(value, locale=_current.get().locale)


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
        token = _current.set(language_of(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)


def use(code: str) -> Token[Language]:
    """Set the current language (tests and tools); returns the token to `reset` with."""
    return _current.set(language(code))


def reset(token: Token[Language]) -> None:
    _current.reset(token)
