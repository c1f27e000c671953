"""A whole game over WebSockets: a host and three players through every kind of question."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from .helpers import HOST_NOISE, LiveServer, Peer

pytestmark = pytest.mark.asyncio(loop_scope="module")

# True order of the `order` question of the `kinds` deck.
ORDER_ITEMS = ["One", "Two", "Three", "Four"]


async def broadcast(host: Peer, players: list[Peer], kind: str) -> dict[str, Any]:
    """Every client's next frame of `kind` (the host may get noise first): byte-identical for all."""
    raws: list[str] = []
    for peer in [host, *players]:
        while True:
            raw = await peer.recv_text()
            frame_kind = json.loads(raw)["type"]
            if frame_kind == kind:
                raws.append(raw)
                break
            assert peer is host and frame_kind in HOST_NOISE, f"{peer.name}: expected {kind}, got {raw}"
    assert len(set(raws)) == 1, f"{kind} frames differ between clients: {raws}"
    frame: dict[str, Any] = json.loads(raws[0])
    return frame


async def answer(peer: Peer, index: int, value: Any) -> None:
    await peer.send({"type": "answer", "index": index, "answer": value})
    ack = await peer.expect("answer_ack")
    assert ack["index"] == index
    assert "correct" not in ack and "points" not in ack and "score" not in ack


async def results(players: list[Peer], index: int) -> list[dict[str, Any]]:
    """Each player's `result`, which must be the very next frame after the `reveal`."""
    out = []
    for peer in players:
        frame = await peer.expect("result")
        assert frame["index"] == index
        out.append(frame)
    return out


def ids_by_text(question: dict[str, Any]) -> dict[str, int]:
    """Option ids are drawn per room: a test names options by their text."""
    return {o["text"]: o["id"] for o in question["options"]}


def counts(by_text: dict[str, int], **per_text: int) -> dict[str, int]:
    """The `distribution` a reveal should carry, from counts per option text (0 if not named)."""
    named = {text.replace("_", " "): n for text, n in per_text.items()}
    return {str(i): named.get(text, 0) for text, i in sorted(by_text.items(), key=lambda kv: kv[1])}


def check_result(frame: dict[str, Any], correct: bool | None, points: int, bonus: int, score: int, streak: int,
                 rank: int, players: int = 3) -> None:
    got = {k: frame[k] for k in ("correct", "points", "bonus", "score", "streak", "rank", "players")}
    want = {"correct": correct, "points": points, "bonus": bonus, "score": score, "streak": streak, "rank": rank,
            "players": players}
    assert got == want


async def test_a_whole_game_with_a_host_and_three_players(live: LiveServer) -> None:
    code, token = await live.create_room("kinds")
    host = await live.host(code, token)
    assert host.welcome["code"] == code

    a = await live.join(code, "Ana")
    b = await live.join(code, "Ben")
    c = await live.join(code, "Cleo")
    players = [a, b, c]
    for peer, name in zip(players, ["Ana", "Ben", "Cleo"], strict=True):
        w = peer.welcome
        assert w["nickname"] == name and w["score"] == 0 and w["phase"] == "lobby"
        assert isinstance(w["player_id"], str) and w["player_id"]
        assert isinstance(w["token"], str) and len(w["token"]) * 6 >= 128
    assert len({p.player_id for p in players}) == 3
    assert len({p.token for p in players}) == 3

    # The host's lobby comes to list all three, connected.
    for _ in range(20):
        lobby = await host.expect("lobby", skip=("pong",))
        if len(lobby["players"]) == 3 and all(p["connected"] for p in lobby["players"]):
            break
    assert [p["nickname"] for p in lobby["players"]] == ["Ana", "Ben", "Cleo"]
    assert [p["player_id"] for p in lobby["players"]] == [p.player_id for p in players]
    assert lobby["locked"] is False

    # -- q0: choice, single correct (Paris is id 1). Closes by itself once all answered.
    await host.send({"type": "start"})
    q = await broadcast(host, players, "question")
    assert q["index"] == 0 and q["count"] == 8 and q["kind"] == "choice" and q["points"] == 1000
    assert q["time_limit_ms"] == 60_000 and 0 < q["time_left_ms"] <= 60_000
    assert [o["text"] for o in q["options"]] == ["Lyon", "Paris", "Marseille", "<img src=x onerror=alert(1)>"]
    assert sorted(o["id"] for o in q["options"]) == [0, 1, 2, 3]
    by = ids_by_text(q)
    await answer(a, 0, by["Paris"])
    progress = await host.expect("answers", skip=("lobby",), timeout=0.5)
    assert progress["index"] == 0 and progress["total"] == 3 and progress["answered"] in (0, 1)
    if progress["answered"] == 0:  # the opening progress, then the first answer within 250 ms
        progress = await host.expect("answers", skip=("lobby",), timeout=0.5)
    assert progress == {"type": "answers", "index": 0, "answered": 1, "total": 3}
    await answer(b, 0, by["Lyon"])
    await answer(c, 0, by["Paris"])
    reveal = await broadcast(host, players, "reveal")
    assert reveal["index"] == 0 and reveal["kind"] == "choice"
    assert reveal["correct"] == [by["Paris"]]
    assert reveal["distribution"] == counts(by, Lyon=1, Paris=2)
    assert reveal["answered"] == 3
    ra, rb, rc = await results(players, 0)
    check_result(ra, True, 1000, 0, 1000, 1, 1)
    check_result(rb, False, 0, 0, 0, 0, 3)
    check_result(rc, True, 1000, 0, 1000, 1, 1)

    await host.send({"type": "next"})
    board = await broadcast(host, players, "scoreboard")
    assert board["index"] == 0
    assert [(e["nickname"], e["score"], e["rank"]) for e in board["top"]] == [
        ("Ana", 1000, 1), ("Cleo", 1000, 1), ("Ben", 0, 3),
    ]
    assert all(set(e) >= {"player_id", "nickname", "score", "rank"} for e in board["top"])

    # -- q1: choice, two correct ("2" and "3").
    await host.send({"type": "next"})
    q = await broadcast(host, players, "question")
    assert q["index"] == 1
    by = ids_by_text(q)
    await answer(a, 1, by["2"])
    await answer(b, 1, by["3"])
    await answer(c, 1, by["4"])
    reveal = await broadcast(host, players, "reveal")
    assert sorted(reveal["correct"]) == sorted([by["2"], by["3"]])
    assert reveal["distribution"] == {str(by["2"]): 1, str(by["3"]): 1, str(by["4"]): 1, str(by["6"]): 0}
    ra, rb, rc = await results(players, 1)
    check_result(ra, True, 1000, 100, 2100, 2, 1)
    check_result(rb, True, 1000, 0, 1000, 1, 2)
    check_result(rc, False, 0, 0, 1000, 0, 2)
    await host.send({"type": "next"})
    await broadcast(host, players, "scoreboard")

    # -- q2: true/false worth 2000.
    await host.send({"type": "next"})
    q = await broadcast(host, players, "question")
    assert q["index"] == 2 and q["points"] == 2000 and [o["text"] for o in q["options"]] == ["True", "False"]
    by = ids_by_text(q)
    await answer(a, 2, by["True"])
    await answer(b, 2, by["True"])
    await answer(c, 2, by["False"])
    await broadcast(host, players, "reveal")
    ra, rb, rc = await results(players, 2)
    check_result(ra, True, 2000, 200, 4300, 3, 1)
    check_result(rb, True, 2000, 100, 3100, 2, 2)
    check_result(rc, False, 0, 0, 1000, 0, 3)
    await host.send({"type": "next"})
    await broadcast(host, players, "scoreboard")

    # -- q3: order; Cleo does not answer, so the host closes it.
    await host.send({"type": "next"})
    q = await broadcast(host, players, "question")
    assert q["kind"] == "order" and len(q["options"]) == 4
    text_of = {o["id"]: o["text"] for o in q["options"]}
    true_ids = sorted(text_of, key=lambda i: ORDER_ITEMS.index(text_of[i]))
    assert [o["text"] for o in q["options"]] != ORDER_ITEMS
    wrong_ids = [true_ids[1], true_ids[0], *true_ids[2:]]
    await answer(a, 3, true_ids)
    await answer(b, 3, wrong_ids)
    assert [f["type"] for f in await a.quiet(0.3)] == [], "closed before Cleo answered"
    await host.send({"type": "close"})
    reveal = await broadcast(host, players, "reveal")
    assert reveal["correct"] == true_ids
    assert reveal["distribution"] == {"correct": 1, "incorrect": 1}
    assert reveal["answered"] == 2
    ra, rb, rc = await results(players, 3)
    check_result(ra, True, 1000, 300, 5600, 4, 1)
    check_result(rb, False, 0, 0, 3100, 0, 2)
    check_result(rc, False, 0, 0, 1000, 0, 3)
    await host.send({"type": "next"})
    await broadcast(host, players, "scoreboard")

    # -- q4: number (8).
    await host.send({"type": "next"})
    q = await broadcast(host, players, "question")
    assert q["kind"] == "number" and (q["min"], q["max"], q["step"]) == (0, 20, 1)
    assert q["options"] in ([], None) or "options" not in q
    await answer(a, 4, 8)
    await answer(b, 4, 7)
    await answer(c, 4, 8.0)
    reveal = await broadcast(host, players, "reveal")
    assert reveal["correct"] == {"value": 8, "tolerance": 0}
    assert reveal["distribution"] == {"correct": 2, "incorrect": 1}
    ra, rb, rc = await results(players, 4)
    check_result(ra, True, 1000, 400, 7000, 5, 1)
    check_result(rb, False, 0, 0, 3100, 0, 2)
    check_result(rc, True, 1000, 0, 2000, 1, 3)
    await host.send({"type": "next"})
    await broadcast(host, players, "scoreboard")

    # -- q5: text, matched after normalising.
    await host.send({"type": "next"})
    q = await broadcast(host, players, "question")
    assert q["kind"] == "text"
    await answer(a, 5, "  AZURE ")
    await answer(b, 5, "Sky  Cerulean!")
    await answer(c, 5, "blue")
    reveal = await broadcast(host, players, "reveal")
    assert reveal["correct"] == ["azure", "sky cerulean"]
    assert reveal["distribution"] == {"correct": 2, "incorrect": 1}
    ra, rb, rc = await results(players, 5)
    check_result(ra, True, 1000, 500, 8500, 6, 1)
    check_result(rb, True, 1000, 0, 4100, 1, 2)
    check_result(rc, False, 0, 0, 2000, 0, 3)
    await host.send({"type": "next"})
    await broadcast(host, players, "scoreboard")

    # -- q6: poll, never scored; the host's `next` closes it.
    await host.send({"type": "next"})
    q = await broadcast(host, players, "question")
    assert q["kind"] == "poll" and q["points"] == 0
    by = ids_by_text(q)
    await answer(a, 6, by["Yes"])
    await answer(b, 6, by["No"])
    await host.send({"type": "next"})
    reveal = await broadcast(host, players, "reveal")
    assert reveal["correct"] == []
    assert reveal["distribution"] == counts(by, Yes=1, No=1)
    ra, rb, rc = await results(players, 6)
    check_result(ra, None, 0, 0, 8500, 6, 1)
    check_result(rb, None, 0, 0, 4100, 1, 2)
    check_result(rc, None, 0, 0, 2000, 0, 3)
    await host.send({"type": "next"})
    board = await broadcast(host, players, "scoreboard")
    assert [(e["nickname"], e["score"], e["rank"]) for e in board["top"]] == [
        ("Ana", 8500, 1), ("Ben", 4100, 2), ("Cleo", 2000, 3),
    ]

    # -- q7: multi (2 and 4 are even): the exact set, half of it, a wrong set.
    await host.send({"type": "next"})
    q = await broadcast(host, players, "question")
    assert q["kind"] == "multi" and "correct" not in q
    by_text = {o["text"]: o["id"] for o in q["options"]}
    await answer(a, 7, [by_text["4"], by_text["2"]])
    await answer(b, 7, [by_text["2"]])
    await answer(c, 7, [by_text["3"], by_text["5"]])
    reveal = await broadcast(host, players, "reveal")
    assert sorted(reveal["correct"]) == sorted([by_text["2"], by_text["4"]])
    assert reveal["distribution"] == {str(by_text["2"]): 2, str(by_text["3"]): 1, str(by_text["4"]): 1,
                                      str(by_text["5"]): 1}
    ra, rb, rc = await results(players, 7)
    check_result(ra, True, 1000, 500, 10000, 7, 1)
    check_result(rb, False, 500, 0, 4600, 0, 2)  # partial credit, streak reset
    check_result(rc, False, 0, 0, 2000, 0, 3)
    await host.send({"type": "next"})
    await broadcast(host, players, "scoreboard")

    # -- finished: podium for all, a standing for each player.
    await host.send({"type": "next"})
    finished = await broadcast(host, players, "finished")
    assert finished["players"] == 3
    assert [(e["nickname"], e["score"], e["rank"]) for e in finished["podium"]] == [
        ("Ana", 10000, 1), ("Ben", 4600, 2), ("Cleo", 2000, 3),
    ]
    for peer, (score, rank) in zip(players, [(10000, 1), (4600, 2), (2000, 3)], strict=True):
        standing = await peer.expect("standing")
        assert (standing["score"], standing["rank"], standing["players"]) == (score, rank, 3)

    await host.send({"type": "next"})
    await host.expect_error("wrong_phase", skip=HOST_NOISE)

    # The report agrees with the game.
    auth = {"Authorization": f"Bearer {token}"}
    response = await live.http.get(f"/api/rooms/{code}/results.csv", headers=auth)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["rank"], r["nickname"], r["score"], r["correct"]) for r in rows] == [
        ("1", "Ana", "10000", "7"), ("2", "Ben", "4600", "3"), ("3", "Cleo", "2000", "2"),
    ]
    report = (await live.http.get(f"/api/rooms/{code}/results", headers=auth)).json()
    assert report["finished"] is True
    assert [(p["nickname"], p["score"], p["rank"]) for p in report["players"]] == [
        ("Ana", 10000, 1), ("Ben", 4600, 2), ("Cleo", 2000, 3),
    ]
    info = (await live.http.get(f"/api/rooms/{code}")).json()
    assert info["phase"] == "finished" and info["players"] == 3


async def test_without_streak_bonus_there_is_no_bonus(live: LiveServer) -> None:
    code, token = await live.create_room("kinds", streak_bonus=False)
    host = await live.host(code, token)
    a = await live.join(code, "Ana")
    await host.send({"type": "start"})
    for index, right in [(0, "Paris"), (1, "3")]:
        q = await a.expect("question")
        await answer(a, index, ids_by_text(q)[right])
        await a.expect("reveal")
        result = await a.expect("result")
        assert (result["points"], result["bonus"], result["streak"]) == (1000, 0, index + 1)
        await host.send({"type": "next"})
        await a.expect("scoreboard")
        await host.send({"type": "next"})


async def test_shuffled_options_keep_their_ids(live: LiveServer) -> None:
    code, token = await live.create_room("kinds", shuffle_options=True)
    host = await live.host(code, token)
    a = await live.join(code, "Ana")
    await host.send({"type": "start"})
    q = await a.expect("question")
    texts = ["Lyon", "Paris", "Marseille", "<img src=x onerror=alert(1)>"]
    assert sorted(o["text"] for o in q["options"]) == sorted(texts)
    paris = ids_by_text(q)["Paris"]
    await answer(a, 0, paris)  # wherever it is shown
    reveal = await a.expect("reveal")
    assert reveal["correct"] == [paris] and ids_by_text(reveal) == ids_by_text(q)
    assert (await a.expect("result"))["correct"] is True
