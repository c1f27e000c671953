"""`allow:` in a deck or a question: lints its author has decided to keep, each with the reason.

    allow:
      truefalse-double: "the final question decides the game, on purpose"

The codes are the lints' (server/content/lints.py); a reason is required, so the
next author reads why the warning was silenced instead of silencing it again.
"""

from __future__ import annotations

from ..shared.marks import english
from .fields import Fields
from .yamltree import YMap, YNode, YScalar, describe

KEY = "allow"
REASON_MAX = 200
CODES = (
    "long-correct",
    "repeats-prompt",
    "guess-wins",
    "truefalse-double",
    "long-prompt",
    "long-option",
    "given-away",
    "position-cluster",
)


def read_allow(f: Fields) -> dict[str, str]:
    """The `allow:` mapping of the mapping `f` reads; a bad code or a missing reason is a problem."""
    node = f.get(KEY)
    if node is None:
        return {}
    if not isinstance(node, YMap):
        f.say(node.line, english("allow must be a mapping of lint code to reason, not %(what)s", what=describe(node)))
        return {}
    allowed: dict[str, str] = {}
    for code, entry in node.entries.items():
        if code not in CODES:
            f.say(entry.key_line, english('allow: unknown lint "%(code)s" (one of %(codes)s)', code=code,
                                          codes=", ".join(CODES)))
            continue
        reason = _reason(entry.value)
        if reason is None:
            f.say(entry.value.line, english("allow: %(code)s needs a reason (why the warning does not apply here)",
                                            code=code))
            continue
        if len(reason) > REASON_MAX:
            f.say(entry.value.line, english("allow: the reason for %(code)s is %(length)s characters (at most %(max)s)",
                                           code=code, length=len(reason), max=REASON_MAX))
            continue
        allowed[code] = reason
    return allowed


def _reason(node: YNode) -> str | None:
    if not isinstance(node, YScalar) or node.is_null or isinstance(node.value, bool):
        return None
    return node.raw.strip() or None


def allows_of(tree: YNode | None) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The deck's own `allow:` and each question's, read from an already validated tree."""
    from .problems import ProblemLog
    from .yamltree import YList

    log = ProblemLog("")
    if not isinstance(tree, YMap):
        return {}, []
    deck = read_allow(Fields(tree, log))
    questions = tree.get("questions")
    per_question = [
        read_allow(Fields(item, log)) if isinstance(item, YMap) else {}
        for item in (questions.items if isinstance(questions, YList) else ())
    ]
    return deck, per_question
