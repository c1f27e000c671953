"""Authoring lints: a valid deck can still play badly in class; these say where and why.

Warnings, never errors: the editor shows them beside the field, `thaw check
--lint` prints them, and an author who disagrees writes the reason under
`allow:` (server/content/allow.py) in the question or the deck.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from ..domain.grading import normalise_text
from ..domain.model import Deck, Kind, Question
from ..shared.marks import N_, english
from . import limits
from .allow import allows_of
from .document import Checked, Finding
from .yamltree import YNode

PROMPT_FITS = 120  # characters of a prompt that fit the projector and a phone, as in Kahoot!'s own limit
OPTION_FITS = 75  # characters of an option that fit one answer tile on a phone
LONG_CORRECT_RATIO = 1.5
LONG_CORRECT_MIN_EXTRA = 12  # characters: a few words, not a letter or two
GUESS_WINS = 0.5  # a random tap scoring this often or more teaches nothing
CLUSTER_SHARE = 0.6
CLUSTER_MIN_QUESTIONS = 5
_WORD = re.compile(r"[^\W\d_]{5,}", re.UNICODE)
GIVEN_AWAY = {
    "prompt": N_('question %(number)s\'s prompt already says "%(answer)s": students who were paying attention are '
                 "handed the answer; reword one of them or reorder the questions"),
    "explanation": N_('question %(number)s\'s explanation already says "%(answer)s": students who were paying '
                      "attention are handed the answer; reword one of them or reorder the questions"),
}
_TRIVIAL_ANSWERS = frozenset({"true", "false", "yes", "no", "none", "all of the above"})


def lint_checked(checked: Checked) -> list[Finding]:
    """The lints of a deck that passed the validator (none when it did not)."""
    if checked.deck is None:
        return []
    return lint(checked.deck, checked.tree)


def lint(deck: Deck, tree: YNode | None) -> list[Finding]:
    """Every warning not allowed by the deck's or its question's `allow:`."""
    deck_allow, question_allows = allows_of(tree)
    found: list[Finding] = []
    for warning in _warnings(deck):
        own = question_allows[warning.question] if warning.question is not None and warning.question < len(
            question_allows) else {}
        if warning.code in deck_allow or warning.code in own:
            continue
        found.append(warning)
    return found


def _warnings(deck: Deck) -> Iterator[Finding]:
    for index, question in enumerate(deck.questions):
        yield from _lengths(index, question)
        yield from _long_correct(index, question)
        yield from _repeats_prompt(index, question)
        yield from _guess_wins(index, question)
        yield from _truefalse_double(index, question)
        yield from _given_away(index, question, deck.questions[:index])
    yield from _position_cluster(deck)


def _is_truefalse(q: Question) -> bool:
    return q.kind is Kind.CHOICE and q.options == limits.TRUEFALSE_OPTIONS


def _field_of_options(q: Question) -> str:
    return "items" if q.kind is Kind.ORDER else "options"


def _lengths(index: int, q: Question) -> Iterator[Finding]:
    if len(q.prompt) > PROMPT_FITS:
        yield Finding(index, "prompt", english("the prompt is %(length)s characters: past %(max)s it no longer fits "
                                               "the projector at a size the back row can read, and students run out "
                                               "of time reading", length=len(q.prompt), max=PROMPT_FITS),
                      code="long-prompt")
    if _is_truefalse(q):
        return
    for position, option in enumerate(q.options):
        if len(option) > OPTION_FITS:
            yield Finding(index, _field_of_options(q), english('"%(start)s…" is %(length)s characters: past %(max)s it '
                                                               "does not fit an answer tile on a phone and is cut or "
                                                               "shrunk", start=option[:30], length=len(option),
                                                               max=OPTION_FITS),
                          item=position, code="long-option")


def _long_correct(index: int, q: Question) -> Iterator[Finding]:
    if q.kind is not Kind.CHOICE or len(q.correct) != 1 or len(q.options) < 3:
        return
    [right] = q.correct
    longest_other = max(len(text) for i, text in enumerate(q.options) if i != right)
    length = len(q.options[right])
    if length >= LONG_CORRECT_RATIO * longest_other and length - longest_other >= LONG_CORRECT_MIN_EXTRA:
        yield Finding(index, "options", N_("the right option is much longer than the others: students learn to pick "
                                           "the longest answer without reading; shorten it or make the others as "
                                           "precise"),
                      item=right, code="long-correct")


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


def _repeats_prompt(index: int, q: Question) -> Iterator[Finding]:
    """The right option echoes a word of the prompt that no wrong option does: a word match wins."""
    if q.kind not in (Kind.CHOICE, Kind.MULTI) or _is_truefalse(q) or len(q.correct) == len(q.options):
        return
    prompt = _words(q.prompt)
    wrong_echo = set().union(*(_words(t) & prompt for i, t in enumerate(q.options) if i not in q.correct))
    for position in sorted(q.correct):
        echo = (_words(q.options[position]) & prompt) - wrong_echo
        if echo:
            word = sorted(echo)[0]
            yield Finding(index, "options", english('the right option repeats "%(word)s" from the prompt and no wrong '
                                                    "option does: students can match the word instead of knowing the "
                                                    "answer", word=word),
                          item=position, code="repeats-prompt")


def _guess_wins(index: int, q: Question) -> Iterator[Finding]:
    """A choice with several right options: one random tap scores |right| / |options| of the time.
    A multi: ticking every option earns max(0, right - wrong) / right of the points."""
    if q.kind is Kind.MULTI:
        right, wrong = len(q.correct), len(q.options) - len(q.correct)
        earned = max(0, right - wrong) / right
        if earned >= GUESS_WINS:
            yield Finding(index, "correct", english("%(right)s of %(count)s options are right, so ticking every option "
                                                    "earns %(percent)s%% of the points without reading: add wrong "
                                                    "options or mark fewer right", right=right, count=len(q.options),
                                                    percent=round(earned * 100)), code="guess-wins")
        return
    if q.kind is not Kind.CHOICE or len(q.correct) < 2:
        return
    share = len(q.correct) / len(q.options)
    if share >= GUESS_WINS:
        yield Finding(index, "correct", english("%(right)s of %(count)s options are right, so a random tap scores "
                                                "%(percent)s%% of the time: the scores will say little about who "
                                                "knew; add wrong options or mark fewer right", right=len(q.correct),
                                                count=len(q.options), percent=round(share * 100)), code="guess-wins")


def _truefalse_double(index: int, q: Question) -> Iterator[Finding]:
    if (_is_truefalse(q) or (q.kind is Kind.CHOICE and len(q.options) == 2)) and q.points >= 2000:
        yield Finding(index, "points", N_("a coin flip wins this half the time, and double points make that luck "
                                          "count twice on the scoreboard: use 1000 points, or ask it as a choice"),
                      code="truefalse-double")


def _answers(q: Question) -> list[str]:
    if q.kind in (Kind.CHOICE, Kind.MULTI) and not _is_truefalse(q):
        return [q.options[i] for i in sorted(q.correct)]
    if q.kind is Kind.TEXT:
        return list(q.accepted)
    if q.kind is Kind.NUMBER and q.value is not None and float(q.value).is_integer() and abs(q.value) >= 100:
        return [str(int(q.value))]
    return []


def _given_away(index: int, q: Question, earlier: tuple[Question, ...]) -> Iterator[Finding]:
    """An earlier prompt or explanation (shown on the projector) already says this answer, and not the others."""
    with_options = q.kind in (Kind.CHOICE, Kind.MULTI)
    wrong = [q.options[i] for i in range(len(q.options)) if i not in q.correct] if with_options else []
    own = f" {normalise_text(q.prompt, q.fold)} "
    for answer in _answers(q):
        key = normalise_text(answer, q.fold)
        if len(key) < 4 or key in _TRIVIAL_ANSWERS or f" {key} " in own:
            continue
        for number, before in enumerate(earlier):
            for field, text in (("prompt", before.prompt), ("explanation", before.explanation or "")):
                said = f" {normalise_text(text, q.fold)} "
                if f" {key} " not in said:
                    continue
                if any(f" {normalise_text(w, q.fold)} " in said for w in wrong):
                    continue
                yield Finding(index, "correct" if q.kind is not Kind.TEXT else "accept",
                              english(GIVEN_AWAY[field], number=number + 1, answer=answer),
                              code="given-away")
                return


def _position_cluster(deck: Deck) -> Iterator[Finding]:
    """Most right answers sit in one position: students who notice stop reading the options."""
    positions = [
        next(iter(q.correct))
        for q in deck.questions
        if q.kind is Kind.CHOICE and len(q.correct) == 1 and len(q.options) >= 3
    ]
    if len(positions) < CLUSTER_MIN_QUESTIONS:
        return
    position, count = Counter(positions).most_common(1)[0]
    if count / len(positions) >= CLUSTER_SHARE:
        yield Finding(None, "questions", english("the right answer is option %(position)s in %(count)s of %(total)s "
                                                 "multiple-choice questions: students who notice the pattern stop "
                                                 "reading; move the right answers around, or host with "
                                                 "shuffle_options", position=position + 1, count=count,
                                                 total=len(positions)), code="position-cluster")
