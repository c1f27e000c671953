"""Abuse: guessing codes, joining floods, proxies, impostors, the nickname filter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import thaw.domain.nicknames as nicknames
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from thaw.rooms.limits import AddressLimits, TokenBucket, WindowCounter
from thaw.transport.messages import HOST_TYPES

from .conftest import AppFactory, create_room, frames_until

HOST_COMMANDS = {
    "start": {},
    "next": {},
    "close": {},
    "kick": {"player_id": "nobody"},
    "kick_since": {"player_id": "nobody"},
    "lock": {"locked": True},
    "end": {},
    "pause": {},
    "resume": {},
    "add_time": {"ms": 5000},
}


def _rejected(client: TestClient, path: str, first: dict[str, object] | None) -> tuple[str, int]:
    """Connect, optionally send a first message, return (error code, close code)."""
    with client.websocket_connect(path) as ws:
        if first is not None:
            ws.send_text(json.dumps(first))
        msg = json.loads(ws.receive_text())
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    return msg["code"], closed.value.code


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_token_bucket_refills_at_its_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.t += 0.5
    assert bucket.take() is True
    assert bucket.take() is False


def test_window_counter_forgets_after_a_minute() -> None:
    clock = FakeClock()
    counter = WindowCounter(per_minute=3, clock=clock)
    assert [counter.hit("a") for _ in range(4)] == [True, True, True, False]
    assert counter.hit("b") is True  # per address
    clock.t += 120
    assert counter.hit("a") is True


def test_window_counter_memory_is_bounded() -> None:
    counter = WindowCounter(per_minute=10, max_keys=100)
    for i in range(1000):
        counter.hit(f"10.0.{i // 256}.{i % 256}")
    assert len(counter._counts) == 100


def test_misses_slow_down_after_the_threshold() -> None:
    clock = FakeClock()
    limits = AddressLimits(100, 100, misses_before_slowdown=5, misses_per_minute=50, clock=clock)
    for _ in range(5):
        limits.misses.hit("x")
    assert limits.miss_delay("x") == 0
    for _ in range(10):
        limits.misses.hit("x")
    assert 0 < limits.miss_delay("x") <= 2.0
    assert limits.miss_delay("y") == 0


def test_guessing_room_codes_is_refused_after_the_limit(make_client: AppFactory) -> None:
    client = make_client(misses_before_slowdown=2, misses_per_minute=4)
    outcomes = [_rejected(client, f"/ws/{100000 + i}", None) for i in range(6)]
    assert outcomes[:4] == [("room_not_found", 4404)] * 4
    assert outcomes[4:] == [("rate_limited", 1008)] * 2
    # A real room is still reachable for others (a different address is not counted).


def test_joins_per_address_are_limited(make_client: AppFactory) -> None:
    client = make_client(joins_per_minute=3)
    code, _ = create_room(client)
    for n in range(3):
        with client.websocket_connect(f"/ws/{code}") as ws:
            ws.send_text(json.dumps({"type": "join", "nickname": f"P{n}"}))
            assert json.loads(ws.receive_text())["type"] == "welcome"
    assert _rejected(client, f"/ws/{code}", {"type": "join", "nickname": "P9"}) == ("rate_limited", 1008)


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(make_client: AppFactory) -> None:
    untrusted = make_client(rooms_per_minute=2)
    statuses = [
        untrusted.post("/api/rooms", json={"deck": "every-kind"}, headers={"X-Forwarded-For": f"203.0.113.{i}"})
        .status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]
    refused = untrusted.post("/api/rooms", json={"deck": "every-kind"})
    assert refused.json()["error"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1

    # Behind a trusted proxy the address is the one the proxy appended (right-most):
    # what the client wrote to the left of it changes nothing.
    trusted = make_client(trust_proxy=True, rooms_per_minute=2)
    statuses = [
        trusted.post("/api/rooms", json={"deck": "every-kind"}, headers={"X-Forwarded-For": f"203.0.113.{i}, 10.0.0.1"})
        .status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]
    statuses = [
        trusted.post("/api/rooms", json={"deck": "every-kind"}, headers={"X-Forwarded-For": f"1.2.3.4, 198.51.100.{i}"})
        .status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 201]


@pytest.mark.parametrize("command", sorted(HOST_TYPES))
def test_every_host_command_from_a_player_is_refused(make_client: AppFactory, command: str) -> None:
    client = make_client()
    code, host_token = create_room(client)
    with client.websocket_connect(f"/ws/{code}") as host, client.websocket_connect(f"/ws/{code}") as player:
        host.send_text(json.dumps({"type": "host", "token": host_token}))
        frames_until(host, "lobby")
        player.send_text(json.dumps({"type": "join", "nickname": "Mallory"}))
        frames_until(player, "welcome")
        player.send_text(json.dumps({"type": command, **HOST_COMMANDS[command]}))
        msg = json.loads(player.receive_text())
        assert (msg["type"], msg["code"]) == ("error", "not_host")
        # The connection stays open and the room did not move.
        player.send_text(json.dumps({"type": "ping", "t": 1}))
        assert json.loads(player.receive_text())["type"] == "pong"
    info = client.get(f"/api/rooms/{code}").json()
    assert info["phase"] == "lobby" and info["locked"] is False


@pytest.mark.parametrize("command", sorted(HOST_TYPES))
def test_every_host_command_from_a_stranger_is_refused(make_client: AppFactory, command: str) -> None:
    client = make_client()
    code, _ = create_room(client)
    assert _rejected(client, f"/ws/{code}", {"type": command, **HOST_COMMANDS[command]}) == ("bad_message", 4400)
    assert _rejected(client, f"/ws/{code}", {"type": "host", "token": "x" * 32}) == ("bad_token", 4401)
    assert client.get(f"/api/rooms/{code}").json()["phase"] == "lobby"


def test_a_player_token_does_not_work_in_another_room(make_client: AppFactory) -> None:
    client = make_client()
    first, _ = create_room(client)
    second, _ = create_room(client)
    with client.websocket_connect(f"/ws/{first}") as ws:
        ws.send_text(json.dumps({"type": "join", "nickname": "Anna"}))
        token = json.loads(ws.receive_text())["token"]
    assert _rejected(client, f"/ws/{second}", {"type": "resume", "token": token}) == ("bad_token", 4401)


def test_a_host_token_does_not_work_as_a_player_token(make_client: AppFactory) -> None:
    client = make_client()
    code, host_token = create_room(client)
    assert _rejected(client, f"/ws/{code}", {"type": "resume", "token": host_token}) == ("bad_token", 4401)


def test_denied_nicknames_are_refused_even_disguised(make_client: AppFactory) -> None:
    client = make_client()
    code, _ = create_room(client)
    word = next(iter(sorted(e for e in _plain_entries() if len(e) >= 5)))
    disguised = ".".join(word.upper().replace("E", "3").replace("O", "0").replace("A", "4"))[:20]
    for name in (word, disguised, word.capitalize()):
        assert _rejected(client, f"/ws/{code}", {"type": "join", "nickname": name}) == ("nickname_invalid", 4400)
    with client.websocket_connect(f"/ws/{code}") as ws:
        ws.send_text(json.dumps({"type": "join", "nickname": "Scunthorpe Class"}))
        assert json.loads(ws.receive_text())["type"] == "welcome"


def _plain_entries() -> list[str]:
    """The packaged deny-list's whole-name entries."""
    text = (Path(nicknames.__file__).parent / "denylist.txt").read_text()
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith(("#", "*"))]


@pytest.mark.parametrize(
    "nickname",
    [
        "",
        "   ",
        "x" * 21,
        "abc\u202edef",  # right-to-left override
        "ab\u200bcd",  # zero-width space
        "a\x00b",
        "\u0301" * 500,
        "line\nbreak",
        "e" + "\u0301" * 499,
    ],
)
def test_hostile_nicknames_are_refused(make_client: AppFactory, nickname: str) -> None:
    client = make_client()
    code, _ = create_room(client)
    assert _rejected(client, f"/ws/{code}", {"type": "join", "nickname": nickname}) == ("nickname_invalid", 4400)


def test_generated_nicknames_and_three_rerolls(make_client: AppFactory) -> None:
    client = make_client()
    code, host_token = create_room(client, generated_nicknames=True)
    with client.websocket_connect(f"/ws/{code}") as host, client.websocket_connect(f"/ws/{code}") as ws:
        host.send_text(json.dumps({"type": "host", "token": host_token}))
        frames_until(host, "lobby")
        ws.send_text(json.dumps({"type": "join", "nickname": "ignored <b>"}))
        welcome = json.loads(ws.receive_text())
        assert welcome["type"] == "welcome" and welcome["generated_nickname"] is True
        assert welcome["nickname"] != "ignored <b>" and " " in welcome["nickname"]
        assert welcome["rerolls_left"] == 3
        names = {welcome["nickname"]}
        for left in (2, 1, 0):
            ws.send_text(json.dumps({"type": "reroll"}))
            msg = frames_until(ws, "nickname")[-1]
            assert msg["rerolls_left"] == left
            names.add(msg["nickname"])
        assert len(names) >= 2
        ws.send_text(json.dumps({"type": "reroll"}))
        assert frames_until(ws, "error")[-1]["code"] == "rate_limited"
        lobby = frames_until(host, "lobby")[-1]
        while lobby["players"] and lobby["players"][0]["nickname"] != msg["nickname"]:
            lobby = frames_until(host, "lobby")[-1]
        assert lobby["players"][0]["nickname"] == msg["nickname"]


def test_refused_requests_do_not_spend_an_address_budget(make_client: AppFactory) -> None:
    client = make_client(rooms_per_minute=2)
    for body in ({"deck": "no-such-deck"}, {"deck": 3}, {"nope": 1}):
        assert client.post("/api/rooms", json=body).status_code in (404, 422)
    assert [client.post("/api/rooms", json={"deck": "every-kind"}).status_code for _ in range(3)] == [201, 201, 429]
