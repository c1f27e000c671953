"""Where the files that ship with Thaw live: the browser client, the shipped decks, the
page templates and the server's message catalogs.

In a wheel the build maps the repository's `static/` and `content/` into the package
(`thaw/static`, `thaw/decks`); in a checkout (an editable install, or running from
the source tree) they sit beside `server/`.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def _shipped(packaged: str, in_checkout: str) -> Path:
    for candidate in (PACKAGE / packaged, PACKAGE.parent / in_checkout):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"Thaw's {in_checkout}/ files are missing: looked in {PACKAGE / packaged} and "
                       f"{PACKAGE.parent / in_checkout}; reinstall the package")


def static_dir() -> Path:
    """The browser client (ES modules, CSS, images)."""
    return _shipped("static", "static")


def decks_dir() -> Path:
    """The decks that ship with Thaw."""
    return _shipped("decks", "content")


TEMPLATES_DIR = PACKAGE / "web" / "templates"

CATALOG_DOMAIN = "thaw"
LOCALE_DIR = PACKAGE / "locale"


def catalog_path(lang: str) -> Path:
    """A language's gettext catalog, read with Babel (no .mo is built): docs/translating.md."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{CATALOG_DOMAIN}.po"
