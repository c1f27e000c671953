"""The game as a state machine: phases, host commands, answers, presence, kicks, streaks."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from thaw.domain import game, nicknames
from thaw.domain.errors import GameError
from thaw.domain.events import (
    AnswerRecorded,
    Finished,
    LobbyChanged,
    PlayerKicked,
    PlayerRenamed,
    QuestionOpened,
    Revealed,
    ScoreboardShown,
)
from thaw.domain.model import Phase, Room

from . import factories as f
from .factories import T


def room_phase(room: Room) -> Phase:
    """The phase, unnarrowed (mypy cannot know that a rule changed it)."""
    return room.phase


def refuses(code: str, room: Room, command: Callable[[], Any]) -> GameError:
    """The command raises `code` and leaves the room exactly as it was."""
    before = copy.deepcopy(room)
    with pytest.raises(GameError) as info:
        command()
    assert info.value.code == code, info.value
    assert room == before
    return info.value


# -- phases -----------------------------------------------------------------------------


class TestPhases:
    def test_full_walk_with_next(self) -> None:
        r = f.room(f.choice(), f.number())
        assert (r.phase, r.index) == (Phase.LOBBY, -1)
        assert game.advance(r, 1000) == [QuestionOpened(0)]
        assert (r.phase, r.index, r.opened_at, r.deadline) == (Phase.QUESTION, 0, 1000, 1000 + T)
        assert game.advance(r, 2000) == [Revealed(0)]
        assert r.phase is Phase.REVEAL
        assert game.advance(r, 3000) == [ScoreboardShown(0)]
        assert room_phase(r) is Phase.SCOREBOARD
        assert game.advance(r, 4000) == [QuestionOpened(1)]
        assert (r.phase, r.index, r.opened_at) == (Phase.QUESTION, 1, 4000)
        assert game.advance(r, 5000) == [Revealed(1)]
        assert game.advance(r, 6000) == [ScoreboardShown(1)]
        assert game.advance(r, 7000) == [Finished()]
        assert room_phase(r) is Phase.FINISHED

    def test_start_is_next_from_the_lobby(self) -> None:
        r = f.room(f.choice())
        assert game.start(r, 0) == [QuestionOpened(0)]

    @pytest.mark.parametrize("phase_steps", [1, 2, 3, 4])
    def test_start_outside_the_lobby(self, phase_steps: int) -> None:
        r = f.room(f.choice())
        for _ in range(phase_steps):
            game.advance(r, 0)
        refuses("wrong_phase", r, lambda: game.start(r, 0))

    def test_next_after_finished(self) -> None:
        r = f.room(f.choice())
        game.end(r)
        refuses("wrong_phase", r, lambda: game.advance(r, 0))

    @pytest.mark.parametrize("phase_steps", [0, 2, 3, 4])
    def test_close_with_no_open_question(self, phase_steps: int) -> None:
        r = f.room(f.choice())
        for _ in range(phase_steps):
            game.advance(r, 0)
        assert r.phase is not Phase.QUESTION
        refuses("wrong_phase", r, lambda: game.close(r))

    def test_close_reveals(self) -> None:
        r = f.room(f.choice())
        game.start(r, 0)
        assert game.close(r) == [Revealed(0)]
        assert r.phase is Phase.REVEAL

    @pytest.mark.parametrize("phase_steps", [0, 1, 2, 3])
    def test_end_from_any_phase(self, phase_steps: int) -> None:
        r = f.room(f.choice(), f.choice())
        for _ in range(phase_steps):
            game.advance(r, 0)
        assert game.end(r) == [Finished()]
        assert r.phase is Phase.FINISHED

    def test_end_twice(self) -> None:
        r = f.room(f.choice())
        game.end(r)
        refuses("wrong_phase", r, lambda: game.end(r))

    def test_end_leaves_the_open_question_unscored(self) -> None:
        r = f.room(f.choice())
        a = f.join(r, "Ann")
        game.start(r, 0)
        game.answer(r, a, 0, 1, 10)
        game.end(r)
        assert r.players[a].score == 0 and r.players[a].results == []

    def test_lock_in_any_phase(self) -> None:
        r = f.room(f.choice())
        assert game.lock(r, True) == [LobbyChanged()]
        assert r.locked
        game.lock(r, False)
        assert not r.locked


class TestClock:
    def test_tick_before_the_deadline_does_nothing(self) -> None:
        r = f.room(f.choice())
        game.start(r, 1000)
        assert game.tick(r, 1000 + T - 1) == []
        assert r.phase is Phase.QUESTION

    def test_tick_at_the_deadline_reveals(self) -> None:
        r = f.room(f.choice())
        game.start(r, 1000)
        assert game.tick(r, 1000 + T) == [Revealed(0)]
        assert r.phase is Phase.REVEAL

    @pytest.mark.parametrize("phase_steps", [0, 2, 3, 4])
    def test_tick_outside_a_question_does_nothing(self, phase_steps: int) -> None:
        r = f.room(f.choice())
        for _ in range(phase_steps):
            game.advance(r, 0)
        before = copy.deepcopy(r)
        assert game.tick(r, 10**9) == []
        assert r == before

    def test_close_question_is_idempotent(self) -> None:
        r = f.room(f.choice(), f.choice())
        game.start(r, 0)
        assert game.close_question(r, 0) == [Revealed(0)]
        before = copy.deepcopy(r)
        assert game.close_question(r, 0) == []
        assert r == before

    def test_close_question_of_another_index_does_nothing(self) -> None:
        r = f.room(f.choice(), f.choice())
        game.start(r, 0)
        game.close(r)
        game.advance(r, 0)
        game.advance(r, 0)
        assert game.close_question(r, 0) == []  # a stale timer of question 0
        assert (r.phase, r.index) == (Phase.QUESTION, 1)
        assert game.close_question(r, 1) == [Revealed(1)]


# -- joining ---------------------------------------------------------------------------------


class TestJoin:
    def test_join_in_the_lobby(self) -> None:
        r = f.room(f.choice())
        player, events = game.join(r, "p1", "Ann", "h1")
        assert events == [LobbyChanged()]
        assert (player.joined, player.first_index, player.score, player.connected) == (0, 0, 0, False)
        _, _ = game.join(r, "p2", "Bob", "h2")
        assert r.players["p2"].joined == 1

    def test_nickname_unique_ignoring_case(self) -> None:
        r = f.room(f.choice())
        f.join(r, "Ann")
        refuses("nickname_taken", r, lambda: game.join(r, "x", "ANN", "h"))
        refuses("nickname_taken", r, lambda: game.join(r, "x", "ann", "h"))

    def test_nickname_fold_handles_sharp_s(self) -> None:
        r = f.room(f.choice())
        f.join(r, "Strauß")
        refuses("nickname_taken", r, lambda: game.join(r, "x", "STRAUSS", "h"))

    def test_locked(self) -> None:
        r = f.room(f.choice())
        game.lock(r, True)
        refuses("room_locked", r, lambda: game.join(r, "x", "Ann", "h"))

    def test_finished(self) -> None:
        r = f.room(f.choice())
        game.end(r)
        refuses("room_locked", r, lambda: game.join(r, "x", "Ann", "h"))

    def test_full_counts_players_not_kicked(self) -> None:
        r = f.room(f.choice(), max_players=2)
        a, _b = f.players(r, "Ann", "Bob")
        refuses("room_full", r, lambda: game.join(r, "x", "Cat", "h"))
        game.kick(r, a, 0)
        f.join(r, "Cat")
        assert game.count_players(r) == 2

    def test_kick_frees_the_nickname(self) -> None:
        r = f.room(f.choice())
        a = f.join(r, "Ann")
        game.kick(r, a, 0)
        game.join(r, "p-new", "Ann", "h")
        assert r.nick_index["ann"] == "p-new"

    def test_duplicate_player_id(self) -> None:
        r = f.room(f.choice())
        game.join(r, "p1", "Ann", "h")
        refuses("bad_message", r, lambda: game.join(r, "p1", "Bob", "h"))

    @pytest.mark.parametrize(("steps", "first"), [(0, 0), (1, 1), (2, 1), (3, 1), (4, 2), (5, 2)])
    def test_late_join_plays_from_the_next_question(self, steps: int, first: int) -> None:
        r = f.room(f.choice(), f.choice(), f.choice())
        for _ in range(steps):
            game.advance(r, 0)
        assert game.first_playable_index(r) == first
        pid = f.join(r, "Late")
        assert r.players[pid].first_index == first

    def test_late_joiner_cannot_answer_the_open_question(self) -> None:
        r = f.room(f.choice(), f.choice())
        game.start(r, 0)
        late = f.join(r, "Late")
        refuses("too_late", r, lambda: game.answer(r, late, 0, 1, 100))
        game.close(r)
        game.advance(r, 0)
        game.advance(r, 1000)
        assert game.answer(r, late, 1, 1, 1100)[0] == AnswerRecorded(1, late, 1, 1)

    def test_late_joiner_is_not_waited_for(self) -> None:
        r = f.room(f.choice(), f.choice())
        a = f.join(r, "Ann")
        game.start(r, 0)
        f.join(r, "Late")
        game.answer(r, a, 0, 1, 100)
        assert game.all_answered(r)

    def test_late_joiner_ranked_with_zero(self) -> None:
        r = f.room(f.choice())
        a = f.join(r, "Ann")
        game.start(r, 0)
        late = f.join(r, "Late")
        game.answer(r, a, 0, 1, 100)
        game.close(r)
        res = r.players[late].results[-1]
        assert (res.correct, res.points, res.score, res.rank, res.players, res.answered) == (False, 0, 0, 2, 2, False)


class TestRename:
    def test_reroll_in_the_lobby(self) -> None:
        r = f.room(f.choice(), generated_nicknames=True)
        a = f.join(r, "Brave Otter")
        assert game.rename(r, a, "Calm Koala") == [PlayerRenamed(a), LobbyChanged()]
        assert r.players[a].nickname == "Calm Koala"
        assert nicknames.fold("brave otter") not in r.nick_index and r.nick_index[nicknames.fold("calm koala")] == a

    def test_at_most_three_rerolls(self) -> None:
        r = f.room(f.choice())
        a = f.join(r, "N0")
        for i in range(1, game.MAX_REROLLS + 1):
            game.rename(r, a, f"N{i}")
        refuses("rate_limited", r, lambda: game.rename(r, a, "N9"))

    def test_only_in_the_lobby(self) -> None:
        r = f.room(f.choice())
        a = f.join(r, "Ann")
        game.start(r, 0)
        refuses("wrong_phase", r, lambda: game.rename(r, a, "Bob"))

    def test_taken_name(self) -> None:
        r = f.room(f.choice())
        a, _b = f.players(r, "Ann", "Bob")
        refuses("nickname_taken", r, lambda: game.rename(r, a, "BOB"))

    def test_unknown_and_kicked(self) -> None:
        r = f.room(f.choice())
        a = f.join(r, "Ann")
        refuses("not_player", r, lambda: game.rename(r, "nobody", "Bob"))
        game.kick(r, a, 0)
        refuses("kicked", r, lambda: game.rename(r, a, "Bob"))


class TestKick:
    def test_kick(self) -> None:
        r = f.room(f.choice())
        a = f.join(r, "Ann")
        assert game.kick(r, a, 0) == [PlayerKicked(a), LobbyChanged()]
        p = r.players[a]
        assert p.kicked and not p.connected
        assert game.count_players(r) == 0

    def test_unknown_or_twice(self) -> None:
        r = f.room(f.choice())
        a = f.join(r, "Ann")
        refuses("unknown_player", r, lambda: game.kick(r, "nobody", 0))
        game.kick(r, a, 0)
        refuses("unknown_player", r, lambda: game.kick(r, a, 0))

    def test_kicked_player_cannot_answer_or_reconnect(self) -> None:
        r = f.room(f.choice())
        a, _b = f.players(r, "Ann", "Bob")
        game.start(r, 0)
        game.kick(r, a, 0)
        refuses("kicked", r, lambda: game.answer(r, a, 0, 1, 10))
        assert game.set_connected(r, a, True) is False
        assert not r.players[a].connected

    def test_kick_drops_the_open_answer(self) -> None:
        r = f.room(f.choice())
        a, b = f.players(r, "Ann", "Bob")
        game.start(r, 0)
        game.answer(r, a, 0, 1, 10)
        game.kick(r, a, 20)
        assert a not in r.current_answers()
        assert r.phase is Phase.QUESTION  # nobody answered: Bob still waited for
        game.answer(r, b, 0, 1, 30)
        assert game.all_answered(r)

    def test_kicked_player_not_ranked_nor_counted(self) -> None:
        r = f.room(f.choice(), f.choice())
        a, b, c = f.players(r, "Ann", "Bob", "Cat")
        game.start(r, 0)
        for pid in (a, b, c):
            game.answer(r, pid, 0, 1, 100)
        game.close(r)
        game.kick(r, a, 0)
        game.advance(r, 0)
        game.advance(r, 0)
        game.answer(r, b, 1, 0, 100)
        game.answer(r, c, 1, 0, 100)
        game.close(r)
        assert [p.id for p, _ in game.ranking(r)] == [b, c]
        assert {r.players[pid].results[-1].players for pid in (b, c)} == {2}
        assert len(r.players[a].results) == 1  # no result after the kick
        assert game.count_players(r) == 2


# -- answers -------------------------------------------------------------------------------


class TestAnswer:
    def test_recorded(self) -> None:
        r = f.room(f.choice())
        a, _b = f.players(r, "Ann", "Bob")
        game.start(r, 1000)
        assert game.answer(r, a, 0, 1, 1250) == [AnswerRecorded(0, a, 1, 2)]
        ans = r.current_answers()[a]
        assert (ans.value, ans.t, ans.correct) == (1, 250, True)

    @pytest.mark.parametrize("phase_steps", [0, 2, 3, 4])
    def test_wrong_phase(self, phase_steps: int) -> None:
        r = f.room(f.choice())
        a = f.join(r, "Ann")
        for _ in range(phase_steps):
            game.advance(r, 0)
        refuses("wrong_phase", r, lambda: game.answer(r, a, max(r.index, 0), 1, 0))

    @pytest.mark.parametrize("index", [-1, 1, 2, 100])
    def test_wrong_question(self, index: int) -> None:
        r = f.room(f.choice(), f.choice())
        a = f.join(r, "Ann")
        game.start(r, 0)
        refuses("wrong_question", r, lambda: game.answer(r, a, index, 1, 10))

    @pytest.mark.parametrize("index", ["0", None, 0.0, True, [0]])
    def test_index_not_an_integer(self, index: Any) -> None:
        r = f.room(f.choice())
        a = f.join(r, "Ann")
        game.start(r, 0)
        refuses("bad_message", r, lambda: game.answer(r, a, index, 1, 10))

    def test_at_the_deadline_accepted_after_it_too_late(self) -> None:
        r = f.room(f.choice())
        a, b = f.players(r, "Ann", "Bob")
        game.start(r, 1000)
        refuses("too_late", r, lambda: game.answer(r, a, 0, 1, 1000 + T + 1))
        game.answer(r, b, 0, 1, 1000 + T)
        assert r.current_answers()[b].t == T

    def test_already_answered_first_answer_stands(self) -> None:
        r = f.room(f.choice())
        a, _b = f.players(r, "Ann", "Bob")
        game.start(r, 0)
        game.answer(r, a, 0, 0, 100)
        refuses("already_answered", r, lambda: game.answer(r, a, 0, 1, 200))
        refuses("already_answered", r, lambda: game.answer(r, a, 0, "garbage", 200))
        assert r.current_answers()[a].value == 0

    def test_not_player(self) -> None:
        r = f.room(f.choice())
        game.start(r, 0)
        refuses("not_player", r, lambda: game.answer(r, "host", 0, 1, 10))

    def test_kicked(self) -> None:
        r = f.room(f.choice())
        a, _b = f.players(r, "Ann", "Bob")
        game.kick(r, a, 0)
        game.start(r, 0)
        refuses("kicked", r, lambda: game.answer(r, a, 0, 1, 10))

    @pytest.mark.parametrize(
        ("question", "bad"),
        [
            (f.choice(), 7),
            (f.choice(), "1"),
            (f.choice(), [1]),
            (f.true_false(), 2),
            (f.order(), [0, 1, 2]),
            (f.order(), [0, 0, 1, 2]),
            (f.order(), 0),
            (f.number(), "1962"),
            (f.number(), 1800),
            (f.number(), float("nan")),
            (f.number(), 10**500),
            (f.text(), ""),
            (f.text(), 42),
            (f.text(), "y" * 101),
            (f.poll(), 3),
            (f.poll(), None),
        ],
    )
    def test_invalid_answer_per_kind(self, question: Any, bad: Any) -> None:
        r = f.room(question)
        a = f.join(r, "Ann")
        game.start(r, 0)
        refuses("invalid_answer", r, lambda: game.answer(r, a, 0, bad, 10))

    def test_answer_time_clamped_at_zero(self) -> None:
        r = f.room(f.choice())
        a = f.join(r, "Ann")
        game.start(r, 1000)
        game.answer(r, a, 0, 1, 900)  # an earlier reading of the one clock
        assert r.current_answers()[a].t == 0


class TestAllAnswered:
    def test_waits_for_every_connected_player(self) -> None:
        r = f.room(f.choice())
        a, b = f.players(r, "Ann", "Bob")
        game.start(r, 0)
        game.answer(r, a, 0, 1, 10)
        assert not game.all_answered(r)
        game.answer(r, b, 0, 0, 20)
        assert game.all_answered(r)

    def test_disconnected_players_are_not_waited_for(self) -> None:
        r = f.room(f.choice())
        a, _b = f.players(r, "Ann", "Bob")
        f.join(r, "Cat", connected=False)
        game.start(r, 0)
        game.answer(r, a, 0, 1, 10)
        assert not game.all_answered(r)
        game.set_connected(r, _b, False)
        assert game.all_answered(r)

    def test_nobody_connected_waits_for_the_deadline(self) -> None:
        r = f.room(f.choice())
        a = f.join(r, "Ann")
        game.start(r, 0)
        game.answer(r, a, 0, 1, 10)
        assert game.all_answered(r)
        game.set_connected(r, a, False)
        assert not game.all_answered(r)
        assert game.tick(r, T) == [Revealed(0)]

    def test_no_answer_yet_is_not_all_answered(self) -> None:
        r = f.room(f.choice())
        game.start(r, 0)
        assert not game.all_answered(r)
        f.join(r, "Late")  # connected, but plays from the next question
        assert not game.all_answered(r)

    def test_disconnect_of_the_last_non_answerer(self) -> None:
        r = f.room(f.choice())
        a, b = f.players(r, "Ann", "Bob")
        game.start(r, 0)
        game.answer(r, a, 0, 1, 10)
        assert game.set_connected(r, b, False) is True
        assert game.all_answered(r)
        assert game.close_question(r, 0) == [Revealed(0)]

    def test_kick_of_the_last_non_answerer_closes(self) -> None:
        r = f.room(f.choice())
        a, b = f.players(r, "Ann", "Bob")
        game.start(r, 0)
        game.answer(r, a, 0, 1, 10)
        assert game.kick(r, b, 20) == [PlayerKicked(b), LobbyChanged(), Revealed(0)]
        assert r.phase is Phase.REVEAL

    def test_set_connected_reports_changes_only(self) -> None:
        r = f.room(f.choice())
        a = f.join(r, "Ann", connected=False)
        assert game.set_connected(r, a, True) is True
        assert game.set_connected(r, a, True) is False
        assert game.set_connected(r, "nobody", True) is False

    def test_answers_total_counts_connected_players(self) -> None:
        r = f.room(f.choice())
        a, _b = f.players(r, "Ann", "Bob")
        f.join(r, "Cat", connected=False)
        game.start(r, 0)
        assert game.answer(r, a, 0, 1, 10) == [AnswerRecorded(0, a, 1, 2)]


# -- scoring through the game ----------------------------------------------------------------


def play(r: Room, answers: dict[str, Any], t: int = 0) -> None:
    """Open the next question, answer at t ms, close it."""
    if r.phase is Phase.REVEAL:
        game.advance(r, 0)
    opened = 10_000 * (r.index + 2)
    game.advance(r, opened)
    for pid, value in answers.items():
        game.answer(r, pid, r.index, value, opened + t)
    game.close_question(r, r.index)


class TestStreaksAndScores:
    def test_streak_bonus_sequence(self) -> None:
        r = f.room(*[f.choice() for _ in range(8)])
        a = f.join(r, "Ann")
        for _ in range(8):
            play(r, {a: 1})
        results = r.players[a].results
        assert [x.streak for x in results] == [1, 2, 3, 4, 5, 6, 7, 8]
        assert [x.bonus for x in results] == [0, 100, 200, 300, 400, 500, 500, 500]
        assert [x.points for x in results] == [1000] * 8
        assert r.players[a].score == 8000 + 2500
        assert [x.score for x in results] == [1000, 2100, 3300, 4600, 6000, 7500, 9000, 10500]

    def test_wrong_and_missing_answers_reset_the_streak(self) -> None:
        r = f.room(*[f.choice() for _ in range(6)])
        a, _b = f.players(r, "Ann", "Bob")
        play(r, {a: 1})
        play(r, {a: 1})
        play(r, {a: 0})  # wrong
        play(r, {a: 1})
        play(r, {a: 1})
        play(r, {})  # no answer
        res = r.players[a].results
        assert [x.streak for x in res] == [1, 2, 0, 1, 2, 0]
        assert [x.correct for x in res] == [True, True, False, True, True, False]
        assert [x.bonus for x in res] == [0, 100, 0, 0, 100, 0]

    def test_poll_leaves_the_streak_unchanged(self) -> None:
        r = f.room(f.choice(), f.poll(), f.poll(), f.choice())
        a = f.join(r, "Ann")
        play(r, {a: 1})
        play(r, {a: 0})
        play(r, {})
        play(r, {a: 1})
        res = r.players[a].results
        assert [x.streak for x in res] == [1, 1, 1, 2]
        assert [x.correct for x in res] == [True, None, None, True]
        assert res[-1].bonus == 100

    def test_zero_point_question_builds_the_streak_without_bonus(self) -> None:
        r = f.room(f.choice(), f.choice(points=0), f.choice(points=2000))
        a = f.join(r, "Ann")
        play(r, {a: 1})
        play(r, {a: 1})
        play(r, {a: 1})
        res = r.players[a].results
        assert [(x.points, x.bonus, x.streak) for x in res] == [(1000, 0, 1), (0, 0, 2), (2000, 200, 3)]
        assert r.players[a].correct_count == 3

    def test_streak_bonus_off(self) -> None:
        r = f.room(f.choice(), f.choice(), f.choice(), streak_bonus=False)
        a = f.join(r, "Ann")
        for _ in range(3):
            play(r, {a: 1})
        res = r.players[a].results
        assert [x.bonus for x in res] == [0, 0, 0]
        assert [x.streak for x in res] == [1, 2, 3]
        assert r.players[a].score == 3000

    def test_speed_points_use_the_time_since_the_question_opened(self) -> None:
        r = f.room(f.choice(), f.choice(points=2000))
        a = f.join(r, "Ann")
        play(r, {a: 1}, t=540)
        play(r, {a: 1}, t=T)
        res = r.players[a].results
        assert res[0].points == 987
        assert (res[1].points, res[1].bonus) == (1000, 100)
        assert r.players[a].score == 987 + 1000 + 100

    def test_never_answered_gets_false_and_zero(self) -> None:
        r = f.room(f.choice(), f.number(), f.text(), f.order())
        a, b = f.players(r, "Ann", "Bob")
        play(r, {a: 1})
        play(r, {a: 1962})
        play(r, {a: "khrushchev"})
        play(r, {a: f.order_answer(r, 3)})
        res = r.players[b].results
        assert [(x.index, x.correct, x.points, x.bonus, x.answered) for x in res] == [
            (i, False, 0, 0, False) for i in range(4)
        ]
        assert r.players[b].score == 0
        assert [x.correct for x in r.players[a].results] == [True, True, True, True]

    def test_one_result_per_question_per_player(self) -> None:
        r = f.room(*f.every_kind())
        a, b = f.players(r, "Ann", "Bob")
        for _ in f.every_kind():
            play(r, {a: 0} if r.index + 1 in (0, 4, 5, 6) else {})
        for pid in (a, b):
            assert [x.index for x in r.players[pid].results] == list(range(len(f.every_kind())))
            assert r.players[pid].score == sum(x.points + x.bonus for x in r.players[pid].results)

    def test_result_ranks_and_players(self) -> None:
        r = f.room(f.choice())
        a, b, c, d = f.players(r, "Ann", "Bob", "Cat", "Dan")
        game.start(r, 0)
        game.answer(r, a, 0, 1, 100)
        game.answer(r, b, 0, 1, 100)
        game.answer(r, c, 0, 1, 5000)
        game.close(r)
        ranks = {pid: r.players[pid].results[-1].rank for pid in (a, b, c, d)}
        assert ranks == {a: 1, b: 1, c: 3, d: 4}
        assert {r.players[pid].results[-1].players for pid in (a, b, c, d)} == {4}

    def test_disconnected_players_still_ranked(self) -> None:
        r = f.room(f.choice())
        a = f.join(r, "Ann")
        f.join(r, "Gone", connected=False)
        play(r, {a: 1})
        assert r.players[a].results[-1].players == 2
