"""What clients send: each frame validated into a known message with well-typed fields
(the contract: docs/protocol.md). Errors name what is wrong."""

from __future__ import annotations

import json
import math
from typing import Any

from ..domain.errors import GameError
from ..domain.game import check_add_time
from ..domain.text import check_text

FIRST_TYPES = ("host", "join", "resume")
HOST_TYPES = ("start", "next", "close", "kick", "kick_since", "lock", "end", "pause", "resume", "add_time")
# `resume` names two messages: first, a player's reconnect (with a token); later, the host's pace command.
FIRST_ONLY_TYPES = tuple(t for t in FIRST_TYPES if t not in HOST_TYPES)
PLAYER_TYPES = ("answer", "reroll")
KNOWN_TYPES = FIRST_TYPES + HOST_TYPES + PLAYER_TYPES + ("ping",)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    """A JSON number as a float, refusing one too large to be finite (`1e309`)."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is out of range")
    return value


# One decoder, not one per frame.
_loads = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite).decode


def parse(text: str, first: bool = False) -> dict[str, Any]:
    """A client frame as a dict with a known `type` and well-typed fields; `first`
    for a connection's first message (where `resume` is a player's reconnect).

    Raises GameError `bad_message` / `unknown_type` naming what is wrong.
    """
    try:
        msg = _loads(text)
    except (ValueError, RecursionError) as exc:
        raise GameError("bad_message", f"the frame is not valid JSON ({exc})") from None
    if not isinstance(msg, dict):
        raise GameError("bad_message", "a message is a JSON object")
    if "\\u" in text:  # only an escape can make a string that is not valid text
        check_text(msg, "bad_message")
    kind = msg.get("type")
    if not isinstance(kind, str):
        raise GameError("bad_message", "a message needs a string `type`")
    if kind not in KNOWN_TYPES:
        raise GameError.of("unknown_type", type=kind[:40])
    if kind == "host" or (kind == "resume" and first):
        _field(msg, "token", str)
    elif kind == "join":
        if "nickname" in msg and not isinstance(msg["nickname"], str):
            raise GameError("bad_message", "`nickname` must be a string")
    elif kind in ("kick", "kick_since"):
        _field(msg, "player_id", str)
    elif kind == "lock":
        _field(msg, "locked", bool)
    elif kind == "add_time":
        check_add_time(_field(msg, "ms", int))
    elif kind == "answer":
        index = _field(msg, "index", int)
        if isinstance(index, bool):
            raise GameError.of("bad_message.index")
        if "answer" not in msg:
            raise GameError("bad_message", "an answer message needs `answer`")
        value = msg["answer"]
        if isinstance(value, float) and not math.isfinite(value):
            raise GameError("invalid_answer", "the answer must be a finite number")
    return msg


def _field(msg: dict[str, Any], name: str, kind: type) -> Any:
    if name not in msg:
        raise GameError("bad_message", f"`{msg['type']}` needs `{name}`")
    value = msg[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise GameError("bad_message", f"`{name}` must be {_type_name(kind)}")
    return value


def _type_name(kind: type) -> str:
    return {str: "a string", int: "an integer", bool: "true or false"}.get(kind, kind.__name__)
