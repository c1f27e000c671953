"""One YAML question mapping to one `Question`, per kind, with every problem reported."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..domain.grading import normalise_text
from ..domain.model import Kind, Question
from ..shared.marks import N_, english
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
    f = Fields(node, log, english("question %(number)s (%(kind)s): %(what)s", number=number, kind=kind, what=""))
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
        f.say(f.line("image_on_phones"), N_("image_on_phones is set but the question has no image"))
    read_allow(f)
    question = _BUILDERS[kind](f, base)
    return question if len(log) == before else None


def _kind(node: YMap, number: int, log: ProblemLog) -> str | None:
    expected = ", ".join(limits.KINDS)
    value = node.get("kind")

    def say(line: int, message: str) -> None:
        log.add(line, english("question %(number)s: %(what)s", number=number, what=message))

    if value is None or (isinstance(value, YScalar) and value.is_null):
        say(node.line, english("kind is missing (one of %(kinds)s)", kinds=expected))
        return None
    if not isinstance(value, YScalar):
        say(value.line, english("kind must be one word, not %(what)s", what=describe(value)))
        return None
    kind = value.raw.strip()
    if kind not in limits.KIND_KEYS:
        close = difflib.get_close_matches(kind, limits.KINDS, n=1, cutoff=0.6)
        if close:
            say(value.line, english('unknown kind "%(kind)s" (did you mean "%(close)s"? expected one of %(kinds)s)',
                                    kind=kind, close=close[0], kinds=expected))
        else:
            say(value.line, english('unknown kind "%(kind)s" (expected one of %(kinds)s)', kind=kind, kinds=expected))
        return None
    return kind


def _elsewhere(kind: str) -> dict[str, str]:
    """Fields of other kinds, mapped to a message that says why they do not fit here."""
    own = set(limits.KIND_KEYS[kind])
    hints = {
        key: english('"%(key)s" is not used by %(kind)s questions', key=key, kind=kind)
        for keys in limits.KIND_KEYS.values()
        for key in keys
        if key not in own
    }
    if kind == "poll":
        hints["correct"] = (
            N_('a poll has no correct answer: remove "correct" (or use kind: choice)')
        )
    if kind == "truefalse":
        hints["options"] = (
            N_('truefalse options are always True and False: remove "options" (or use kind: choice)')
        )
    return hints


def read_time_limit(f: Fields, fallback: int) -> int:
    """`time_limit` in seconds; `fallback` when absent or out of range (then reported)."""
    value = f.integer("time_limit")
    if value is None:
        return fallback
    if not limits.TIME_MIN_S <= value <= limits.TIME_MAX_S:
        f.say(f.line("time_limit"), english("time_limit %(value)s is out of range (%(min)s to %(max)s seconds)",
                                            value=value, min=limits.TIME_MIN_S, max=limits.TIME_MAX_S))
        return fallback
    return value


def read_points(f: Fields, fallback: int) -> int:
    """`points`, one of 0, 1000 or 2000; `fallback` when absent or not allowed (then reported)."""
    value = f.integer("points")
    if value is None:
        return fallback
    if value not in limits.POINTS:
        f.say(f.line("points"), english("points %(value)s is not allowed (use 0, 1000 or 2000)", value=value))
        return fallback
    return value


def _points(f: Fields, defaults: Defaults, kind: str) -> int:
    if kind == "poll":
        value = f.integer("points")
        if value not in (None, 0):
            f.say(
                f.line("points"),
                english("a poll is never scored: points must be 0, not %(value)s", value=value),
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
        f.say(f.line(key), english("%(key)s must be a list of %(low)s to %(high)s entries", key=key, low=low,
                                   high=high))
        return None
    if not low <= len(items) <= high:
        f.say(f.line(key), english("needs %(low)s to %(high)s %(key)s, got %(count)s", low=low, high=high, key=key,
                                   count=len(items)))
    seen: set[str] = set()
    for text, line in items:
        if option_key(text) in seen:
            f.say(line, english('%(what)s "%(text)s" is listed twice', what=what, text=text))
        seen.add(option_key(text))
    return [text for text, _ in items]


def _correct_options(f: Fields, options: list[str] | None, kind: str, low: int) -> set[int] | None:
    """The positions of the options named by `correct`, each problem logged."""
    node = f.get("correct")
    if node is None or (isinstance(node, YScalar) and node.is_null):
        f.say(
            f.line("correct"),
            N_("correct is missing: give the text of the right option, or a list of them"),
        )
        return None
    given = node.items if isinstance(node, YList) else (node,)
    if not given:
        f.say(node.line, english("correct is empty: a %(kind)s needs at least one correct option", kind=kind))
        return None
    if options is None:
        return None
    index = {option_key(text): i for i, text in enumerate(options)}
    correct: set[int] = set()
    for item in given:
        if not isinstance(item, YScalar) or item.is_null:
            f.say(
                item.line,
                english("a correct answer must be an option's text, not %(what)s", what=describe(item)),
            )
            continue
        text = item.raw.strip()
        position = index.get(option_key(text))
        if position is None:
            f.say(item.line, english('correct answer "%(text)s" is not among the options', text=text))
        elif position in correct:
            f.say(item.line, english('correct answer "%(text)s" is listed twice', text=text))
        else:
            correct.add(position)
    if len(correct) == len(options) >= low:
        f.say(
            node.line,
            N_("every option is marked correct: use kind: poll if no answer is wrong"),
        )
    return correct


def _choice(f: Fields, base: Question) -> Question | None:
    options = _distinct_texts(
        f, "options", N_("option"), limits.OPTIONS_MIN, limits.OPTIONS_MAX
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
        f, "options", N_("option"), limits.MULTI_MIN, limits.OPTIONS_MAX
    )
    correct = _correct_options(f, options, "multi", limits.MULTI_MIN)
    if options is None or correct is None:
        return None
    node = f.get("correct")
    named = len(node.items) if isinstance(node, YList) else 1
    if named < limits.MULTI_RIGHT_MIN:
        f.say(
            f.line("correct"),
            english("a multi needs at least %(min)s correct options (with one right option use kind: choice)",
                    min=limits.MULTI_RIGHT_MIN),
        )
    return replace(
        base, kind=Kind.MULTI, options=tuple(options), correct=frozenset(correct)
    )


def _truefalse(f: Fields, base: Question) -> Question | None:
    node = f.get("correct")
    if node is None:
        f.say(f.line(), N_("correct is missing: write true or false"))
        return None
    value = node.value if isinstance(node, YScalar) else None
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        value = value.strip().lower() == "true"
    if not isinstance(value, bool):
        f.say(node.line, english("correct must be true or false, not %(what)s", what=describe(node)))
        return None
    return replace(
        base,
        kind=Kind.CHOICE,
        options=limits.TRUEFALSE_OPTIONS,
        correct=frozenset({0 if value else 1}),
    )


def _order(f: Fields, base: Question) -> Question | None:
    items = _distinct_texts(f, "items", N_("item"), limits.ORDER_MIN, limits.ORDER_MAX)
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
        f.say(f.line("step"), english("step must be greater than 0, not %(step)s", step=fmt(step)))
        ok = False
    if tolerance < 0:
        f.say(f.line("tolerance"), english("tolerance must be 0 or more, not %(tolerance)s", tolerance=fmt(tolerance)))
        ok = False
    if low is None or high is None or answer is None:
        return None
    if low >= high:
        f.say(f.line("max"), english("min %(min)s must be less than max %(max)s", min=fmt(low), max=fmt(high)))
        return None
    if not low <= answer <= high:
        f.say(
            f.line("answer"),
            english("answer %(answer)s is outside min..max (%(min)s to %(max)s)", answer=fmt(answer), min=fmt(low),
                    max=fmt(high)),
        )
        return None
    if ok:
        nearest = low + round((answer - low) / step) * step
        if abs(nearest - answer) > tolerance + 1e-9 * max(1.0, abs(step)):
            f.say(
                f.line("answer"),
                english("answer %(answer)s cannot be entered: from min %(min)s in steps of %(step)s the nearest value "
                        "is %(nearest)s (change step or add a tolerance)", answer=fmt(answer), min=fmt(low),
                        step=fmt(step), nearest=fmt(nearest)),
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
        "accept", what=N_("accepted answer"), max_len=limits.ACCEPT_MAX, required=True
    )
    if accepted is None:
        return None
    if not accepted:
        f.say(f.line("accept"), N_("accept is empty: list at least one accepted answer"))
        return None
    seen: dict[str, str] = {}
    for text, line in accepted:
        key = normalise_text(text, base.fold)
        if not key:
            f.say(
                line,
                english('accepted answer "%(text)s" has no letters or digits, so nothing could match it', text=text),
            )
        elif key in seen:
            f.say(
                line,
                english('accepted answer "%(text)s" is the same as "%(other)s" once normalised (case, accents and '
                        "punctuation are ignored): remove one", text=text, other=seen[key]),
            )
        else:
            seen[key] = text
    return replace(base, kind=Kind.TEXT, accepted=tuple(text for text, _ in accepted))


def _poll(f: Fields, base: Question) -> Question | None:
    options = _distinct_texts(
        f, "options", N_("option"), limits.OPTIONS_MIN, limits.OPTIONS_MAX
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
