"""YAML as a tree of nodes that remember their line, so every problem can point at it.

PyYAML's composer keeps marks on every node; plain `safe_load` throws them away.
We compose, then turn each node into a small frozen value: scalars keep both the
resolved value (for numbers and booleans) and the text as written (so `1956` or
`yes` can still be an option's text).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from ..shared.marks import N_, english
from .problems import ProblemLog

_MAX_DEPTH = 40


@dataclass(frozen=True, slots=True)
class YScalar:
    line: int
    value: Any
    raw: str

    @property
    def is_null(self) -> bool:
        return self.value is None


@dataclass(frozen=True, slots=True)
class YList:
    line: int
    items: tuple[YNode, ...]


@dataclass(frozen=True, slots=True)
class YEntry:
    key: str
    key_line: int
    value: YNode


@dataclass(frozen=True, slots=True)
class YMap:
    line: int
    entries: dict[str, YEntry]

    def get(self, key: str) -> YNode | None:
        entry = self.entries.get(key)
        return entry.value if entry is not None else None


YNode = YScalar | YList | YMap


def describe(node: YNode) -> str:
    """What a node is, in an author's words, for 'must be X, not Y' messages."""
    if isinstance(node, YMap):
        return N_("a mapping")
    if isinstance(node, YList):
        return N_("a list")
    if node.is_null:
        return N_("empty")
    if isinstance(node.value, bool):
        return N_("true/false")
    if isinstance(node.value, int | float):
        return N_("a number")
    return N_("text")


def parse(text: str, log: ProblemLog) -> YNode | None:
    """Compose one YAML document; syntax errors become problems with their line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        detail = exc.problem or exc.context or N_("invalid YAML")
        if "expected a single document" in str(exc.context or ""):
            detail = N_("one deck per file: found a second YAML document")
        log.add(line, english("YAML syntax error: %(what)s", what=detail))
        return None
    except yaml.YAMLError as exc:
        log.add(1, english("YAML syntax error: %(what)s", what=str(exc)))
        return None
    if root is None:
        return None
    return _Converter(log).convert(root, 0)


class _Converter:
    """Turns composed nodes into Y-nodes; shared (aliased) nodes are converted once."""

    def __init__(self, log: ProblemLog) -> None:
        self.log = log
        self.done: dict[int, YNode] = {}
        self.active: set[int] = set()
        self.constructor = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, depth: int) -> YNode:
        line = node.start_mark.line + 1
        key = id(node)
        if key in self.done:
            return self.done[key]
        if key in self.active or depth > _MAX_DEPTH:
            self.log.add(
                line, N_("YAML nesting is too deep (or an alias refers to itself)")
            )
            return YScalar(line, None, "")
        self.active.add(key)
        try:
            result = self._convert(node, line, depth)
        finally:
            self.active.discard(key)
        self.done[key] = result
        return result

    def _convert(self, node: yaml.Node, line: int, depth: int) -> YNode:
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, line)
        if isinstance(node, yaml.SequenceNode):
            return YList(
                line, tuple(self.convert(item, depth + 1) for item in node.value)
            )
        assert isinstance(node, yaml.MappingNode)
        entries: dict[str, YEntry] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.log.add(
                    key_line, N_("a key must be a plain word, not a list or mapping")
                )
                continue
            name = str(key_node.value)
            if name in entries:
                first = entries[name].key_line
                self.log.add(
                    key_line, english('duplicate key "%(name)s" (first given at line %(first)s)', name=name,
                                      first=first)
                )
                continue
            entries[name] = YEntry(name, key_line, self.convert(value_node, depth + 1))
        return YMap(line, entries)

    def _scalar(self, node: yaml.ScalarNode, line: int) -> YScalar:
        raw = str(node.value)
        try:
            value = self.constructor.construct_object(node)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            self.log.add(line, english("cannot read value %(raw)r: %(problem)s", raw=raw, problem=problem))
            return YScalar(line, raw, raw)
        return YScalar(line, value, raw)
