"""The server's message catalogs kept in step with the code: extract, update, check.

`python -m thaw.tools.catalogs update` adds every new message of the code to each
language's .po (untranslated, for a translator) and drops the ones no longer used;
`check` (also run by the test suite) fails on a message missing from a catalog, one
left over, an empty translation, or placeholders that differ from the English.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from ..shared.i18n import LANGUAGES, SOURCE
from ..shared.resources import CATALOG_DOMAIN, PACKAGE, catalog_path

KEYWORDS = {"tr": None, "ntr": (1, 2), "N_": None, "english": None, "_": None, "gettext": None, "ngettext": (1, 2)}
"""`tr`/`ntr` (shared/i18n.py) and `N_`/`english` (shared/marks.py) in Python, `_`/`gettext`/`ngettext` in
the templates."""
METHODS = [
    ("tools/**.py", "ignore"),
    ("**.py", "python"),
    ("web/templates/**.html", "jinja2.ext:babel_extract"),
]
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")

MsgId = str | tuple[str, str]


def extract() -> dict[MsgId, list[str]]:
    """Every message the code marks, with where it is used (file:line)."""
    found: dict[MsgId, list[str]] = {}
    for path, line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), METHODS, options_map={"web/templates/**.html": {"newstyle_gettext": "true"}}, keywords=KEYWORDS
    ):
        key: MsgId = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault(key, []).append(f"{path}:{line}")
    return found


def read(lang: str) -> Catalog:
    with catalog_path(lang).open("rb") as file:
        return read_po(file, locale=lang, domain=CATALOG_DOMAIN)


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def _texts(message: Message) -> Iterator[str]:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    yield from (text or "" for text in strings)


def problems(lang: str, wanted: dict[MsgId, list[str]] | None = None, catalog: Catalog | None = None) -> list[str]:
    """What is wrong with one language's catalog (read from its file unless given), one line per message."""
    wanted = extract() if wanted is None else wanted
    catalog = read(lang) if catalog is None else catalog
    have: dict[MsgId, Message] = {}
    for message in catalog:
        if message.id:
            key: MsgId = message.id if isinstance(message.id, str) else (message.id[0], message.id[1])
            have[key] = message
    found: list[str] = []
    for key in wanted:
        if key not in have:
            found.append(f"{lang}: missing {key!r} (used at {wanted[key][0]})")
    for key, message in have.items():
        if key not in wanted:
            found.append(f"{lang}: {key!r} is no longer used")
            continue
        english = _placeholders(key if isinstance(key, str) else key[1]) | (
            set() if isinstance(key, str) else _placeholders(key[0]))
        for text in _texts(message):
            if not text:
                found.append(f"{lang}: {key!r} is not translated")
            elif message.fuzzy:
                found.append(f"{lang}: {key!r} is marked fuzzy")
            elif _placeholders(text) - english - {"count"} or english - _placeholders(text) - {"count"}:
                found.append(f"{lang}: {key!r} has placeholders {sorted(_placeholders(text))}, "
                             f"the English {sorted(english)}")
    return found


def update() -> None:
    """Bring every catalog in line with the code: new messages added empty, unused ones dropped."""
    wanted = extract()
    for lang in LANGUAGES:
        if lang == SOURCE:
            continue
        old = read(lang) if catalog_path(lang).exists() else Catalog(locale=lang, domain=CATALOG_DOMAIN)
        fresh = Catalog(locale=lang, domain=CATALOG_DOMAIN, project="Thaw", version="", fuzzy=False,
                        header_comment=f"# Thaw's server messages in {Locale.parse(lang).english_name}: "
                                       "see docs/translating.md.",
                        creation_date=old.creation_date, revision_date=old.revision_date,
                        last_translator="Thaw contributors", language_team=f"{lang}")
        for key, places in sorted(wanted.items(), key=lambda item: str(item[0])):
            kept = old.get(key)
            string: Any = kept.string if kept is not None else ("" if isinstance(key, str) else ())
            fresh.add(key, string, locations=[tuple(p.rsplit(":", 1)) for p in places])  # type: ignore[misc]
        catalog_path(lang).parent.mkdir(parents=True, exist_ok=True)
        with catalog_path(lang).open("wb") as file:
            write_po(file, fresh, width=100, sort_output=True, omit_header=False, include_lineno=False)


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    wanted = extract()
    found = [line for lang in LANGUAGES if lang != SOURCE for line in problems(lang, wanted)]
    for line in found:
        print(line)
    print(f"{len(wanted)} messages, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
