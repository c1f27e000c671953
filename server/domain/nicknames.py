"""Nickname rules: NFKC, trimmed, 1-20 code points, nothing invisible, few combining marks,
unique and deny-listed by their confusable skeleton."""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import confusables
from .errors import GameError
from .model import MAX_FRAME_BYTES

MAX_LENGTH = 20
# What the wire can carry at most (a whole frame); anything longer is refused before
# normalising. The contract's 1-20 limit applies after NFKC and trim.
_MAX_RAW = MAX_FRAME_BYTES
ZWJ = "\u200d"
_VARIATION_SELECTOR_16 = "\ufe0f"
MAX_MARKS = 3  # combining marks on one character: enough for any script's stacked accents, not for "zalgo"

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): drawn as nothing.
# Most are Cf or Mn; the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) are letters
# that render blank, and are how an "empty" name gets past a letter check.
_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
_BLANK_SYMBOLS = frozenset("\u2800")  # BRAILLE PATTERN BLANK: a symbol that draws nothing


def _ignorable(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _IGNORABLE)


def _is_emoji_like(ch: str) -> bool:
    return unicodedata.category(ch) == "So" or ch == _VARIATION_SELECTOR_16 or 0x1F3FB <= ord(ch) <= 0x1F3FF


def clean(raw: object) -> str:
    """The nickname as stored, or `nickname_invalid` saying what is wrong."""
    if not isinstance(raw, str):
        raise GameError.of("nickname_invalid.type")
    if len(raw) > _MAX_RAW:
        raise GameError.of("nickname_invalid.too_long", max=MAX_LENGTH)
    name = unicodedata.normalize("NFKC", raw).strip()
    if not name:
        raise GameError.of("nickname_invalid.empty")
    marks = 0
    for i, ch in enumerate(name):
        cat = unicodedata.category(ch)
        if ch == ZWJ and 0 < i < len(name) - 1 and _is_emoji_like(name[i - 1]) and _is_emoji_like(name[i + 1]):
            continue
        if ch == _VARIATION_SELECTOR_16 and i > 0 and _is_emoji_like(name[i - 1]):
            continue
        if cat == "Cs":
            raise GameError.of("nickname_invalid.surrogate")
        if cat in ("Cc", "Cf") or _ignorable(ch) or ch in _BLANK_SYMBOLS:
            raise GameError.of("nickname_invalid.invisible", char=f"U+{ord(ch):04X}")
        if cat in ("Zl", "Zp"):
            raise GameError.of("nickname_invalid.line_break")
        marks = marks + 1 if cat in ("Mn", "Me") else 0
        if marks > MAX_MARKS:
            raise GameError.of("nickname_invalid.marks", max=MAX_MARKS)
    if len(name) > MAX_LENGTH:
        raise GameError.of("nickname_invalid.too_long", max=MAX_LENGTH)
    if all(unicodedata.category(ch).startswith("M") for ch in name):
        raise GameError.of("nickname_invalid.no_visible")
    return name


def fold(name: str) -> str:
    """The key under which nicknames must be unique: case-folded, then the confusable
    skeleton, so that "Paul" with a Cyrillic "Р" is the same name as "Paul"."""
    return confusables.fold(unicodedata.normalize("NFKC", name.casefold()))


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


def skeleton_key(text: str) -> Runs:
    """`deny_key` of the confusable skeleton: catches look-alikes the table above lacks."""
    return deny_key(confusables.fold(unicodedata.normalize("NFKC", text)))


@dataclass(frozen=True, slots=True)
class DenyList:
    whole: tuple[Runs, ...] = ()
    substrings: tuple[Runs, ...] = ()
    # The same entries by `skeleton_key`, compared with a name's `skeleton_key`.
    skeleton_whole: tuple[Runs, ...] = ()
    skeleton_substrings: tuple[Runs, ...] = ()
    # Every join is checked: each kind of entry is one compiled alternation.
    _whole: re.Pattern[str] | None = field(init=False, repr=False, compare=False, hash=False)
    _inside: re.Pattern[str] | None = field(init=False, repr=False, compare=False, hash=False)
    _skeleton_whole: re.Pattern[str] | None = field(init=False, repr=False, compare=False, hash=False)
    _skeleton_inside: re.Pattern[str] | None = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_whole", _alternation(self.whole))
        object.__setattr__(self, "_inside", _alternation(self.substrings))
        object.__setattr__(self, "_skeleton_whole", _alternation(self.skeleton_whole))
        object.__setattr__(self, "_skeleton_inside", _alternation(self.skeleton_substrings))

    @classmethod
    def parse(cls, text: str) -> DenyList:
        """One entry per line; `#` starts a comment line; a leading `*` marks a substring entry."""
        whole: list[Runs] = []
        substrings: list[Runs] = []
        skeleton_whole: list[Runs] = []
        skeleton_substrings: list[Runs] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            target, skeletons = whole, skeleton_whole
            if line.startswith("*"):
                target, skeletons, line = substrings, skeleton_substrings, line[1:]
            key = deny_key(line)
            if key:
                target.append(key)
                skeletons.append(skeleton_key(line))
        return cls(tuple(whole), tuple(substrings), tuple(skeleton_whole), tuple(skeleton_substrings))

    def hits(self, nickname: str) -> bool:
        """Whether the nickname, read with digits as letters or without digits, or by its
        confusable skeleton, is refused."""
        plain = {deny_key(nickname), deny_key(nickname, digits=False)}
        return any(self._hits(name) for name in plain) or self._hits(skeleton_key(nickname), skeleton=True)

    def _hits(self, name: Runs, skeleton: bool = False) -> bool:
        whole, inside = (self._skeleton_whole, self._skeleton_inside) if skeleton else (self._whole, self._inside)
        letters = "".join([letter * count for letter, count in name])
        if not letters:
            return False
        return bool((whole is not None and whole.fullmatch(letters)) or (inside is not None and inside.search(letters)))


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
        raise GameError.of("nickname_invalid.denied")
