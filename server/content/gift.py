"""Moodle's GIFT text format, read into deck questions.

Multiple choice (one or several right answers), true/false, short answer and
numerical become `choice`, `truefalse`, `text` and `number`. Every other GIFT
question (matching, essay, description) is reported with its line and skipped:
nothing is dropped without a word.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from ..shared.marks import N_, english

_ESCAPED = {"\\~": "\x01", "\\=": "\x02", "\\#": "\x03", "\\{": "\x04", "\\}": "\x05", "\\:": "\x06", "\\n": "\n"}
_RESTORE = {"\x01": "~", "\x02": "=", "\x03": "#", "\x04": "{", "\x05": "}", "\x06": ":"}
_TITLE = re.compile(r"^::(.*?)::")
_FORMAT = re.compile(r"^\[(?:html|moodle|plain|markdown)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class GiftProblem:
    line: int
    message: str


def _protect(text: str) -> str:
    for escaped, mark in _ESCAPED.items():
        text = text.replace(escaped, mark)
    return text


def _restore(text: str) -> str:
    for mark, plain in _RESTORE.items():
        text = text.replace(mark, plain)
    return " ".join(_TAGS.sub("", text).split())


def blocks(text: str) -> list[tuple[int, str]]:
    """Questions as (first line, text): separated by blank lines, comments and categories left out."""
    found: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("//") or stripped.startswith("$CATEGORY:"):
            continue
        if not stripped:
            if current:
                found.append((start, "\n".join(current)))
                current = []
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        found.append((start, "\n".join(current)))
    return found


def read(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[GiftProblem]]:
    """(line, question) for each question taken, and a problem for each one not."""
    questions: list[tuple[int, dict[str, Any]]] = []
    problems: list[GiftProblem] = []
    for line, block in blocks(text):
        try:
            questions.append((line, _question(_protect(block))))
        except ValueError as exc:
            problems.append(GiftProblem(line, str(exc)))
    return questions, problems


def _question(block: str) -> dict[str, Any]:
    block = _TITLE.sub("", block.strip()).strip()
    block = _FORMAT.sub("", block).strip()
    opening = block.find("{")
    closing = block.rfind("}")
    if opening < 0:
        raise ValueError(N_("a description, not a question (no {answers}): skipped"))
    if closing < opening:
        raise ValueError(N_("the answers' { is never closed with }"))
    before, body, after = block[:opening], block[opening + 1 : closing], block[closing + 1 :]
    prompt = _restore(before + (" _____ " + after if after.strip() else ""))
    if not prompt:
        raise ValueError(N_("the question has no text"))
    body, general = _split_feedback(body)
    question: dict[str, Any]
    stripped = body.strip()
    if not stripped:
        raise ValueError(N_("an essay question (empty answer braces) cannot be played live: skipped"))
    if stripped.upper() in ("T", "TRUE", "F", "FALSE"):
        question = {"kind": "truefalse", "prompt": prompt, "correct": stripped.upper().startswith("T")}
    elif stripped.startswith("#"):
        question = _numerical(prompt, stripped[1:])
    elif "->" in stripped:
        raise ValueError(N_("a matching question is not a kind this server plays: skipped"))
    else:
        question = _choice_or_short(prompt, stripped)
    if general:
        question["explanation"] = general
    return question


def _split_feedback(body: str) -> tuple[str, str]:
    """The answers and the general feedback (after `####`), which becomes the explanation."""
    answers, _, general = body.partition("####")
    return answers, _restore(general)


def _answers(body: str) -> list[tuple[str, str, float | None]]:
    """Each answer as (mark, text, weight); per-answer feedback (`#...`) dropped."""
    parts = re.split(r"([=~])", body)
    items: list[tuple[str, str, float | None]] = []
    for index in range(1, len(parts) - 1, 2):
        mark, text = parts[index], parts[index + 1]
        text = text.split("#", 1)[0]
        weight: float | None = None
        match = _WEIGHT.match(text.strip())
        if match:
            weight = float(match.group(1))
            text = text.strip()[match.end() :]
        items.append((mark, _restore(text), weight))
    return items


def _choice_or_short(prompt: str, body: str) -> dict[str, Any]:
    items = _answers(body)
    if not items:
        raise ValueError(N_("no answers found between the braces"))
    if all(mark == "=" for mark, _, _ in items):
        return {"kind": "text", "prompt": prompt, "accept": [text for _, text, w in items if w is None or w > 0]}
    options = [text for _, text, _ in items]
    correct = [text for mark, text, w in items if (mark == "=" and (w is None or w > 0)) or (w is not None and w > 0)]
    if not correct:
        raise ValueError(N_("no answer is marked right (= or a positive %weight%)"))
    weighted = [text for mark, text, w in items if mark == "~" and w is not None and w > 0]
    if len(weighted) >= 2 and len(options) >= 3:
        # Moodle's "multiple answers": partial weights on several options mean "select all that apply".
        return {"kind": "multi", "prompt": prompt, "options": options, "correct": correct}
    return {
        "kind": "choice", "prompt": prompt, "options": options,
        "correct": correct[0] if len(correct) == 1 else correct,
    }


def _numerical(prompt: str, body: str) -> dict[str, Any]:
    first = body.strip()
    if first.startswith("="):
        candidates = [text for mark, text, w in _answers(first) if w is None or w >= 100]
        if not candidates:
            raise ValueError(N_("no numerical answer is worth full marks"))
        first = candidates[0]
    first = first.split("#", 1)[0].strip()
    try:
        if ".." in first:
            low_text, high_text = first.split("..", 1)
            low, high = float(low_text), float(high_text)
            answer, tolerance = (low + high) / 2, (high - low) / 2
        else:
            value_text, _, tol_text = first.partition(":")
            answer, tolerance = float(value_text), float(tol_text or 0)
    except ValueError:
        raise ValueError(english('numerical answer "%(answer)s" is not a number (write {#42} or {#42:2})',
                                 answer=_restore(first))) from None
    if not (math.isfinite(answer) and math.isfinite(tolerance)) or tolerance < 0:
        raise ValueError(N_("the numerical answer must be a finite number with a tolerance of 0 or more"))
    decimals = max(_decimals(answer), _decimals(tolerance))
    step = 10.0**-decimals if decimals else 1
    span = max(10.0, abs(answer), tolerance * 10)
    low_bound = math.floor(answer - span)
    if answer >= 0 and answer - tolerance >= 0:
        low_bound = max(0, low_bound)  # a count or a year: no negative guesses to scroll past
    high_bound = math.ceil(answer + span)
    return {
        "kind": "number", "prompt": prompt, "min": low_bound, "max": high_bound,
        "answer": _plain(answer), "tolerance": _plain(tolerance), "step": _plain(step),
    }


def _decimals(value: float) -> int:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return len(text.split(".", 1)[1]) if "." in text else 0


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 6)
