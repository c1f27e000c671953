"""The reader's language: what `tr`, `ntr`, `translate` and `fmt_number` say things in.

It is held in a context variable, set by whoever answers a reader (`RequestLanguage`
in `web/translations.py`, once per HTTP request), so the deck validator deep in
`content/` (even in a worker thread: `asyncio.to_thread` copies the context) and the
report in `rooms/` speak the language of the request that asked without being handed
it. Outside a request (the command line, the game's WebSocket) everything stays
English. The catalogs behind a language are read in `web/translations.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from gettext import NullTranslations
from typing import Any

from babel import Locale
from babel.numbers import format_decimal

SOURCE = "en"
LANGUAGES = ("en", "es", "fr", "de", "ru", "ar")
"""The shipped languages; the client's list (static/js/i18n.js) is the same."""
RTL = frozenset({"ar"})

Template = tuple[re.Pattern[str], str]
"""A message with placeholders as a regular expression that captures its values, and the message."""


@dataclass(frozen=True, slots=True)
class Language:
    """One language: its code, messages, Babel locale, and the templates `translate` recognises."""

    code: str
    translations: NullTranslations
    locale: Locale
    templates: tuple[Template, ...] = ()

    @property
    def dir(self) -> str:
        return "rtl" if self.code in RTL else "ltr"


ENGLISH = Language(SOURCE, NullTranslations(), Locale.parse(SOURCE))

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")
_FORMAT = re.compile(r"%\((\w+)\)[sdr]|%%")  # what `%` formatting replaces
_VALUE = {"position": r"\d+"}  # placeholders that only ever hold these ("option 2": not any two words)


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


def templates(msgids: Iterable[str]) -> tuple[Template, ...]:
    """The catalog's messages with placeholders, most literal text first, for `translate` to recognise."""
    found = sorted((m for m in msgids if _PLACEHOLDER.search(m)), key=lambda m: -len(_PLACEHOLDER.sub("", m)))
    return tuple((_template(msgid), msgid) for msgid in found)


_current: ContextVar[Language] = ContextVar("thaw_language", default=ENGLISH)


def current() -> Language:
    """The language of the request being answered (English outside one)."""
    return _current.get()


def speak(language: Language) -> Token[Language]:
    """Make `language` the reader's until `reset` is called with the token returned."""
    return _current.set(language)


def reset(token: Token[Language]) -> None:
    _current.reset(token)


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
    language = _current.get()
    if language.code == SOURCE or not message:
        return message
    direct = language.translations.gettext(message)
    if direct != message:
        return direct
    for pattern, msgid in language.templates:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        values = {name: translate(value, _depth + 1) if name.startswith("what") and _depth < 4 else value
                  for name, value in found.groupdict().items()}
        return _fill(language.translations.gettext(msgid), values)
    return message


def ntr(singular: str, plural: str, count: int, /, **values: Any) -> str:
    """A message whose form depends on `count` (filled in as `%(count)s`)."""
    text = _current.get().translations.ngettext(singular, plural, count)
    return text % {"count": fmt_number(count), **values}


def fmt_number(value: float) -> str:
    """A number as the current language writes it (digits, separators)."""
    return format_decimal(value, locale=_current.get().locale)
