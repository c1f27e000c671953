"""Pace: pause, resume and add_time on the open question; paused time counts neither
toward the deadline nor toward `t`, and added time grows `T`."""

from __future__ import annotations

import pytest
from thaw.domain import game
from thaw.domain.errors import GameError
from thaw.domain.events import Paused, Resumed, Revealed, TimeAdded
from thaw.domain.model import Phase, Room
from thaw.domain.scoring import speed_points
from thaw.rooms import frames

from . import factories as f

T = f.T


def _open(*names: str) -> tuple[Room, list[str]]:
    r = f.room(f.choice(), f.choice())
    ids = f.players(r, *names)
    game.start(r, 1000)
    return r, ids


def refused(code: str, command: object, *args: object) -> None:
    with pytest.raises(GameError) as info:
        command(*args)  # type: ignore[operator]
    assert info.value.code == code


def test_paused_time_counts_toward_neither_the_deadline_nor_t() -> None:
    r, (ana, _ben) = _open("Ana", "Ben")
    assert game.pause(r, 3000) == [Paused(0)]
    assert game.time_left(r, 3000) == game.time_left(r, 50_000) == T - 2000
    refused("paused", game.answer, r, ana, 0, 1, 4000)
    assert game.tick(r, 10**9) == [] and game.expire(r, 0, 10**9) == []  # a paused clock never runs out
    assert game.resume(r, 33_000) == [Resumed(0)]
    assert (r.opened_at, r.deadline, r.paused_at) == (31_000, 31_000 + T, None)
    assert game.time_left(r, 33_000) == T - 2000
    game.answer(r, ana, 0, 1, 34_000)
    assert r.current_answers()[ana].t == 3000  # 2 s before the pause, 1 s after it
    assert game.tick(r, 31_000 + T - 1) == []
    assert game.expire(r, 0, 31_000 + T) == [Revealed(0)]
    assert r.players[ana].results[-1].points == speed_points(1000, 3000, T)


def test_added_time_moves_the_deadline_and_grows_t() -> None:
    r, (ana, _ben) = _open("Ana", "Ben")
    assert game.add_time(r, 10_000, 2000) == [TimeAdded(0)]
    assert (game.time_limit(r), r.deadline) == (T + 10_000, 1000 + T + 10_000)
    assert frames.time_payload(r, 2000) == {"type": "time", "index": 0, "time_left_ms": T + 9000,
                                              "time_limit_ms": T + 10_000}
    assert frames.question_payload(r)["time_limit_ms"] == T + 10_000
    assert game.tick(r, 1000 + T) == []
    game.answer(r, ana, 0, 1, 1000 + T + 5000)  # past the deck's limit, inside the new one
    game.close(r)
    assert r.players[ana].results[-1].points == speed_points(1000, T + 5000, T + 10_000)
    game.advance(r, 0)
    game.advance(r, 90_000)
    assert (game.time_limit(r), r.added_ms, r.deadline) == (T, 0, 90_000 + T)  # the next question starts afresh


def test_time_added_while_paused_shows_after_the_resume() -> None:
    r, _ = _open("Ana")
    game.pause(r, 2000)
    game.add_time(r, 5000, 3000)
    assert frames.time_payload(r, 9000)["time_left_ms"] == T - 1000 + 5000
    game.resume(r, 12_000)
    assert game.time_left(r, 12_000) == T - 1000 + 5000
    assert r.deadline == 12_000 + T - 1000 + 5000


@pytest.mark.parametrize("phase", ["lobby", "reveal", "scoreboard", "finished"])
def test_pace_outside_an_open_question_is_wrong_phase(phase: str) -> None:
    r = f.room(f.choice(), f.choice())
    f.players(r, "Ana")
    if phase != "lobby":
        game.start(r, 0)
        game.close(r)
        if phase == "scoreboard":
            game.advance(r, 0)
        if phase == "finished":
            game.end(r)
    assert r.phase is Phase(phase)
    refused("wrong_phase", game.pause, r, 0)
    refused("wrong_phase", game.resume, r, 0)
    refused("wrong_phase", game.add_time, r, 1000, 0)


def test_resume_when_running_and_pause_when_paused_are_wrong_phase() -> None:
    r, _ = _open("Ana")
    refused("wrong_phase", game.resume, r, 2000)
    game.pause(r, 2000)
    refused("wrong_phase", game.pause, r, 3000)


def test_pace_after_the_time_is_up_is_wrong_phase() -> None:
    r, _ = _open("Ana")
    refused("wrong_phase", game.pause, r, 1000 + T)
    refused("wrong_phase", game.add_time, r, 1000, 1000 + T)


@pytest.mark.parametrize("ms", [0, -1, 60_001, 1.5, True, "5000", None])
def test_add_time_takes_1_to_60000_ms(ms: object) -> None:
    r, _ = _open("Ana")
    refused("bad_message", game.add_time, r, ms, 2000)
    assert (r.added_ms, r.deadline) == (0, 1000 + T)


def test_the_host_may_still_close_kick_or_end_while_paused() -> None:
    r, (ana, ben) = _open("Ana", "Ben")
    game.answer(r, ana, 0, 1, 1500)
    game.pause(r, 2000)
    assert game.kick(r, ben, 3000)[-1] == Revealed(0)  # Ana was the only one left to wait for
    assert r.paused_at is None and r.players[ana].results[-1].correct is True
    game.advance(r, 0)
    game.advance(r, 5000)
    game.pause(r, 6000)
    assert game.close(r) == [Revealed(1)] and r.paused_at is None


def test_resync_of_a_paused_question_says_so() -> None:
    r, _ = _open("Ana")
    game.pause(r, 4000)
    payload = frames.question_now(r, 60_000)
    assert payload["paused"] is True and payload["time_left_ms"] == T - 3000
    assert frames.paused_payload(r, 60_000) == {"type": "paused", "index": 0, "time_left_ms": T - 3000}
    game.resume(r, 70_000)
    assert "paused" not in frames.question_now(r, 70_000)
    assert frames.resumed_payload(r, 70_000) == {"type": "resumed", "index": 0, "time_left_ms": T - 3000}
