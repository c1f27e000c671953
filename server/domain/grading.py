"""Answer checking per question kind: shape validation, then correctness.

`layout` is the room's presented order of the question's options (deck option
indices); for `order` the wire ids are positions in that layout, so the ids a
player sees say nothing about the true order.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .errors import GameError
from .model import TEXT_ANSWER_MAX, Kind, Question

_MAX_NUMBER = 1e15


_ARABIC_MARKS = {cp: None for cp in (*range(0x064B, 0x0660), 0x0670, 0x0640)}  # harakat, superscript alef, tatweel
_ARABIC_ALEFS = {ord(a): "ا" for a in "أإآٱ"} | {ord("ى"): "ي"}  # alef forms; alef maksura as yeh


@dataclass(frozen=True, slots=True)
class Folding:
    """How one language's text answers are folded beyond the common rule.

    `before` is applied before case-folding (Turkish I/İ), `after` after it
    (Russian ё, Arabic alef forms and marks); `after` also hides the letters whose
    mark is part of the letter (Russian й is not и) behind private-use stand-ins
    that `show` puts back once the common rule has stripped the other marks.
    """

    before: dict[int, str | None]
    after: dict[int, str | None]
    show: dict[int, str]


def _folding(before: dict[int, str | None], after: dict[int, str | None], keep: str = "") -> Folding:
    hide: dict[int, str | None] = {ord(ch): chr(0xE000 + i) for i, ch in enumerate(keep)}
    return Folding(before, after | hide, {0xE000 + i: ch for i, ch in enumerate(keep)})


_TURKIC = _folding(before={ord("I"): "ı", ord("İ"): "i"}, after={})
FOLDINGS: dict[str, Folding] = {
    "ru": _folding(before={}, after={ord("ё"): "е"}, keep="й"),
    "uk": _folding(before={}, after={}, keep="йї"),
    "be": _folding(before={}, after={ord("ё"): "е"}, keep="йў"),
    "tr": _TURKIC,
    "az": _TURKIC,
    "ar": _folding(before={}, after=_ARABIC_MARKS | _ARABIC_ALEFS),
}
"""The folding of each language that has one, by primary language subtag (see docs/authoring.md)."""


def folding_for(lang: str) -> str:
    """The key into FOLDINGS for a deck's `lang:` (a BCP-47 tag), "" for the common rule only.

    Decided once per deck (`Question.fold`), so grading an answer looks nothing up."""
    primary = lang.split("-", 1)[0].lower()
    return primary if primary in FOLDINGS else ""


def normalise_text(text: str, fold: str = "") -> str:
    """NFKC, case-fold, strip accents and punctuation, collapse spaces; `fold` adds its language's rules."""
    text = unicodedata.normalize("NFKC", text)
    folding = FOLDINGS[fold] if fold else None
    if folding is not None:
        text = text.translate(folding.before)
    text = text.casefold()
    if folding is not None:
        text = text.translate(folding.after)
    decomposed = unicodedata.normalize("NFKD", text)
    kept: list[str] = []
    for ch in decomposed:
        cat = unicodedata.category(ch)
        if cat.startswith("M"):
            continue
        if cat.startswith("P") or cat.startswith("S"):
            kept.append(" ")
            continue
        kept.append(ch)
    folded = " ".join("".join(kept).split())
    return folded if folding is None or not folding.show else folded.translate(folding.show)


@lru_cache(maxsize=1024)
def accepted_forms(accepted: tuple[str, ...], fold: str = "") -> frozenset[str]:
    """A text question's accepted answers, normalised once, not once per answer."""
    return frozenset(normalise_text(a, fold) for a in accepted)


def true_order_ids(layout: tuple[int, ...]) -> list[int]:
    """For `order`: the wire ids (positions in `layout`) in the true order."""
    position = {deck_index: pos for pos, deck_index in enumerate(layout)}
    return [position[i] for i in range(len(layout))]


def _invalid(message: str) -> GameError:
    return GameError("invalid_answer", message)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def deck_index(ids: tuple[int, ...] | None, wire_id: int) -> int:
    """The deck option a wire id names (ids are a permutation of the deck indices)."""
    return ids.index(wire_id) if ids else wire_id


def wire_id(ids: tuple[int, ...] | None, index: int) -> int:
    """The wire id of deck option `index`."""
    return ids[index] if ids else index


def wire_value(question: Question, ids: tuple[int, ...] | None, canonical: Any) -> Any:
    """A stored (canonical) answer as the wire shows it back to its player: option ids,
    a multi answer's ids in order. One form for the live ack and the resync's."""
    if question.kind in (Kind.CHOICE, Kind.POLL):
        return wire_id(ids, canonical)
    if question.kind is Kind.MULTI:
        return sorted(wire_id(ids, i) for i in canonical)
    return canonical


def validate(
    question: Question, layout: tuple[int, ...] | None, answer: Any, ids: tuple[int, ...] | None = None
) -> Any:
    """Return the answer in canonical form, or raise `invalid_answer` naming the problem.

    `ids` are the room's wire ids of the options (`Room.ids`); `choice`, `multi` and
    `poll` answers come in as wire ids and are kept as deck indices.
    """
    kind = question.kind
    if kind in (Kind.CHOICE, Kind.POLL):
        if not _is_int(answer):
            raise _invalid(f"a {kind} answer is one option id (an integer)")
        if not 0 <= answer < len(question.options):
            raise _invalid(f"option id {answer} is not one of this question's options")
        return deck_index(ids, answer)
    if kind is Kind.MULTI:
        n = len(question.options)
        if not isinstance(answer, list) or not all(_is_int(x) for x in answer):
            raise _invalid("a multi answer is a list of option ids")
        if not answer:
            raise _invalid("a multi answer selects at least one option")
        if len(set(answer)) != len(answer):
            raise _invalid("a multi answer lists each option id at most once")
        for option in answer:
            if not 0 <= option < n:
                raise _invalid(f"option id {option} is not one of this question's options")
        return sorted(deck_index(ids, option) for option in answer)
    if kind is Kind.ORDER:
        n = len(question.options)
        if not isinstance(answer, list) or not all(_is_int(x) for x in answer):
            raise _invalid("an order answer is a list of option ids")
        if sorted(answer) != list(range(n)):
            raise _invalid(f"an order answer lists each of the {n} option ids exactly once")
        return list(answer)
    if kind is Kind.NUMBER:
        if not isinstance(answer, int | float) or isinstance(answer, bool):
            raise _invalid("a number answer is a number")
        if isinstance(answer, int) and abs(answer) > _MAX_NUMBER:
            # float() of a huge JSON integer raises OverflowError, not a refusal
            raise _invalid("a number answer must be a finite number")
        value = float(answer)
        if not math.isfinite(value) or abs(value) > _MAX_NUMBER:
            raise _invalid("a number answer must be a finite number")
        assert question.min is not None and question.max is not None
        if not question.min <= value <= question.max:
            raise _invalid(f"the answer must lie between {_fmt(question.min)} and {_fmt(question.max)}")
        return int(value) if value.is_integer() else value
    if kind is Kind.TEXT:
        if not isinstance(answer, str):
            raise _invalid("a text answer is a string")
        if len(answer) > TEXT_ANSWER_MAX:
            raise _invalid(f"a text answer has at most {TEXT_ANSWER_MAX} characters")
        if not answer.strip():
            raise _invalid("a text answer cannot be empty")
        return answer
    raise _invalid(f"unknown question kind {kind}")  # pragma: no cover


def grade(question: Question, layout: tuple[int, ...] | None, answer: Any) -> bool | None:
    """Correctness of a validated answer; None for a poll (never scored)."""
    kind = question.kind
    if kind is Kind.POLL:
        return None
    if kind is Kind.CHOICE:
        return answer in question.correct
    if kind is Kind.MULTI:
        return frozenset(answer) == question.correct
    if kind is Kind.ORDER:
        assert layout is not None
        return bool(answer == true_order_ids(layout))
    if kind is Kind.NUMBER:
        assert question.value is not None
        return abs(float(answer) - question.value) <= question.tolerance + 1e-9
    if kind is Kind.TEXT:
        return normalise_text(answer, question.fold) in accepted_forms(question.accepted, question.fold)
    raise _invalid(f"unknown question kind {kind}")  # pragma: no cover


def credit(question: Question, answer: Any, correct: bool) -> tuple[int, int]:
    """The share of the points a graded answer earns, as (numerator, denominator).

    Only `multi` gives partial credit: each right option picked counts, each wrong
    one cancels a right one, `max(0, r - w) / R`. Other kinds: all (exact) or nothing.
    """
    if question.kind is Kind.MULTI:
        picked = frozenset(answer)
        right = len(picked & question.correct)
        wrong = len(picked - question.correct)
        return max(0, right - wrong), len(question.correct)
    return (1, 1) if correct else (0, 1)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
