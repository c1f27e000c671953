"""What the server says: the frames built from a room's state (see docs/protocol.md).
The only place where the wire's field names for server messages live."""

from __future__ import annotations

from typing import Any

from ..bus.envelope import dumps
from ..domain import grading
from ..domain.game import MAX_REROLLS, answer_count, count_players, ranking, time_left, time_limit
from ..domain.model import KINDS_WITH_OPTIONS, TEXT_ANSWER_MAX, Kind, Phase, Player, Result, Room


def error(code: str, message: str) -> str:
    return dumps({"type": "error", "code": code, "message": message})


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
        payload["max_length"] = TEXT_ANSWER_MAX
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
        "rerolls_left": max(0, MAX_REROLLS - player.rerolls) if room.options.generated_nicknames else 0,
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
