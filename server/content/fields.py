"""Typed reads from one YAML mapping, where a bad field becomes a problem, never an exception.

Each `Fields` carries a prefix ("question 3 (choice): ") so that every message
names where it comes from, and reports at the line of the offending value.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Mapping

from ..domain.text import is_text
from ..shared.marks import english
from .problems import ProblemLog
from .yamltree import YList, YMap, YNode, YScalar, describe

Number = int | float


class Fields:
    """The fields of one mapping, read one at a time."""

    def __init__(self, node: YMap, log: ProblemLog, prefix: str = "") -> None:
        self.node = node
        self.log = log
        self.prefix = prefix

    def say(self, line: int, message: str) -> None:
        self.log.add(line, self.prefix + message)

    def get(self, key: str) -> YNode | None:
        return self.node.get(key)

    def line(self, key: str | None = None) -> int:
        """The line of a field's value, or of the mapping itself when the field is absent."""
        value = self.node.get(key) if key is not None else None
        return value.line if value is not None else self.node.line

    def check_keys(
        self, allowed: Collection[str], elsewhere: Mapping[str, str]
    ) -> None:
        """Report unknown fields, with a hint when the name is a typo or belongs elsewhere."""
        for name, entry in self.node.entries.items():
            if name in allowed:
                continue
            if name in elsewhere:
                self.say(entry.key_line, elsewhere[name])
                continue
            close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.7)
            if close:
                self.say(entry.key_line, english('unknown field "%(name)s" (did you mean "%(close)s"?)', name=name,
                                                 close=close[0]))
            else:
                self.say(entry.key_line, english('unknown field "%(name)s"', name=name))

    def text(self, key: str, *, required: bool, max_len: int) -> str | None:
        """A non-empty single piece of text, stripped; numbers are kept as written."""
        node = self.get(key)
        if node is None or (isinstance(node, YScalar) and node.is_null):
            if required:
                self.say(self.line(key), english("%(key)s is missing", key=key))
            return None
        if not isinstance(node, YScalar):
            self.say(node.line, english("%(what)s must be text, not %(what_found)s", what=key,
                                        what_found=describe(node)))
            return None
        return self.check_text(node, key, max_len)

    def check_text(self, node: YScalar, what: str, max_len: int) -> str | None:
        text = node.raw.strip()
        if not text:
            self.say(node.line, english("%(what)s is empty", what=what))
            return None
        if len(text) > max_len:
            self.say(node.line, english("%(what)s is %(length)s characters long (at most %(max)s)", what=what,
                                        length=len(text), max=max_len))
            return None
        if not is_text(text):  # a YAML "\ud800" escape, or a bad cell of an import
            self.say(node.line, english("%(what)s is not valid text (it holds an unpaired surrogate)", what=what))
            return None
        return text

    def texts(
        self, key: str, *, what: str, max_len: int, required: bool
    ) -> list[tuple[str, int]] | None:
        """One text or a list of them, each with its line; None when absent or wrong."""
        node = self.get(key)
        if node is None or (isinstance(node, YScalar) and node.is_null):
            if required:
                self.say(self.line(key), english("%(key)s is missing", key=key))
            return None
        items: tuple[YNode, ...] = node.items if isinstance(node, YList) else (node,)
        result: list[tuple[str, int]] = []
        ok = True
        for position, item in enumerate(items, 1):
            label = english("%(what)s %(position)s", what=what, position=position) if isinstance(node, YList) else what
            if not isinstance(item, YScalar) or item.is_null:
                self.say(item.line, english("%(what)s must be text, not %(what_found)s", what=label,
                                            what_found=describe(item)))
                ok = False
                continue
            text = self.check_text(item, label, max_len)
            if text is None:
                ok = False
                continue
            result.append((text, item.line))
        return result if ok else None

    def flag(self, key: str) -> bool | None:
        """true or false; None when absent, empty, or not a boolean (then reported)."""
        node = self.get(key)
        if node is None or (isinstance(node, YScalar) and node.is_null):
            return None
        value = node.value if isinstance(node, YScalar) else None
        if not isinstance(value, bool):
            self.say(node.line, english("%(key)s must be true or false, not %(what)s", key=key, what=describe(node)))
            return None
        return value

    def integer(self, key: str, *, required: bool = False) -> int | None:
        node = self.get(key)
        if node is None:
            if required:
                self.say(self.line(key), english("%(key)s is missing", key=key))
            return None
        value = node.value if isinstance(node, YScalar) else None
        if isinstance(value, bool) or not isinstance(value, int):
            self.say(node.line, english("%(key)s must be a whole number, not %(what)s", key=key, what=describe(node)))
            return None
        return value

    def number(self, key: str, *, required: bool) -> Number | None:
        node = self.get(key)
        if node is None:
            if required:
                self.say(self.line(key), english("%(key)s is missing", key=key))
            return None
        value = node.value if isinstance(node, YScalar) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.say(node.line, english("%(key)s must be a number, not %(what)s", key=key, what=describe(node)))
            return None
        if not math.isfinite(value):
            self.say(node.line, english("%(key)s must be a finite number", key=key))
            return None
        return value
