"""JSON frames <-> commands and views: validation of what clients send, and the
server's messages built from a room's state (see docs/protocol.md).

Frames built here are the only place where wire field names live.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from .domain import grading
from .domain.errors import GameError
from .domain.game import answer_count, check_add_time, count_players, ranking, time_left, time_limit
from .domain.model import KINDS_WITH_OPTIONS, Kind, Phase, Player, Result, Room
from .transport.internals import json_encoder

MAX_FRAME_BYTES = 4096
PROGRESS_INTERVAL_MS = 200  # a host gets at most five `answers` frames a second per room (the contract: one per 250 ms)
PROGRESS_PUBLISH_MS = 100  # the Redis store publishes a room's answer count at most this often

def dumps(obj: Any) -> str:
    """Compact JSON; serialise a broadcast once and send the same text to all."""
    return json_encoder()(obj)  # chosen once, at the first call (transport/internals.py)


def error(code: str, message: str) -> str:
    return dumps({"type": "error", "code": code, "message": message})


# -- client -> server ------------------------------------------------------------

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


def is_text(value: str) -> bool:
    """Whether a string is valid Unicode text: no unpaired surrogate (a JSON `\\ud800`
    escape decodes to one, and nothing can encode it as UTF-8 again)."""
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def invalid_text(value: Any, where: str = "") -> str | None:
    """Where in a decoded JSON value (or YAML, or CSV rows) a string is not valid
    text, e.g. `options[2]`; None if every string and key is valid.

    The one check for everything a client sends: messages, bodies, uploads, imports.
    """
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if not is_text(item):
                return path or "a string"
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and not is_text(key):
                    return f"{path} (a key)" if path else "a key"
                stack.append((child, f"{path}.{key}" if path else str(key)))
        elif isinstance(item, list | tuple):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(item))
    return None


def check_text(value: Any, code: str, where: str = "") -> None:
    """GameError `code` naming the place if any string in `value` is not valid text."""
    bad = invalid_text(value, where)
    if bad is not None:
        raise GameError(code, f"{bad[:60]} is not valid text (it holds an unpaired surrogate)")


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
        raise GameError("unknown_type", f"unknown message type {kind[:40]!r}")
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
            raise GameError("bad_message", "`index` must be an integer")
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


# -- server -> clients: shared pieces ----------------------------------------------


def _options(room: Room, index: int) -> list[dict[str, Any]]:
    """The options in their presented order, under their wire ids."""
    question = room.deck.questions[index]
    layout = room.layouts[index]
    if question.kind not in KINDS_WITH_OPTIONS:
        return []
    assert layout is not None
    if question.kind is Kind.ORDER:
        return [{"id": pos, "text": question.options[i]} for pos, i in enumerate(layout)]
    ids = room.option_ids(index)
    return [{"id": grading.wire_id(ids, i), "text": question.options[i]} for i in layout]


def wire_answer(room: Room, index: int, value: Any) -> Any:
    """A stored answer as its player sent it (deck indices back to wire ids)."""
    return grading.wire_value(room.deck.questions[index], room.option_ids(index), value)


def question_payload(room: Room) -> dict[str, Any]:
    """The open question as every client sees it: no hint of the answer."""
    q = room.question
    assert q is not None
    payload: dict[str, Any] = {
        "type": "question",
        "index": room.index,
        "count": len(room.deck.questions),
        "kind": q.kind.value,
        "prompt": q.prompt,
        "options": _options(room, room.index),
        "time_limit_ms": time_limit(room),
        "time_left_ms": q.time_limit_ms,
        "points": q.points,
    }
    if q.kind is Kind.NUMBER:
        payload.update(min=_num(q.min), max=_num(q.max), step=_num(q.step))
    if q.kind is Kind.CHOICE:
        payload["multiple_correct"] = len(q.correct) > 1
    if q.kind is Kind.TEXT:
        payload["max_length"] = 100
    if q.image:
        payload["image"] = media_url(room.code, q.image)
        payload["image_on_phones"] = q.image_on_phones
    return payload


def media_url(code: str, name: str) -> str:
    """Where a room's image is served: same origin, under the room (server/web/decks.py)."""
    return f"/media/{code}/{name}"


def with_time_left(payload: dict[str, Any], time_left_ms: int) -> dict[str, Any]:
    return {**payload, "time_left_ms": max(0, time_left_ms)}


def question_now(room: Room, now: int) -> dict[str, Any]:
    """The open question as a (re)connecting client must see it at `now`: time left, paused or not."""
    payload = with_time_left(question_payload(room), time_left(room, now))
    if room.paused_at is not None:
        payload["paused"] = True
    return payload


def paused_payload(room: Room, now: int) -> dict[str, Any]:
    return {"type": "paused", "index": room.index, "time_left_ms": time_left(room, now)}


def resumed_payload(room: Room, now: int) -> dict[str, Any]:
    return {"type": "resumed", "index": room.index, "time_left_ms": time_left(room, now)}


def time_payload(room: Room, now: int) -> dict[str, Any]:
    return {"type": "time", "index": room.index, "time_left_ms": time_left(room, now),
            "time_limit_ms": time_limit(room)}


def _num(x: float | None) -> float | int | None:
    if x is None:
        return None
    return int(x) if float(x).is_integer() else x


def correct_of(room: Room, index: int) -> Any:
    q = room.deck.questions[index]
    layout = room.layouts[index]
    if q.kind in (Kind.CHOICE, Kind.MULTI):
        ids = room.option_ids(index)
        return sorted(grading.wire_id(ids, i) for i in q.correct)
    if q.kind is Kind.ORDER:
        assert layout is not None
        return grading.true_order_ids(layout)
    if q.kind is Kind.NUMBER:
        return {"value": _num(q.value), "tolerance": _num(q.tolerance)}
    if q.kind is Kind.TEXT:
        return list(q.accepted)
    return []


def distribution(room: Room, index: int) -> dict[str, int]:
    q = room.deck.questions[index]
    answers = room.answers.get(index, {})
    counted = [a for pid, a in answers.items() if pid in room.players and not room.players[pid].kicked]
    if q.kind in (Kind.CHOICE, Kind.POLL, Kind.MULTI):  # multi: how many selected each option
        per_option = [0] * len(q.options)
        for a in counted:
            for option in a.value if q.kind is Kind.MULTI else (a.value,):
                per_option[option] += 1
        ids = room.option_ids(index)
        return {str(wire): per_option[grading.deck_index(ids, wire)] for wire in range(len(q.options))}
    right = sum(1 for a in counted if a.correct)
    return {"correct": right, "incorrect": len(counted) - right}


def reveal_payload(room: Room) -> dict[str, Any]:
    index = room.index
    q = room.deck.questions[index]
    answered, total = answer_count(room, index)
    return {
        "type": "reveal",
        "index": index,
        "count": len(room.deck.questions),
        "kind": q.kind.value,
        "prompt": q.prompt,
        "options": _options(room, index),
        "correct": correct_of(room, index),
        "distribution": distribution(room, index),
        "answered": answered,
        "total": total,
        "explanation": q.explanation,
    }


def _entry(player: Player, rank: int) -> dict[str, Any]:
    return {"player_id": player.id, "nickname": player.nickname, "score": player.score, "rank": rank}


def scoreboard_payload(room: Room) -> dict[str, Any]:
    top = []
    for player, rank in ranking(room)[:5]:
        entry = _entry(player, rank)
        last = player.last_result
        entry["delta"] = last.points + last.bonus if last is not None and last.index == room.index else 0
        top.append(entry)
    return {
        "type": "scoreboard",
        "index": room.index,
        "count": len(room.deck.questions),
        "last": room.index + 1 >= len(room.deck.questions),
        "top": top,
    }


def finished_payload(room: Room) -> dict[str, Any]:
    return {
        "type": "finished",
        "podium": [_entry(p, r) for p, r in ranking(room)[:3]],
        "players": count_players(room),
    }


def result_payload(room: Room, player: Player, result: Result, above: Player | None) -> dict[str, Any]:
    return {
        "type": "result",
        "index": result.index,
        "correct": result.correct,
        "points": result.points,
        "bonus": result.bonus,
        "score": result.score,
        "streak": result.streak,
        "rank": result.rank,
        "players": result.players,
        "answered": result.answered,
        "nickname": player.nickname,
        "behind": None if above is None else {"nickname": above.nickname, "points": above.score - player.score},
    }


def results_by_player(room: Room) -> dict[str, str]:
    """Each player's `result` frame for the question just revealed.

    `behind` names the nearest player with a strictly higher score. The ranking
    is by score, so that is the last player of the next higher score, carried
    along in one pass (a backward scan per player was 40-70 ms of a 2,000-player
    reveal)."""
    frames: dict[str, str] = {}
    above: Player | None = None
    previous: Player | None = None
    for player, _rank in ranking(room):
        if previous is not None and previous.score > player.score:
            above = previous
        previous = player
        last = player.last_result
        if last is None or last.index != room.index:
            continue
        frames[player.id] = dumps(result_payload(room, player, last, above))
    return frames


def standing_payload(player: Player, rank: int, players: int) -> dict[str, Any]:
    return {"type": "standing", "score": player.score, "rank": rank, "players": players}


def standings_by_player(room: Room) -> dict[str, str]:
    total = count_players(room)
    return {p.id: dumps(standing_payload(p, rank, total)) for p, rank in ranking(room)}


def lobby_payload(room: Room) -> dict[str, Any]:
    players = room.active_players()
    return {
        "type": "lobby",
        "players": [{"player_id": p.id, "nickname": p.nickname, "connected": p.connected} for p in players],
        "locked": room.locked,
        "count": len(players),
    }


def answers_payload(index: int, answered: int, total: int) -> dict[str, Any]:
    return {"type": "answers", "index": index, "answered": answered, "total": total}


def welcome_payload(room: Room, player: Player, token: str) -> dict[str, Any]:
    return {
        "type": "welcome",
        "player_id": player.id,
        "token": token,
        "nickname": player.nickname,
        "score": player.score,
        "phase": room.phase.value,
        "code": room.code,
        "title": room.deck.title,
        "count": len(room.deck.questions),
        "generated_nickname": room.options.generated_nicknames,
        "rerolls_left": max(0, 3 - player.rerolls) if room.options.generated_nicknames else 0,
    }


def host_welcome_payload(room: Room, join_url: str) -> dict[str, Any]:
    return {
        "type": "host_welcome",
        "code": room.code,
        "title": room.deck.title,
        "count": len(room.deck.questions),
        "join_url": join_url,
        "phase": room.phase.value,
        "locked": room.locked,
        "options": room.options.to_dict(),
    }


# -- what a room event carries ----------------------------------------------------------


@dataclass(slots=True)
class Envelope:
    """One room event as it crosses the bus: serialised once, published once.

    `frames` go to every socket of the room in order; `host` to host sockets only;
    `progress` is the latest answer count for hosts, (index, answered, total):
    hubs coalesce it and serialise only the `answers` frames they send;
    `personal[player_id]` to that player after `frames`. `kick` names a player
    whose sockets are closed; `replace` = (player id, connection id) closes that
    player's other connections; `lobby` asks hubs to refresh their hosts' lobby.
    """

    frames: list[str] = field(default_factory=list)
    host: list[str] = field(default_factory=list)
    progress: tuple[int, int, int] | None = None
    personal: dict[str, list[str]] = field(default_factory=dict)
    kick: list[str] = field(default_factory=list)
    replace: tuple[str, str] | None = None
    lobby: bool = False
    resync: bool = False
    seq: int = 0

    def encode(self) -> str:
        out: dict[str, Any] = {}
        if self.frames:
            out["f"] = self.frames
        if self.host:
            out["h"] = self.host
        if self.progress:
            out["g"] = list(self.progress)
        if self.personal:
            out["p"] = self.personal
        if self.kick:
            out["k"] = self.kick
        if self.replace:
            out["r"] = list(self.replace)
        if self.lobby:
            out["l"] = 1
        if self.resync:
            out["s"] = 1
        return dumps(out)

    @classmethod
    def decode(cls, text: str | bytes, seq: int = 0) -> Envelope:
        d = json.loads(text)
        replace = d.get("r")
        progress = d.get("g")
        if isinstance(progress, str):  # an older instance's whole `answers` frame, during a rolling upgrade
            old = json.loads(progress)
            progress = [old["index"], old["answered"], old["total"]]
        return cls(
            frames=d.get("f", []),
            host=d.get("h", []),
            progress=(int(progress[0]), int(progress[1]), int(progress[2])) if progress else None,
            personal=d.get("p", {}),
            kick=d.get("k", []),
            replace=(replace[0], replace[1]) if replace else None,
            lobby=bool(d.get("l")),
            resync=bool(d.get("s")),
            seq=seq,
        )


def screen_frames(room: Room) -> list[str]:
    """The broadcast frames that show the present phase to a (re)connecting client.

    For an open question the frame is stored with its full time; the reader
    patches `time_left_ms` from the deadline.
    """
    phase = room.phase
    if phase is Phase.QUESTION:
        return [dumps(question_payload(room))]
    if phase is Phase.REVEAL:
        return [dumps(reveal_payload(room))]
    if phase is Phase.SCOREBOARD:
        return [dumps(scoreboard_payload(room))]
    if phase is Phase.FINISHED:
        return [dumps(finished_payload(room))]
    return []
