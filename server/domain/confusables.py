"""Confusable skeletons (Unicode UTS #39, section 4): names that look alike compare equal.

"Раul" with a Cyrillic "Р" and "Paul" are two strings but one name on a projector.
The mapping comes from Unicode's `confusables.txt`, as shipped (in JSON) by the
`confusable-homoglyphs` package. That file lists each pair in both directions,
so the prototype of a character is recovered here: a character with one
look-alike maps to it unless that one is a single character listing only it back
(then the pair maps to the smaller of the two, which is all equality needs); a
character with several look-alikes is a prototype and maps to itself.
"""

from __future__ import annotations

import functools
import json
import unicodedata

from confusable_homoglyphs import utils

_MARKS = str.maketrans("", "", "\u200e\u200f")  # the data pads right-to-left strings with direction marks


@functools.cache
def _prototypes() -> dict[str, str]:
    with open(utils.path("confusables.json"), encoding="utf-8") as f:
        data: dict[str, list[dict[str, str]]] = json.load(f)
    table: dict[str, list[str]] = {k.translate(_MARKS): [e["c"].translate(_MARKS) for e in v] for k, v in data.items()}
    out: dict[str, str] = {}
    for char, alikes in table.items():
        if len(char) != 1 or len(alikes) != 1:
            continue
        target = alikes[0]
        if len(target) == 1 and table.get(target) == [char]:
            target = min(char, target)
        if target != char:
            out[char] = target
    return out


def skeleton(text: str) -> str:
    """UTS #39 `skeleton`: NFD, each character replaced by its prototype, NFD again."""
    table = _prototypes()
    return unicodedata.normalize("NFD", "".join([table.get(c, c) for c in unicodedata.normalize("NFD", text)]))


def fold(text: str) -> str:
    """The key of a name for "is this the same name": case-insensitive skeleton.

    Casefolded before and after, so that `0` (whose prototype is `O`) and `o` meet.
    """
    return skeleton(skeleton(text.casefold()).casefold()).casefold()
