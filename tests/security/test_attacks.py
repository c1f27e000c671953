"""The attacks of a hostile classroom, each tried against real server processes
(memory and Redis stores), each refused with the room intact. docs/security.md
lists them with what each test measured."""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode

from tests.support.wsclient import Client

from .procs import Launch, host, http, join, new_room, rss_mib

SECURITY_HEADER = "content-security-policy"


async def _room_is_intact(server: Any, room: dict[str, Any], watcher: Client) -> None:
    """The host's lobby still updates, a host can reattach, and both reports answer 200."""
    late = await join(server, room["code"], f"Late{secrets.token_hex(2)}")
    assert late.frames[0]["type"] == "welcome"
    await watcher.wait_for(lambda m: m.get("type") == "lobby" and any(
        p["nickname"] == late.name for p in m["players"]))
    again = await host(server, room)
    await again.close()
    for path in ("results", "results.csv"):
        status, _, body = http(f"{server.url}/api/rooms/{room['code']}/{path}",
                               headers={"Authorization": f"Bearer {room['host_token']}"})
        assert status == 200, body
    await late.close()


async def test_a_string_that_is_not_valid_text_never_enters(launch: Launch) -> None:
    server = launch()
    room = new_room(server)
    teacher = await host(server, room)
    evil = await join(server, room["code"], "Evil\ud800")  # json.dumps writes the \ud800 escape
    assert evil.frames[0]["code"] == "bad_message"
    assert await evil.wait_closed() == 4400
    # A surrogate in a token, a key, a text answer: refused, nothing changes.
    ana = await join(server, room["code"], "Ana")
    await teacher.send({"type": "start"})
    await ana.wait_type("question")
    await ana.send({"type": "answer", "index": 0, "answer": "blue\udfff"})
    assert (await ana.wait_type("error"))["code"] == "bad_message"
    await ana.send({"type": "ping", "t": 1, "\ud800": 1})
    assert (await ana.wait_for(lambda m: m.get("type") == "error", start=len(ana.frames) - 1))["code"] == "bad_message"
    await ana.send({"type": "answer", "index": 0, "answer": "=HYPERLINK(\"http://x\")"})
    await ana.wait_type("answer_ack")
    stranger = await Client("x").open(server.ws_url, room["code"], {"type": "resume", "token": "\udc00" * 8})
    assert (await stranger.wait_type("error"))["code"] == "bad_message"
    await _room_is_intact(server, room, teacher)
    _, _, csv = http(f"{server.url}/api/rooms/{room['code']}/results.csv",
                          headers={"Authorization": f"Bearer {room['host_token']}"})
    assert "'=HYPERLINK" in csv.decode()  # neutralised, not run by a spreadsheet
    for client in (teacher, ana):
        await client.close()
    assert "Traceback" not in server.log()


async def test_a_value_that_breaks_a_handler_gets_an_error_frame_not_a_close(launch: Launch) -> None:
    server = launch()
    room = new_room(server)
    teacher = await host(server, room)
    ana = await join(server, room["code"], "Ana")
    for _ in range(30):
        await ana.ws.send('{"type":"ping","t":1e309}')  # type: ignore[union-attr]
    await ana.send({"type": "ping", "t": 7})
    pong = await ana.wait_for(lambda m: m.get("type") == "pong")
    assert pong["t"] == 7
    errors = [m for m in ana.frames if m.get("type") == "error"]
    assert len(errors) == 30 and {m["code"] for m in errors} == {"bad_message"}
    assert ana.close_code is None
    await _room_is_intact(server, room, teacher)
    assert "Traceback" not in server.log()
    await ana.close()
    await teacher.close()


def test_bodies_that_break_the_parser_are_422_with_the_security_headers(launch: Launch) -> None:
    server = launch()
    for body in (b"[" * 100_000, b'{"deck": "\\ud800"}', b'{"deck": 1e999}'):
        status, headers, answer = http(f"{server.url}/api/rooms", "POST", body, {"Content-Type": "application/json"})
        assert status == 422, answer
        assert json.loads(answer)["error"] == "bad_body"
        assert SECURITY_HEADER in headers
    # Every other error answer carries them too.
    for path, method in (("/api/nothing", "GET"), ("/api/rooms", "GET"), ("/nothing", "GET")):
        status, headers, _ = http(f"{server.url}{path}", method)
        assert status in (404, 405) and SECURITY_HEADER in headers, (path, status)
    assert "Traceback" not in server.log()
    new_room(server)  # still serving


async def test_past_its_budget_an_address_learns_nothing_about_any_code(launch: Launch) -> None:
    server = launch()
    room = new_room(server)
    code = room["code"]
    started = time.monotonic()

    def guess(i: int) -> tuple[int, dict[str, str]]:
        status, headers, _ = http(f"{server.url}/api/rooms/{100000 + (int(code) + 1 + i) % 900000}")
        return status, headers

    with ThreadPoolExecutor(50) as pool:  # in parallel: the slowdown of a miss does not hold the next one back
        answers = list(pool.map(guess, range(200)))
    elapsed = time.monotonic() - started
    answered = sum(1 for status, _ in answers if status == 404)
    refused = [headers for status, headers in answers if status == 429]
    # The default budget: 60 wrong codes a minute from one address, then refusals, at once.
    assert answered == 60 and len(refused) == 140, (answered, len(refused), elapsed)
    assert all(SECURITY_HEADER in h and int(h["retry-after"]) >= 1 for h in refused)
    # Now the live code is refused exactly like a dead one, on every route that would tell.
    for path in ("", "/qr.svg", "/results", "/results.csv"):
        status, _, _ = http(f"{server.url}/api/rooms/{code}{path}",
                            headers={"Authorization": f"Bearer {room['host_token']}"})
        assert status == 429, path
    async with connect(f"{server.ws_url}/ws/{code}") as ws:  # refused before it says anything
        assert json.loads(await ws.recv())["code"] == "rate_limited"
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 1008
    print(f"measured: {answered} answered guesses then {len(refused)} refused, in {elapsed:.1f} s")


def _stuck_host(port: int, code: str, token: str) -> socket.socket:
    """A host socket that attaches, then never reads again (a tiny receive window)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(
        f"GET /ws/{code} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    s.sendall(Frame(Opcode.TEXT, json.dumps({"type": "host", "token": token}).encode()).serialize(
        mask=True, extensions=[]))
    return s


async def _fill(server: Any, code: str, players: int) -> None:
    """`players` players join (and leave: they stay in the lobby as away)."""
    async def one(n: int) -> None:
        async with connect(f"{server.ws_url}/ws/{code}") as ws:
            await ws.send(json.dumps({"type": "join", "nickname": f"Player number {n:06d}"}))
            assert json.loads(await ws.recv())["type"] == "welcome"

    for start in range(0, players, 50):
        await asyncio.gather(*(one(n) for n in range(start, min(players, start + 50))))


async def test_hosts_that_never_read_cannot_grow_the_server(launch: Launch) -> None:
    server = launch(THAW_ROOM_JOINS_PER_MINUTE="100000")
    room = new_room(server)
    await _fill(server, room["code"], 1000)
    teacher = await host(server, room)
    stuck = [_stuck_host(server.port, room["code"], room["host_token"]) for _ in range(7)]
    # Eight host screens is the cap: a ninth is refused.
    extra = await Client("extra").open(server.ws_url, room["code"], {"type": "host", "token": room["host_token"]})
    assert (await extra.wait_type("error"))["code"] == "too_many_hosts"
    assert await extra.wait_closed() == 4403
    lobby = await teacher.wait_type("lobby")
    frame_kib = len(json.dumps(lobby)) / 1024
    await asyncio.sleep(1)
    before = rss_mib(server)
    peak = before
    locked = False
    toggles = 0
    deadline = time.monotonic() + 12
    while time.monotonic() < deadline:  # every toggle is a lobby frame of every host (coalesced to ~7 a second)
        locked = not locked
        await teacher.send({"type": "lock", "locked": locked})
        toggles += 1
        await asyncio.sleep(0.07)
        peak = max(peak, rss_mib(server))
    sent_mib = 7 * (12 / 0.15) * frame_kib / 1024  # what the stuck hosts were sent, at most
    growth = peak - before
    print(f"measured: lobby frame {frame_kib:.0f} KiB, {toggles} toggles, up to {sent_mib:.0f} MiB sent to "
          f"stuck hosts, server {before:.0f} -> peak {peak:.0f} MiB (+{growth:.1f})")
    assert growth < 16, growth
    assert server.log().count("is too slow; closing it") == 7  # each stuck host, once its outbox passed 1 MiB
    # The reading host kept up and the room still works.
    await teacher.send({"type": "lock", "locked": False})
    await teacher.wait_for(lambda m: m.get("type") == "lobby" and m["locked"] is False, start=len(teacher.frames))
    await _room_is_intact(server, room, teacher)
    for s in stuck:
        s.close()
    await teacher.close()
