"""One YAML question mapping to one `Question`, per kind, with every problem reported."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..domain.grading import normalise_text
from ..domain.model import Kind, Question
from . import limits
from .allow import read_allow
from .fields import Fields, Number
from .problems import ProblemLog
from .yamltree import YList, YMap, YNode, YScalar, describe


@dataclass(frozen=True)
class Defaults:
    """A deck's `defaults:` block, applied to questions that leave a field out."""

    time_limit_s: int = limits.DEFAULT_TIME_S
    points: int = limits.DEFAULT_POINTS
    fold: str = ""  # the deck's `lang:` as text answers fold it (grading.folding_for)


def option_key(text: str) -> str:
    """Options are the same when they differ only by case or spacing."""
    return " ".join(text.casefold().split())


def fmt(value: Number) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def build_question(
    node: YNode, number: int, defaults: Defaults, log: ProblemLog
) -> Question | None:
    """The question, or None when it has any problem (all of them logged)."""
    if not isinstance(node, YMap):
        log.add(
            node.line,
            f"question {number} must be a mapping with kind and prompt, not {describe(node)}",
        )
        return None
    kind = _kind(node, number, log)
    if kind is None:
        return None
    before = len(log)
    f = Fields(node, log, f"question {number} ({kind}): ")
    f.check_keys(limits.COMMON_KEYS + limits.KIND_KEYS[kind], _elsewhere(kind))
    prompt = f.text("prompt", required=True, max_len=limits.PROMPT_MAX)
    sources = f.texts(
        "source", what="source", max_len=limits.SOURCE_MAX, required=False
    )
    base = Question(
        kind=Kind.CHOICE,
        prompt=prompt or "",
        time_limit_ms=read_time_limit(f, defaults.time_limit_s) * 1000,
        points=_points(f, defaults, kind),
        explanation=f.text(
            "explanation", required=False, max_len=limits.EXPLANATION_MAX
        ),
        sources=tuple(text for text, _ in sources or ()),
        image=f.text("image", required=False, max_len=limits.IMAGE_NAME_MAX),
        image_on_phones=bool(f.flag("image_on_phones")),
        line=node.line,
        fold=defaults.fold,
    )
    if base.image_on_phones and base.image is None:
        f.say(f.line("image_on_phones"), "image_on_phones is set but the question has no image")
    read_allow(f)
    question = _BUILDERS[kind](f, base)
    return question if len(log) == before else None


def _kind(node: YMap, number: int, log: ProblemLog) -> str | None:
    expected = ", ".join(limits.KINDS)
    value = node.get("kind")
    if value is None or (isinstance(value, YScalar) and value.is_null):
        log.add(node.line, f"question {number}: kind is missing (one of {expected})")
        return None
    if not isinstance(value, YScalar):
        log.add(
            value.line,
            f"question {number}: kind must be one word, not {describe(value)}",
        )
        return None
    kind = value.raw.strip()
    if kind not in limits.KIND_KEYS:
        close = difflib.get_close_matches(kind, limits.KINDS, n=1, cutoff=0.6)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        log.add(
            value.line,
            f'question {number}: unknown kind "{kind}" ({hint}expected one of {expected})',
        )
        return None
    return kind


def _elsewhere(kind: str) -> dict[str, str]:
    """Fields of other kinds, mapped to a message that says why they do not fit here."""
    own = set(limits.KIND_KEYS[kind])
    hints = {
        key: f'"{key}" is not used by {kind} questions'
        for keys in limits.KIND_KEYS.values()
        for key in keys
        if key not in own
    }
    if kind == "poll":
        hints["correct"] = (
            'a poll has no correct answer: remove "correct" (or use kind: choice)'
        )
    if kind == "truefalse":
        hints["options"] = (
            'truefalse options are always True and False: remove "options" (or use kind: choice)'
        )
    return hints


def read_time_limit(f: Fields, fallback: int) -> int:
    """`time_limit` in seconds; `fallback` when absent or out of range (then reported)."""
    value = f.integer("time_limit")
    if value is None:
        return fallback
    if not limits.TIME_MIN_S <= value <= limits.TIME_MAX_S:
        bounds = f"{limits.TIME_MIN_S} to {limits.TIME_MAX_S} seconds"
        f.say(f.line("time_limit"), f"time_limit {value} is out of range ({bounds})")
        return fallback
    return value


def read_points(f: Fields, fallback: int) -> int:
    """`points`, one of 0, 1000 or 2000; `fallback` when absent or not allowed (then reported)."""
    value = f.integer("points")
    if value is None:
        return fallback
    if value not in limits.POINTS:
        f.say(f.line("points"), f"points {value} is not allowed (use 0, 1000 or 2000)")
        return fallback
    return value


def _points(f: Fields, defaults: Defaults, kind: str) -> int:
    if kind == "poll":
        value = f.integer("points")
        if value not in (None, 0):
            f.say(
                f.line("points"),
                f"a poll is never scored: points must be 0, not {value}",
            )
        return 0
    return read_points(f, defaults.points)


def _distinct_texts(
    f: Fields, key: str, what: str, low: int, high: int
) -> list[str] | None:
    """A list of `low`..`high` texts, unique ignoring case and spacing.

    Returns the texts even when their count or uniqueness is wrong (the problem is
    logged), so that a choice's `correct` can still be checked against them.
    """
    items = f.texts(key, what=what, max_len=limits.OPTION_MAX, required=True)
    if items is None:
        return None
    if not isinstance(f.get(key), YList):
        f.say(f.line(key), f"{key} must be a list of {low} to {high} entries")
        return None
    if not low <= len(items) <= high:
        f.say(f.line(key), f"needs {low} to {high} {key}, got {len(items)}")
    seen: set[str] = set()
    for text, line in items:
        if option_key(text) in seen:
            f.say(line, f'{what} "{text}" is listed twice')
        seen.add(option_key(text))
    return [text for text, _ in items]


def _correct_options(f: Fields, options: list[str] | None, kind: str, low: int) -> set[int] | None:
    """The positions of the options named by `correct`, each problem logged."""
    node = f.get("correct")
    if node is None or (isinstance(node, YScalar) and node.is_null):
        f.say(
            f.line("correct"),
            "correct is missing: give the text of the right option, or a list of them",
        )
        return None
    given = node.items if isinstance(node, YList) else (node,)
    if not given:
        f.say(node.line, f"correct is empty: a {kind} needs at least one correct option")
        return None
    if options is None:
        return None
    index = {option_key(text): i for i, text in enumerate(options)}
    correct: set[int] = set()
    for item in given:
        if not isinstance(item, YScalar) or item.is_null:
            f.say(
                item.line,
                f"a correct answer must be an option's text, not {describe(item)}",
            )
            continue
        text = item.raw.strip()
        position = index.get(option_key(text))
        if position is None:
            f.say(item.line, f'correct answer "{text}" is not among the options')
        elif position in correct:
            f.say(item.line, f'correct answer "{text}" is listed twice')
        else:
            correct.add(position)
    if len(correct) == len(options) >= low:
        f.say(
            node.line,
            "every option is marked correct: use kind: poll if no answer is wrong",
        )
    return correct


def _choice(f: Fields, base: Question) -> Question | None:
    options = _distinct_texts(
        f, "options", "option", limits.OPTIONS_MIN, limits.OPTIONS_MAX
    )
    correct = _correct_options(f, options, "choice", limits.OPTIONS_MIN)
    if options is None or correct is None:
        return None
    return replace(
        base, kind=Kind.CHOICE, options=tuple(options), correct=frozenset(correct)
    )


def _multi(f: Fields, base: Question) -> Question | None:
    """Select every option that applies: partial credit, so two or more are right."""
    options = _distinct_texts(
        f, "options", "option", limits.MULTI_MIN, limits.OPTIONS_MAX
    )
    correct = _correct_options(f, options, "multi", limits.MULTI_MIN)
    if options is None or correct is None:
        return None
    node = f.get("correct")
    named = len(node.items) if isinstance(node, YList) else 1
    if named < limits.MULTI_RIGHT_MIN:
        f.say(
            f.line("correct"),
            f"a multi needs at least {limits.MULTI_RIGHT_MIN} correct options "
            "(with one right option use kind: choice)",
        )
    return replace(
        base, kind=Kind.MULTI, options=tuple(options), correct=frozenset(correct)
    )


def _truefalse(f: Fields, base: Question) -> Question | None:
    node = f.get("correct")
    if node is None:
        f.say(f.line(), "correct is missing: write true or false")
        return None
    value = node.value if isinstance(node, YScalar) else None
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        value = value.strip().lower() == "true"
    if not isinstance(value, bool):
        f.say(node.line, f"correct must be true or false, not {describe(node)}")
        return None
    return replace(
        base,
        kind=Kind.CHOICE,
        options=limits.TRUEFALSE_OPTIONS,
        correct=frozenset({0 if value else 1}),
    )


def _order(f: Fields, base: Question) -> Question | None:
    items = _distinct_texts(f, "items", "item", limits.ORDER_MIN, limits.ORDER_MAX)
    if items is None:
        return None
    return replace(base, kind=Kind.ORDER, options=tuple(items))


def _number(f: Fields, base: Question) -> Question | None:
    low = f.number("min", required=True)
    high = f.number("max", required=True)
    answer = f.number("answer", required=True)
    step = f.number("step", required=False)
    tolerance = f.number("tolerance", required=False)
    step = 1 if step is None else step
    tolerance = 0 if tolerance is None else tolerance
    ok = True
    if step <= 0:
        f.say(f.line("step"), f"step must be greater than 0, not {fmt(step)}")
        ok = False
    if tolerance < 0:
        f.say(f.line("tolerance"), f"tolerance must be 0 or more, not {fmt(tolerance)}")
        ok = False
    if low is None or high is None or answer is None:
        return None
    if low >= high:
        f.say(f.line("max"), f"min {fmt(low)} must be less than max {fmt(high)}")
        return None
    if not low <= answer <= high:
        f.say(
            f.line("answer"),
            f"answer {fmt(answer)} is outside min..max ({fmt(low)} to {fmt(high)})",
        )
        return None
    if ok:
        nearest = low + round((answer - low) / step) * step
        if abs(nearest - answer) > tolerance + 1e-9 * max(1.0, abs(step)):
            f.say(
                f.line("answer"),
                f"answer {fmt(answer)} cannot be entered: from min {fmt(low)} in steps of "
                f"{fmt(step)} the nearest value is {fmt(nearest)} (change step or add a tolerance)",
            )
    if not ok:
        return None
    return replace(
        base,
        kind=Kind.NUMBER,
        min=low,
        max=high,
        step=step,
        value=answer,
        tolerance=tolerance,
    )


def _text(f: Fields, base: Question) -> Question | None:
    accepted = f.texts(
        "accept", what="accepted answer", max_len=limits.ACCEPT_MAX, required=True
    )
    if accepted is None:
        return None
    if not accepted:
        f.say(f.line("accept"), "accept is empty: list at least one accepted answer")
        return None
    seen: dict[str, str] = {}
    for text, line in accepted:
        key = normalise_text(text, base.fold)
        if not key:
            f.say(
                line,
                f'accepted answer "{text}" has no letters or digits, so nothing could match it',
            )
        elif key in seen:
            f.say(
                line,
                f'accepted answer "{text}" is the same as "{seen[key]}" once normalised '
                "(case, accents and punctuation are ignored): remove one",
            )
        else:
            seen[key] = text
    return replace(base, kind=Kind.TEXT, accepted=tuple(text for text, _ in accepted))


def _poll(f: Fields, base: Question) -> Question | None:
    options = _distinct_texts(
        f, "options", "option", limits.OPTIONS_MIN, limits.OPTIONS_MAX
    )
    if options is None:
        return None
    return replace(base, kind=Kind.POLL, options=tuple(options))


_BUILDERS: dict[str, Callable[[Fields, Question], Question | None]] = {
    "choice": _choice,
    "truefalse": _truefalse,
    "order": _order,
    "number": _number,
    "text": _text,
    "poll": _poll,
    "multi": _multi,
}
