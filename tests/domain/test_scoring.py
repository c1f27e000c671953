"""The contract's *Scoring* section: speed points, streak bonus, competition ranking."""

from __future__ import annotations

from fractions import Fraction

import pytest
from thaw.domain import game
from thaw.domain.scoring import competition_ranks, speed_points, standings, streak_bonus

from . import factories as f


def exact(points: int, t: int, time_limit: int) -> int:
    """The contract's formula in exact rational arithmetic."""
    if t < 500:
        return points
    t = min(t, time_limit)
    value = Fraction(points) * (1 - Fraction(t, time_limit) / 2)
    return int(value + Fraction(1, 2))  # floor(x + 1/2) == round_half_up for x >= 0


class TestSpeedPoints:
    @pytest.mark.parametrize("points", [0, 1000, 2000])
    def test_full_points_inside_the_first_half_second(self, points: int) -> None:
        assert speed_points(points, 0, 20_000) == points
        assert speed_points(points, 499, 20_000) == points

    def test_exactly_500_ms_already_decays(self) -> None:
        # 1000 * (1 - 500/20000/2) = 987.5 -> 988 (half up)
        assert speed_points(1000, 500, 20_000) == 988
        assert speed_points(2000, 500, 20_000) == 1975

    @pytest.mark.parametrize("points", [0, 1000, 2000])
    def test_at_the_time_limit_half_the_points(self, points: int) -> None:
        assert speed_points(points, 20_000, 20_000) == points // 2

    @pytest.mark.parametrize("t", [20_001, 25_000, 10**9])
    def test_after_the_limit_clamps_to_half(self, t: int) -> None:
        assert speed_points(1000, t, 20_000) == 500
        assert speed_points(2000, t, 20_000) == 1000

    @pytest.mark.parametrize(
        ("points", "t", "time_limit", "expected"),
        [
            # P * (1 - t/T/2) ends in .5 exactly: always rounded up
            (1000, 540, 20_000, 987),  # 986.5
            (2000, 510, 20_000, 1975),  # 1974.5
            (1000, 515, 5_000, 949),  # 948.5 (round() would give 948)
            # ...and ones where the float expression lands on x.4999999999999:
            (1000, 1285, 5_000, 872),  # float: 871.4999999999999
            (1000, 5140, 20_000, 872),  # float: 871.4999999999999
            (2000, 1390, 20_000, 1931),  # float: 1930.4999999999998
            (2000, 2085, 30_000, 1931),
        ],
    )
    def test_round_half_up(self, points: int, t: int, time_limit: int, expected: int) -> None:
        assert Fraction(points) * (1 - Fraction(t, time_limit) / 2) == Fraction(2 * expected - 1, 2)
        assert speed_points(points, t, time_limit) == expected

    def test_float_trap_is_real(self) -> None:
        # documents why speed_points is integer arithmetic
        assert 1000 * (1 - (1285 / 5000) / 2) < 871.5

    @pytest.mark.parametrize("points", [0, 1000, 2000])
    @pytest.mark.parametrize("time_limit", [5_000, 7_000, 20_000, 30_000, 240_000])
    def test_matches_the_exact_formula_everywhere(self, points: int, time_limit: int) -> None:
        step = max(1, time_limit // 4000)
        for t in [*range(0, time_limit + 2, step), time_limit - 1, time_limit, time_limit + 1]:
            assert speed_points(points, t, time_limit) == exact(points, t, time_limit), t

    def test_never_increases_with_time(self) -> None:
        values = [speed_points(2000, t, 5_000) for t in range(0, 6_000)]
        assert values == sorted(values, reverse=True)
        assert values[0] == 2000 and values[-1] == 1000

    def test_zero_point_question_earns_nothing(self) -> None:
        assert {speed_points(0, t, 20_000) for t in range(0, 21_000, 7)} == {0}


class TestStreakBonus:
    def test_sequence_and_cap(self) -> None:
        assert [streak_bonus(s) for s in range(1, 10)] == [0, 100, 200, 300, 400, 500, 500, 500, 500]

    def test_no_streak_no_bonus(self) -> None:
        assert streak_bonus(0) == 0


class TestRanking:
    def test_competition_ranking(self) -> None:
        assert competition_ranks([900, 500, 500, 100]) == [1, 2, 2, 4]
        assert competition_ranks([500, 900, 100, 500]) == [2, 1, 4, 2]
        assert competition_ranks([0, 0, 0]) == [1, 1, 1]
        assert competition_ranks([]) == []

    def test_rank_is_one_plus_strictly_higher(self) -> None:
        scores = [5, 3, 3, 9, 0, 9, 3]
        assert competition_ranks(scores) == [1 + sum(o > s for o in scores) for s in scores]

    def test_standings_ties_by_join_order(self) -> None:
        entries = [("late", 500, 3), ("first", 500, 0), ("top", 900, 2), ("mid", 500, 1), ("last", 100, 4)]
        assert standings(entries) == [
            ("top", 900, 1),
            ("first", 500, 2),
            ("mid", 500, 2),
            ("late", 500, 2),
            ("last", 100, 5),
        ]

    def test_room_ranking_ties_by_join_order_and_skips_kicked(self) -> None:
        r = f.room(f.choice())
        a, b, c, d = f.players(r, "Ann", "Bob", "Cat", "Dan")
        game.start(r, 0)
        game.answer(r, d, 0, 1, 100)
        game.answer(r, b, 0, 1, 100)
        game.answer(r, c, 0, 0, 100)
        game.kick(r, c, 200)
        game.close(r)
        ranked = [(p.id, rank) for p, rank in game.ranking(r)]
        assert ranked == [(b, 1), (d, 1), (a, 3)]
        results = {pid: r.players[pid].results[-1] for pid in (a, b, d)}
        assert [results[pid].rank for pid in (b, d, a)] == [1, 1, 3]
        assert {res.players for res in results.values()} == {3}
        assert r.players[c].results == []
