"""Points, streak bonus and ranking, exactly as the contract's *Scoring* section."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

FULL_POINTS_WINDOW_MS = 500
STREAK_STEP = 100
STREAK_CAP = 500


def speed_points(points: int, t: int, time_limit: int) -> int:
    """Points for a correct answer accepted `t` ms after the question opened.

    Integer arithmetic: round_half_up(P * (1 - t/T/2)) == floor((P*(2T - t)*2 + 2T) / 4T),
    so no float can round 0.5 the wrong way.
    """
    if t < FULL_POINTS_WINDOW_MS:
        return points
    t = min(t, time_limit)
    return (2 * points * (2 * time_limit - t) + 2 * time_limit) // (4 * time_limit)


def share(points: int, numerator: int, denominator: int) -> int:
    """round_half_up(points * numerator / denominator), in integers (partial credit)."""
    return (2 * points * numerator + denominator) // (2 * denominator)


def streak_bonus(streak: int) -> int:
    """Bonus for a correct answer whose new streak is `streak` (>= 1)."""
    return min(STREAK_STEP * (streak - 1), STREAK_CAP) if streak > 0 else 0


def competition_ranks(scores: Sequence[int]) -> list[int]:
    """Rank of each score: 1 + the number of strictly higher scores ("1224" ranking)."""
    ordered = sorted(scores, reverse=True)
    first_at: dict[int, int] = {}
    for position, score in enumerate(ordered):
        first_at.setdefault(score, position + 1)
    return [first_at[s] for s in scores]


def standings(entries: Iterable[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """(id, score, join order) -> [(id, score, rank)] by score desc, ties by join order."""
    ordered = sorted(entries, key=lambda e: (-e[1], e[2]))
    ranks = competition_ranks([e[1] for e in ordered])
    return [(e[0], e[1], r) for e, r in zip(ordered, ranks, strict=True)]
