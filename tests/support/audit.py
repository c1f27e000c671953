"""Recompute a finished room's scores from its stored answers, independently of the server.

The soak run uses this to prove that restarts lost or double-counted nothing: the
scores the server kept must equal the ones the stored answers imply.
"""

from __future__ import annotations

from thaw.domain.model import Kind, Room
from thaw.domain.scoring import speed_points, streak_bonus


def recompute(room: Room) -> dict[str, int]:
    """Score of each player not kicked, from `room.answers` alone."""
    revealed = sorted({r.index for p in room.players.values() for r in p.results})
    scores: dict[str, int] = {}
    for player in room.active_players():
        score = streak = 0
        for index in revealed:
            if index < player.first_index:
                continue
            question = room.deck.questions[index]
            if question.kind is Kind.POLL:
                continue
            given = room.answers.get(index, {}).get(player.id)
            if given is not None and given.correct:
                streak += 1
                score += speed_points(question.points, given.t, question.time_limit_ms)
                if room.options.streak_bonus and question.points > 0:
                    score += streak_bonus(streak)
            else:
                streak = 0
        scores[player.id] = score
    return scores


def problems(room: Room) -> list[str]:
    """Every disagreement between the kept scores and the recomputed ones."""
    expected = recompute(room)
    found = []
    for player in room.active_players():
        if player.score != expected[player.id]:
            found.append(f"room {room.code}: {player.nickname} has {player.score}, answers say {expected[player.id]}")
        kept = sum(r.points + r.bonus for r in player.results)
        if kept != player.score:
            found.append(f"room {room.code}: {player.nickname}'s results add up to {kept}, not {player.score}")
    return found
