"""Reconnects, late joins, several hosts, and questions that close by themselves."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from .helpers import HOST_NOISE, FrozenClock, LiveServer, Peer, option

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _game(live: LiveServer, deck: str = "kinds", n: int = 2) -> tuple[str, str, Peer, list[Peer]]:
    code, token = await live.create_room(deck)
    host = await live.host(code, token)
    players = [await live.join(code, name) for name in ["Ana", "Ben", "Cleo"][:n]]
    await host.send({"type": "start"})
    for p in players:
        await p.expect("question")
    return code, token, host, players


async def test_resume_mid_question_gets_the_question_with_less_time_and_the_ack(live: LiveServer) -> None:
    code, _t, _host, (ana, ben) = await _game(live)
    await ana.send({"type": "answer", "index": 0, "answer": option(ana, "Paris")})
    await ana.expect("answer_ack")
    await ana.close()
    await asyncio.sleep(0.05)
    again = await live.resume(code, ana.token)
    w = again.welcome
    assert (w["player_id"], w["nickname"], w["score"], w["phase"]) == (ana.player_id, "Ana", 0, "question")
    assert w["token"] == ana.token
    q = await again.expect("question")
    assert q["index"] == 0 and q["time_left_ms"] < q["time_limit_ms"]
    ack = await again.expect("answer_ack")
    assert ack["index"] == 0
    # Ben is the only one left: his answer closes the question for both.
    await ben.send({"type": "answer", "index": 0, "answer": option(ben, "Lyon")})
    await ben.expect("answer_ack")
    await again.expect("reveal")
    assert (await again.expect("result"))["correct"] is True


async def test_resume_before_answering_can_still_answer(live: LiveServer) -> None:
    code, _t, _host, (ana, _ben) = await _game(live)
    await ana.close()
    again = await live.resume(code, ana.token)
    await again.expect("question")
    await again.send({"type": "answer", "index": 0, "answer": option(again, "Paris")})
    await again.expect("answer_ack")


async def test_resume_at_reveal_gets_reveal_and_result_and_keeps_the_score(live: LiveServer) -> None:
    code, _t, _host, (ana, ben) = await _game(live)
    await ana.send({"type": "answer", "index": 0, "answer": option(ana, "Paris")})
    await ben.send({"type": "answer", "index": 0, "answer": option(ben, "Lyon")})
    reveal = await ana.until("reveal")
    result = await ana.expect("result")
    await ana.close()
    again = await live.resume(code, ana.token)
    assert again.welcome["score"] == result["score"] == 1000
    assert again.welcome["phase"] == "reveal"
    assert await again.expect("reveal") == reveal
    assert await again.expect("result") == result


async def test_resume_at_scoreboard_gets_the_scoreboard(live: LiveServer) -> None:
    code, _t, host, (ana, _ben) = await _game(live)
    await host.send({"type": "close"})
    await host.send({"type": "next"})
    board = await ana.until("scoreboard")
    await ana.close()
    again = await live.resume(code, ana.token)
    assert await again.expect("scoreboard") == board


async def test_resume_at_finished_gets_finished_and_standing(live: LiveServer) -> None:
    code, _t, host, (ana, ben) = await _game(live)
    await ana.send({"type": "answer", "index": 0, "answer": option(ana, "Paris")})
    await ben.send({"type": "answer", "index": 0, "answer": option(ben, "Paris")})
    await ana.until("result")
    await host.send({"type": "end"})
    finished = await ana.expect("finished")
    standing = await ana.expect("standing")
    await ana.close()
    again = await live.resume(code, ana.token)
    assert again.welcome["phase"] == "finished" and again.welcome["score"] == 1000
    assert await again.expect("finished") == finished
    assert await again.expect("standing") == standing
    assert standing == {**standing, "score": 1000, "rank": 1, "players": 2}


async def test_a_host_reconnecting_gets_welcome_lobby_and_the_present(live: LiveServer) -> None:
    code, token, host, (ana, _ben) = await _game(live)
    await ana.send({"type": "answer", "index": 0, "answer": option(ana, "Paris")})
    await ana.expect("answer_ack")
    await host.close()
    again = await live.open(code, "host again")
    await again.send({"type": "host", "token": token})
    welcome = await again.expect("host_welcome")
    assert welcome["code"] == code
    lobby = await again.expect("lobby")
    assert [p["nickname"] for p in lobby["players"]] == ["Ana", "Ben"]
    q = await again.expect("question", skip=("answers",))
    assert q["index"] == 0 and q["time_left_ms"] <= q["time_limit_ms"]
    progress = await again.until("answers")
    assert progress["index"] == 0


async def test_several_host_connections_at_once(live: LiveServer) -> None:
    code, token = await live.create_room()
    laptop = await live.host(code, token, "laptop")
    phone = await live.host(code, token, "phone")
    ana = await live.join(code, "Ana")
    await phone.send({"type": "start"})
    q1 = await laptop.until("question")
    q2 = await phone.until("question")
    assert q1 == q2
    await ana.expect("question")
    await laptop.send({"type": "close"})
    await phone.until("reveal")
    await laptop.until("reveal")
    await laptop.ping()
    await phone.ping()


async def test_a_second_connection_with_the_same_token_replaces_the_first_with_4409(live: LiveServer) -> None:
    code, token = await live.create_room()
    host = await live.host(code, token)
    ana = await live.join(code, "Ana")
    second = await live.resume(code, ana.token, "second")
    assert second.welcome["player_id"] == ana.player_id
    await ana.expect_close(4409)
    await host.send({"type": "start"})
    await second.expect("question")
    await second.send({"type": "answer", "index": 0, "answer": option(second, "Paris")})
    await second.expect("answer_ack")
    info = (await live.http.get(f"/api/rooms/{code}")).json()
    assert info["players"] == 1


async def test_a_late_joiner_cannot_answer_the_open_question_and_plays_the_next(live: LiveServer) -> None:
    code, _t, host, (ana, ben) = await _game(live)
    late = await live.join(code, "Late")
    assert late.welcome["phase"] == "question"
    q = await late.until("question")
    assert q["index"] == 0
    await late.send({"type": "answer", "index": 0, "answer": option(late, "Paris")})
    assert (await late.until("error"))["code"] == "too_late"
    # The question does not wait for the late joiner.
    await ana.send({"type": "answer", "index": 0, "answer": option(ana, "Paris")})
    await ben.send({"type": "answer", "index": 0, "answer": option(ben, "Lyon")})
    reveal = await ana.until("reveal")
    assert reveal["answered"] == 2
    result = await ana.expect("result")
    assert result["players"] == 3
    late_result = await late.until("result")
    assert (late_result["correct"], late_result["points"], late_result["players"]) == (False, 0, 3)
    assert late_result["rank"] == 2  # tied at 0 with Ben, behind Ana
    await host.send({"type": "next"})
    await host.send({"type": "next"})
    await late.until("question")
    await late.send({"type": "answer", "index": 1, "answer": option(late, "2")})
    assert (await late.expect("answer_ack"))["index"] == 1


async def test_the_late_joiners_error_is_too_late(live: LiveServer) -> None:
    code, _t, _host, (_ana, _ben) = await _game(live)
    late = await live.join(code, "Late")
    await late.until("question")
    await late.send({"type": "answer", "index": 0, "answer": option(late, "Paris")})
    error = await late.until("error")
    assert error["code"] == "too_late"


async def test_the_question_closes_at_its_deadline(live: LiveServer) -> None:
    _code, _t, _host, (ana, ben) = await _game(live, "fast")
    opened = time.monotonic()
    await ana.send({"type": "answer", "index": 0, "answer": option(ana, "Tomato")})
    await ana.expect("answer_ack")
    reveal = await ana.expect("reveal", timeout=8)
    waited = time.monotonic() - opened
    assert 4.5 <= waited <= 7.0, waited
    assert reveal["answered"] == 1
    assert (await ana.expect("result"))["correct"] is True
    ben_result = await ben.until("result")
    assert (ben_result["correct"], ben_result["points"], ben_result["streak"]) == (False, 0, 0)


async def test_an_overdue_question_is_closed_by_the_sweep(live: LiveServer, clock: FrozenClock) -> None:
    _code, _t, _host, (ana, _ben) = await _game(live, "fast")
    clock.advance(5_000 + 2_000)  # past the deadline and the sweep's grace
    await ana.expect("reveal", timeout=3)


async def test_the_question_closes_when_the_last_player_who_has_not_answered_leaves(live: LiveServer) -> None:
    _code, _t, _host, (ana, ben) = await _game(live)
    await ana.send({"type": "answer", "index": 0, "answer": option(ana, "Paris")})
    await ana.expect("answer_ack")
    assert await ana.quiet(0.2) == []
    await ben.close()
    reveal = await ana.expect("reveal", timeout=2)
    assert reveal["answered"] == 1
    result = await ana.expect("result")
    assert result["players"] == 2  # Ben still counts, connected or not


async def test_with_nobody_connected_the_question_waits(live: LiveServer) -> None:
    code, _t, host, (ana, ben) = await _game(live)
    await ana.close()
    await ben.close()
    await asyncio.sleep(0.3)
    assert (await live.http.get(f"/api/rooms/{code}")).json()["phase"] == "question"
    await host.send({"type": "close"})
    await host.until("reveal")


async def test_answers_progress_counts_connected_players(live: LiveServer) -> None:
    _code, _t, host, (ana, _ben, cleo) = await _game(live, n=3)
    await cleo.close()
    await ana.send({"type": "answer", "index": 0, "answer": option(ana, "Paris")})
    await ana.expect("answer_ack")
    for _ in range(10):
        progress = await host.until("answers")
        if progress["answered"] == 1 and progress["total"] == 2:
            break
    assert progress == {"type": "answers", "index": 0, "answered": 1, "total": 2}


async def test_exact_speed_points_on_the_servers_clock(live: LiveServer, clock: FrozenClock) -> None:
    """P=1000, T=60000: 499 ms is full points; 660 ms is 994.5, rounded half up; 30 s is 750."""
    code, token = await live.create_room()
    host = await live.host(code, token)
    players = [await live.join(code, n) for n in ("Ana", "Ben", "Cleo", "Dan")]
    await host.send({"type": "start"})
    for p in players:
        await p.expect("question")
    ana, ben, cleo, _dan = players
    for peer, at in ((ana, 499), (ben, 660), (cleo, 30_000)):
        clock.now = 10_000_000 + at
        await peer.send({"type": "answer", "index": 0, "answer": option(peer, "Paris")})
        await peer.expect("answer_ack")
    await host.send({"type": "close"})
    points = []
    for peer in players:
        await peer.expect("reveal")
        points.append((await peer.expect("result"))["points"])
    assert points == [1000, 995, 750, 0]


@pytest.mark.parametrize("phase_steps", [0, 1, 2])
async def test_end_finishes_from_any_phase(live: LiveServer, phase_steps: int) -> None:
    _code, _t, host, (ana, _ben) = await _game(live)
    for _ in range(phase_steps):
        await host.send({"type": "next"})
    await host.send({"type": "end"})
    finished = await ana.until("finished")
    assert finished["players"] == 2
    await ana.expect("standing")


async def test_the_host_gets_lobby_updates_on_leave(live: LiveServer) -> None:
    code, token = await live.create_room()
    host = await live.host(code, token)
    ana = await live.join(code, "Ana")
    await ana.close()
    for _ in range(10):
        lobby = await host.expect("lobby", skip=HOST_NOISE[:1])
        if lobby["players"] and not lobby["players"][0]["connected"]:
            break
    assert lobby["players"] == [{"player_id": ana.player_id, "nickname": "Ana", "connected": False}]


async def test_the_live_ack_and_the_resync_ack_show_the_answer_as_stored(live: LiveServer) -> None:
    code, _t, host, (ana, _ben) = await _game(live)  # Ben never answers: each question stays open
    acks = {}
    for index in range(8):
        if index:
            await host.send({"type": "close"})
            await host.send({"type": "next"})
            await host.send({"type": "next"})
            await ana.until("question")
        kind = json.loads(ana.log[-1])["kind"]
        if kind == "number":  # a whole number sent as 8.0 is stored as 8
            await ana.send_raw(f'{{"type": "answer", "index": {index}, "answer": 8.0}}')
        elif kind == "multi":  # ids sent in the other order than the one stored
            picked = sorted([option(ana, "4"), option(ana, "2")], reverse=True)
            await ana.send({"type": "answer", "index": index, "answer": picked})
        else:
            continue
        acks[kind] = await ana.expect("answer_ack")
        await ana.close()
        ana = await live.resume(code, ana.token)
        assert await ana.until("answer_ack") == acks[kind]
    assert acks["number"]["answer"] == 8 and isinstance(acks["number"]["answer"], int)
    assert acks["multi"]["answer"] == sorted(acks["multi"]["answer"]) and len(acks["multi"]["answer"]) == 2
