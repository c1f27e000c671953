"""Nickname rules: NFKC, trimmed, 1-20 code points, no Cc/Cf (but ZWJ inside emoji), a deny-list."""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import GameError

MAX_LENGTH = 20
# What the wire can carry at most (a frame is at most 4096 bytes); anything longer is
# refused before normalising. The contract's 1-20 limit applies after NFKC and trim.
_MAX_RAW = 4096
ZWJ = "\u200d"
_VARIATION_SELECTOR_16 = "\ufe0f"


def _is_emoji_like(ch: str) -> bool:
    return unicodedata.category(ch) == "So" or ch == _VARIATION_SELECTOR_16 or 0x1F3FB <= ord(ch) <= 0x1F3FF


def clean(raw: object) -> str:
    """The nickname as stored, or `nickname_invalid` saying what is wrong."""
    if not isinstance(raw, str):
        raise GameError("nickname_invalid", "the nickname must be a string")
    if len(raw) > _MAX_RAW:
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


# -- deny-list ------------------------------------------------------------------------
#
# `check_allowed` refuses names on a small, editable deny-list (see denylist.txt for
# the file format). Both the nickname and every entry go through `deny_key`, which
# undoes the usual evasions: case, accents, look-alike letters, leetspeak, spaces and
# punctuation between letters, repeated letters. Entries match the whole name; only
# entries marked with a leading `*` also match inside a longer name, so that a short
# word does not refuse every innocent name that contains it (the Scunthorpe problem).

DENYLIST_ENV = "THAW_NICKNAME_DENYLIST"
_PACKAGED_DENYLIST = Path(__file__).with_name("denylist.txt")

# One canonical letter per group of look-alikes. `i`, `l`, `1`, `!` and `|` are one
# group, since "1" stands for either letter; entries are folded the same way.
_LOOKALIKES: dict[str, str] = {
    "0": "o",
    "1": "i",
    "!": "i",
    "|": "i",
    "l": "i",
    "3": "e",
    "€": "e",
    "4": "a",
    "@": "a",
    "5": "s",
    "$": "s",
    "7": "t",
    "+": "t",
    "8": "b",
    "9": "g",
    "6": "g",
    # Cyrillic and Greek letters that look Latin
    "а": "a",
    "в": "b",
    "е": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "і": "i",
    "ј": "j",
    "ѕ": "s",
    "ԁ": "d",
    "α": "a",
    "β": "b",
    "ε": "e",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
}

Runs = tuple[tuple[str, int], ...]


def deny_key(text: str, digits: bool = True) -> Runs:
    """The text as runs of canonical letters: "B.a.d  W0rd" and "BAAAD word" -> b a d w o r d.

    NFKC, case-fold, accents dropped (NFKD without marks), look-alikes and leetspeak
    mapped to one letter (digits too, unless `digits` is false: then they are
    dropped, so that "Badword 123" is still "badword"), everything that is not a
    letter dropped, then repeated letters collapsed into (letter, count) runs.
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    runs: list[tuple[str, int]] = []
    for ch in folded:
        if unicodedata.category(ch).startswith("M") or (not digits and ch.isdigit()):
            continue
        ch = _LOOKALIKES.get(ch, ch)
        if not ch.isalpha():
            continue
        if runs and runs[-1][0] == ch:
            runs[-1] = (ch, runs[-1][1] + 1)
        else:
            runs.append((ch, 1))
    return tuple(runs)


def _pattern(entry: Runs) -> str:
    """A regex for the letters of a name that `entry` covers: the same letters, at
    least as many of each ("BAAAD" covers "bad", "asss" covers "ass", "as" does not
    cover "ass"). Runs of a key never repeat a letter, so each `x{n,}` but the last
    takes a whole run of the name."""
    return "".join(f"{re.escape(letter)}{{{count},}}" for letter, count in entry)


def _alternation(entries: tuple[Runs, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{_pattern(e)})" for e in entries)) if entries else None


@dataclass(frozen=True, slots=True)
class DenyList:
    whole: tuple[Runs, ...] = ()
    substrings: tuple[Runs, ...] = ()
    # Every join is checked: each kind of entry is one compiled alternation.
    _whole: re.Pattern[str] | None = field(init=False, repr=False, compare=False, hash=False)
    _inside: re.Pattern[str] | None = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_whole", _alternation(self.whole))
        object.__setattr__(self, "_inside", _alternation(self.substrings))

    @classmethod
    def parse(cls, text: str) -> DenyList:
        """One entry per line; `#` starts a comment line; a leading `*` marks a substring entry."""
        whole: list[Runs] = []
        substrings: list[Runs] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            target = whole
            if line.startswith("*"):
                target, line = substrings, line[1:]
            key = deny_key(line)
            if key:
                target.append(key)
        return cls(tuple(whole), tuple(substrings))

    def hits(self, nickname: str) -> bool:
        """Whether the nickname, read with digits as letters or without digits, is refused."""
        return any(self._hits(name) for name in {deny_key(nickname), deny_key(nickname, digits=False)})

    def _hits(self, name: Runs) -> bool:
        letters = "".join([letter * count for letter, count in name])
        if not letters:
            return False
        return bool(
            (self._whole is not None and self._whole.fullmatch(letters))
            or (self._inside is not None and self._inside.search(letters))
        )


@functools.cache
def denylist() -> DenyList:
    """The deny-list in use, read once: $THAW_NICKNAME_DENYLIST if set, else the packaged file.

    Tests and operators that change the file or the variable call `denylist.cache_clear()`.
    """
    override = os.environ.get(DENYLIST_ENV)
    path = Path(override) if override else _PACKAGED_DENYLIST
    return DenyList.parse(path.read_text(encoding="utf-8"))


def check_allowed(nickname: str) -> None:
    """`nickname_invalid` if the (cleaned) nickname hits the deny-list."""
    if denylist().hits(nickname):
        raise GameError("nickname_invalid", "that nickname is not allowed")
