"""A deck's `lang:`: the language its text is written in, as a BCP-47 tag.

It decides how text answers are compared (`grading.folding_for`). The tag must be
well formed (language, then optionally script and region: `ru`, `tr-TR`,
`sr-Cyrl`) and name a language Babel (CLDR) knows, so a typo is caught at load.
"""

from __future__ import annotations

import re

from babel import Locale, UnknownLocaleError

from ..shared.marks import english
from .fields import Fields
from .yamltree import YScalar

TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?")


def read_lang(f: Fields) -> str:
    """The deck's `lang:` ("" when absent); a problem at its line when it is not a language tag."""
    node = f.get("lang")
    if node is None or (isinstance(node, YScalar) and node.is_null):
        return ""
    tag = node.raw.strip() if isinstance(node, YScalar) else ""
    if not TAG.fullmatch(tag):
        f.say(node.line, english('lang must be a language tag such as "en", "ru" or "tr-TR", not "%(tag)s"',
                                 tag=tag[:40]))
        return ""
    try:
        Locale.parse(tag.split("-", 1)[0])
    except (UnknownLocaleError, ValueError):
        f.say(node.line, english('lang "%(tag)s" is not a known language: use a tag such as "en", "ru" or "tr-TR"',
                            tag=tag))
        return ""
    return tag
