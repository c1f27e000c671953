"""A teacher's controls and the newer kinds against real server processes, with the
memory store (one process) and the Redis store (two processes: the host on one,
the players and a second host screen on the other).

Pause, resume and added time move a deadline that another instance's timer is
waiting for; multi-select grades with partial credit; option ids differ per room;
kick works in every phase, and a question can be skipped or the game ended early.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_multi_instance import _shared_redis_url, start_cluster
from tests.support.servers import ServerProcess, start_server
from tests.support.wsclient import Client, create_room

DECKS = Path(__file__).parent / "decks"
ROOMY = {"THAW_ROOMS_PER_MINUTE": "1000"}


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """(instance A, instance B): the same process with the memory store."""
    if request.param == "memory":
        one = start_server(env={"THAW_CONTENT": str(DECKS), **ROOMY}, log_dir=tmp_path)
        servers = [one, one]
    else:
        servers = start_cluster(2, _shared_redis_url(), **ROOMY)
    try:
        yield servers[0], servers[1]
    finally:
        for server in {id(s): s for s in servers}.values():
            server.kill()


async def _open(server: ServerProcess, code: str, first: dict[str, Any], name: str) -> Client:
    client = await Client(name).open(server.ws_url, code, first)
    await client.wait_type("host_welcome" if first["type"] == "host" else "welcome")
    return client


def _ids(question: dict[str, Any]) -> dict[str, int]:
    return {o["text"]: o["id"] for o in question["options"]}


async def _room(a: ServerProcess, b: ServerProcess, *names: str) -> tuple[str, Client, Client, list[Client]]:
    room = create_room(a.url, "lesson")
    code = room["code"]
    host = await _open(a, code, {"type": "host", "token": room["host_token"]}, "host@A")
    remote = await _open(b, code, {"type": "host", "token": room["host_token"]}, "host@B")
    players = [await _open(b, code, {"type": "join", "nickname": n}, f"{n}@B") for n in names]
    await host.wait_for(lambda m: m.get("type") == "lobby" and len(m["players"]) == len(names))
    return code, host, remote, players


async def test_pause_resume_and_added_time_hold_the_deadline_across_instances(
    pair: tuple[ServerProcess, ServerProcess],
) -> None:
    a, b = pair
    code, host, remote, (ana, ben) = await _room(a, b, "Ana", "Ben")
    await host.send({"type": "start"})  # A opens question 0 (5 s) and waits for its deadline
    question = await ana.wait_type("question", index=0)
    assert question["time_limit_ms"] == 5000
    await asyncio.sleep(0.3)

    await remote.send({"type": "pause"})  # B stops the clock
    paused = await ana.wait_type("paused")
    assert paused["index"] == 0 and 4000 < paused["time_left_ms"] < 5000
    assert (await host.wait_type("paused"))["time_left_ms"] == paused["time_left_ms"]  # one frame for all
    mark = len(ana.frames)
    await ana.send({"type": "answer", "index": 0, "answer": _ids(question)["Paris"]})
    refused = await ana.wait_for(lambda m: m.get("type") in ("answer_ack", "error"), start=mark)
    assert refused["type"] == "error" and refused["code"] == "paused"
    mark = len(remote.frames)
    await remote.send({"type": "pause"})  # already paused
    assert (await remote.wait_type("error", start=mark))["code"] == "wrong_phase"

    # Ben's phone reloads during the pause, onto the other instance: the clock shows as stopped.
    assert ben.token is not None
    ben = await _open(a, code, {"type": "resume", "token": ben.token}, "Ben@A")
    again = await ben.wait_type("question", index=0)
    assert again["paused"] is True and again["time_left_ms"] == paused["time_left_ms"]
    assert (await ben.wait_type("paused"))["time_left_ms"] == paused["time_left_ms"]

    await asyncio.sleep(6.5)  # past the deck's deadline and the sweeper's grace: nothing may close
    assert not any(f.get("type") == "reveal" for f in ana.frames + host.frames)

    await host.send({"type": "add_time", "ms": 3000})  # A adds time while paused
    grown = await ana.wait_type("time")
    assert grown["time_limit_ms"] == 8000 and grown["time_left_ms"] == paused["time_left_ms"] + 3000
    await remote.send({"type": "resume"})  # B restarts the clock and now waits for the deadline
    resumed = await ana.wait_type("resumed")
    left = resumed["time_left_ms"]
    assert left == grown["time_left_ms"]
    started = time.monotonic()

    await ana.send({"type": "answer", "index": 0, "answer": _ids(question)["Paris"]})
    await ana.wait_type("answer_ack")
    # Ben never answers: the question closes at the moved deadline, not before.
    reveal = await ana.wait_type("reveal", index=0, timeout=left / 1000 + 5)
    waited = time.monotonic() - started
    assert left / 1000 - 0.5 <= waited <= left / 1000 + 3.0, (waited, left)
    assert reveal["answered"] == 1
    result = await ana.wait_type("result", index=0)
    # t is well under a second of running clock, out of T = 8 s: were the 7 s pause counted,
    # t would be over 7 s and the points under 570.
    assert result["correct"] is True and result["points"] > 800, result
    mark = len(remote.frames)
    await remote.send({"type": "resume"})  # nothing left to resume
    assert (await remote.wait_type("error", start=mark))["code"] == "wrong_phase"
    for client in (host, remote, ana, ben):
        await client.close()


async def test_multi_select_across_instances(pair: tuple[ServerProcess, ServerProcess]) -> None:
    a, b = pair
    _code, host, remote, players = await _room(a, b, "Exact", "Half", "Wrong")
    exact, half, wrong = players
    await host.send({"type": "start"})
    await exact.wait_type("question", index=0)
    await host.send({"type": "close"})  # skip the first question
    await exact.wait_type("reveal", index=0)
    await remote.send({"type": "next"})
    await exact.wait_type("scoreboard", index=0)
    await host.send({"type": "next"})
    question = await exact.wait_type("question", index=1)
    assert question["kind"] == "multi" and "correct" not in question
    ids = _ids(question)
    picks = {exact: [ids["4"], ids["2"]], half: [ids["2"]], wrong: [ids["2"], ids["3"], ids["5"]]}
    for player, pick in picks.items():
        await player.send({"type": "answer", "index": 1, "answer": pick})
        ack = await player.wait_type("answer_ack", index=1)
        assert ack["answer"] == sorted(pick)  # the answer as stored
    reveal = await host.wait_type("reveal", index=1)
    assert sorted(reveal["correct"]) == sorted([ids["2"], ids["4"]])
    assert reveal["distribution"] == {str(i): n for i, n in sorted(
        {ids["2"]: 3, ids["3"]: 1, ids["4"]: 1, ids["5"]: 1, ids["7"]: 0}.items())}
    got = {}
    for player in players:
        result = await player.wait_type("result", index=1)
        got[player.name] = (result["correct"], result["points"], result["streak"])
    assert got["Exact@B"][0] is True and got["Exact@B"][1] > 900 and got["Exact@B"][2] == 1
    assert got["Half@B"][0] is False and 450 < got["Half@B"][1] <= 500 and got["Half@B"][2] == 0
    assert got["Wrong@B"] == (False, 0, 0)  # one right, two wrong: nothing
    for client in (host, remote, *players):
        await client.close()


async def test_kick_in_every_phase_and_end_early(pair: tuple[ServerProcess, ServerProcess]) -> None:
    a, b = pair
    _code, host, remote, players = await _room(a, b, "Ana", "Ben", "Cleo", "Dan", "Eve")
    ana, ben, cleo, dan, eve = players

    async def kick(who: Client, by: Client) -> None:
        assert who.player_id is not None
        await by.send({"type": "kick", "player_id": who.player_id})
        frame = await who.wait_for(lambda m: m.get("type") == "error" and m["code"] == "kicked")
        assert frame["code"] == "kicked"
        assert await who.wait_closed() == 4403

    await kick(ben, host)  # lobby
    await host.send({"type": "start"})
    await ana.wait_type("question", index=0)
    await kick(cleo, remote)  # question
    await host.send({"type": "close"})
    await ana.wait_type("reveal", index=0)
    await kick(dan, host)  # reveal
    await host.send({"type": "next"})
    await ana.wait_type("scoreboard", index=0)
    await kick(eve, remote)  # scoreboard
    await host.send({"type": "next"})
    await ana.wait_type("question", index=1)
    await remote.send({"type": "end"})  # end early, mid-question
    finished = await ana.wait_type("finished")
    assert finished["players"] == 1 and [e["nickname"] for e in finished["podium"]] == ["Ana"]
    mark = len(host.frames)
    await host.send({"type": "pause"})
    assert (await host.wait_type("error", start=mark))["code"] == "wrong_phase"
    await kick(ana, host)  # finished
    for client in (host, remote):
        await client.close()


async def test_a_fixed_option_id_does_not_win_across_rooms(pair: tuple[ServerProcess, ServerProcess]) -> None:
    a, b = pair
    paris_ids = []
    wins = 0
    for _ in range(16):
        room = create_room(a.url, "lesson")
        host = await _open(a, room["code"], {"type": "host", "token": room["host_token"]}, "host")
        player = await _open(b, room["code"], {"type": "join", "nickname": "Guess"}, "guess")
        await host.send({"type": "start"})
        question = await player.wait_type("question", index=0)
        assert [o["text"] for o in question["options"]] == ["Paris", "Lyon", "Marseille", "Nice"]
        paris_ids.append(_ids(question)["Paris"])
        await player.send({"type": "answer", "index": 0, "answer": 0})
        wins += bool((await player.wait_type("result", index=0))["correct"])
        await host.close()
        await player.close()
    assert len(set(paris_ids)) >= 3, paris_ids  # the right answer's id moves from room to room
    assert wins == paris_ids.count(0) < 12
