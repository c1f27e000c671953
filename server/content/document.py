"""A deck sent as data (a JSON object, or YAML text) checked by the same rules as a deck file.

The loader reports problems by line. An upload has no lines an author can open,
so the tree is renumbered: every node gets a line of its own, and each line
remembers which question and which field it belongs to. A problem is then told
as `{"question": 0-based index or None, "field": key or None, "message"}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..domain.model import Deck
from ..domain.text import is_text as _is_text
from ..shared.i18n import translate
from ..shared.marks import N_
from . import limits
from .loader import build_deck
from .problems import ProblemLog
from .yamltree import YEntry, YList, YMap, YNode, YScalar, parse

UPLOAD_PATH = "upload"
_QUESTION_PREFIX = re.compile(r"^question \d+(?: \([a-z]+\))?: ")
_LEADING_KEY = re.compile(r"^([a-z_]+)\b")
_ALL_KEYS = frozenset(
    limits.DECK_KEYS + limits.COMMON_KEYS + tuple(k for keys in limits.KIND_KEYS.values() for k in keys)
)


@dataclass(frozen=True, slots=True)
class Where:
    """Where a node sits in the deck: question index (None: the deck), field, item within a list field."""

    question: int | None = None
    field: str | None = None
    item: int | None = None
    line: int = 0  # the line in the YAML text, when the deck came as text


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or lint warning) of a deck sent as data, located by question and field."""

    question: int | None
    field: str | None
    message: str
    item: int | None = None
    line: int = 0
    code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"question": self.question, "field": self.field, "message": translate(self.message)}
        if self.item is not None:
            out["item"] = self.item
        if self.line:
            out["line"] = self.line
        if self.code is not None:
            out["code"] = self.code
        return out


@dataclass(slots=True)
class Checked:
    """The deck (None when any problem was found) and every problem."""

    deck: Deck | None
    problems: list[Finding] = field(default_factory=list)
    tree: YNode | None = None
    where: dict[int, Where] = field(default_factory=dict)


# -- data to tree ------------------------------------------------------------------


class _Numberer:
    """Builds a tree whose every node has a line of its own, and remembers where each is."""

    def __init__(self) -> None:
        self.where: dict[int, Where] = {}
        self.problems: list[Finding] = []

    def _line(self, where: Where) -> int:
        line = len(self.where) + 1
        self.where[line] = where
        return line

    def deck(self, node: YNode) -> YNode:
        if not isinstance(node, YMap):
            return self.node(node, Where())
        entries: dict[str, YEntry] = {}
        line = self._line(Where(line=node.line))
        for name, entry in node.entries.items():
            here = Where(field=name, line=entry.key_line)
            if name == "questions" and isinstance(entry.value, YList):
                items = tuple(
                    self.question(item, index) for index, item in enumerate(entry.value.items)
                )
                value: YNode = YList(self._line(Where(field=name, line=entry.value.line)), items)
            else:
                value = self.node(entry.value, here)
            entries[name] = YEntry(name, self._line(here), value)
        return YMap(line, entries)

    def question(self, node: YNode, index: int) -> YNode:
        if not isinstance(node, YMap):
            return self.node(node, Where(question=index, line=node.line))
        line = self._line(Where(question=index, line=node.line))
        entries = {
            name: YEntry(
                name,
                self._line(Where(index, name, line=entry.key_line)),
                self.node(entry.value, Where(index, name, line=entry.value.line)),
            )
            for name, entry in node.entries.items()
        }
        return YMap(line, entries)

    def node(self, node: YNode, where: Where) -> YNode:
        """Any node below a field: list items keep the field and gain their position."""
        if isinstance(node, YScalar):
            return YScalar(self._line(_at(where, node.line)), node.value, node.raw)
        if isinstance(node, YList):
            line = self._line(_at(where, node.line))
            items = tuple(
                self.node(item, Where(where.question, where.field, position, item.line))
                for position, item in enumerate(node.items)
            )
            return YList(line, items)
        line = self._line(_at(where, node.line))
        entries = {
            name: YEntry(
                name, self._line(_at(where, entry.key_line)), self.node(entry.value, _at(where, entry.value.line))
            )
            for name, entry in node.entries.items()
        }
        return YMap(line, entries)


def _at(where: Where, line: int) -> Where:
    return Where(where.question, where.field, where.item, line)


def to_tree(data: Any, bad: Callable[[str], None], depth: int = 0) -> YNode:
    """JSON data as the YAML tree the loader reads; strings that are not valid text are refused."""
    if depth > 40:
        bad(N_("the deck is nested too deeply"))
        return YScalar(0, None, "")
    if isinstance(data, dict):
        entries: dict[str, YEntry] = {}
        for key, value in data.items():
            name = str(key)
            if not _is_text(name):
                bad(N_("a key is not valid Unicode text"))
                continue
            entries[name] = YEntry(name, 0, to_tree(value, bad, depth + 1))
        return YMap(0, entries)
    if isinstance(data, list):
        return YList(0, tuple(to_tree(item, bad, depth + 1) for item in data))
    if data is None:
        return YScalar(0, None, "")
    if isinstance(data, bool):
        return YScalar(0, data, "true" if data else "false")
    if isinstance(data, int | float):
        return YScalar(0, data, repr(data))
    text = str(data)
    if not _is_text(text):
        bad(N_("a text is not valid Unicode (it holds an unpaired surrogate)"))
        return YScalar(0, None, "")
    return YScalar(0, text, text)


# -- checking ------------------------------------------------------------------------


def check_data(data: Any) -> Checked:
    """Validate a deck given as JSON data."""
    if not isinstance(data, dict):
        return Checked(None, [Finding(None, None, N_("a deck must be a JSON object with id, title and questions"))])
    surrogates: list[str] = []
    tree = to_tree(data, surrogates.append)
    checked = check_tree(tree)
    if surrogates:
        checked.deck = None
        checked.problems[:0] = [_surrogate_finding(data, message) for message in surrogates[:1]]
    return checked


def check_yaml(text: str) -> Checked:
    """Validate a deck given as YAML text; syntax problems keep their line."""
    log = ProblemLog(UPLOAD_PATH)
    root = parse(text, log)
    if len(log) or root is None:
        found = [Finding(None, None, p.message, line=p.line) for p in log.problems]
        if not found:
            found = [Finding(None, None, N_("the deck is empty: a deck needs id, title and questions"))]
        return Checked(None, found)
    return check_tree(root)


def check_tree(root: YNode) -> Checked:
    """Renumber, run the loader's rules, and locate each problem by question and field."""
    numberer = _Numberer()
    tree = numberer.deck(root)
    log = ProblemLog(UPLOAD_PATH)
    deck = build_deck(tree, UPLOAD_PATH, log)
    problems = [_locate(numberer.where, p.line, p.message) for p in log.problems]
    return Checked(deck if not problems else None, problems, tree, numberer.where)


def _locate(where: dict[int, Where], line: int, message: str) -> Finding:
    place = where.get(line, Where())
    text = _QUESTION_PREFIX.sub("", message)
    name = place.field
    if name is None:
        # "prompt is missing" is reported at the question itself: the field is in the words.
        match = _LEADING_KEY.match(text)
        if match and match.group(1) in _ALL_KEYS:
            name = match.group(1)
    return Finding(place.question, name, text, place.item, place.line)


def _surrogate_finding(data: dict[str, Any], message: str) -> Finding:
    """Name the first question holding a bad string, so the editor can point at it."""
    questions = data.get("questions")
    if isinstance(questions, list):
        for index, item in enumerate(questions):
            fields = item.items() if isinstance(item, dict) else [(None, item)]
            for name, value in fields:
                found: list[str] = []
                to_tree({name: value} if name is not None else value, found.append)
                if found:
                    return Finding(index, name if isinstance(name, str) and _is_text(name) else None, message)
    return Finding(None, None, message)
