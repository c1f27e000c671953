"""Nickname rules: NFKC, trimmed, 1-20 code points, no Cc/Cf (but ZWJ inside emoji)."""

from __future__ import annotations

import unicodedata

from .errors import GameError

MAX_LENGTH = 20
ZWJ = "\u200d"
_VARIATION_SELECTOR_16 = "\ufe0f"


def _is_emoji_like(ch: str) -> bool:
    return unicodedata.category(ch) == "So" or ch == _VARIATION_SELECTOR_16 or 0x1F3FB <= ord(ch) <= 0x1F3FF


def clean(raw: object) -> str:
    """The nickname as stored, or `nickname_invalid` saying what is wrong."""
    if not isinstance(raw, str):
        raise GameError("nickname_invalid", "the nickname must be a string")
    if len(raw) > 200:
        raise GameError("nickname_invalid", f"a nickname has at most {MAX_LENGTH} characters")
    name = unicodedata.normalize("NFKC", raw).strip()
    if not name:
        raise GameError("nickname_invalid", "the nickname is empty")
    for i, ch in enumerate(name):
        cat = unicodedata.category(ch)
        if ch == ZWJ and 0 < i < len(name) - 1 and _is_emoji_like(name[i - 1]) and _is_emoji_like(name[i + 1]):
            continue
        if cat in ("Cc", "Cf"):
            raise GameError(
                "nickname_invalid",
                f"the nickname contains an invisible or control character (U+{ord(ch):04X})",
            )
        if cat in ("Zl", "Zp"):
            raise GameError("nickname_invalid", "the nickname cannot contain line breaks")
    if len(name) > MAX_LENGTH:
        raise GameError("nickname_invalid", f"a nickname has at most {MAX_LENGTH} characters")
    if all(unicodedata.category(ch).startswith("M") for ch in name):
        raise GameError("nickname_invalid", "the nickname has no visible characters")
    return name


def fold(name: str) -> str:
    """The key under which nicknames must be unique: case-folded."""
    return unicodedata.normalize("NFKC", name.casefold())
