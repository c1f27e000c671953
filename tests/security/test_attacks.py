"""The attacks of a hostile classroom, each tried against real server processes
(memory and Redis stores), each refused with the room intact. docs/security.md
lists them with what each test measured."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Frame, Opcode

from tests.support.wsclient import Client

from .procs import Launch, host, http, join, new_room, rss_mib

SECURITY_HEADER = "content-security-policy"


async def _room_is_intact(server: Any, room: dict[str, Any], watcher: Client, join_late: bool = True) -> None:
    """The host's lobby still updates (a late player joins), a host can reattach, and
    both reports answer 200."""
    if join_late:
        late = await join(server, room["code"], f"Late{secrets.token_hex(2)}")
        assert late.frames[0]["type"] == "welcome"
        await watcher.wait_for(lambda m: m.get("type") == "lobby" and any(
            p["nickname"] == late.name for p in m["players"]))
        await late.close()
    again = await host(server, room)
    await again.close()
    for path in ("results", "results.csv"):
        status, _, body = http(f"{server.url}/api/rooms/{room['code']}/{path}",
                               headers={"Authorization": f"Bearer {room['host_token']}"})
        assert status == 200, body


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
    def drain() -> None:
        """The budget refills at a steady rate: a slow machine may have earned misses back since."""
        while guess(0)[0] != 429:
            pass

    # A slow machine may also earn a miss back between the drain and the request; the
    # live code must then be refused on a later try, and never more than once answered.
    for path in ("", "/qr.svg", "/results", "/results.csv"):
        statuses = []
        for _ in range(5):
            drain()
            status, _, _ = http(f"{server.url}/api/rooms/{code}{path}",
                                headers={"Authorization": f"Bearer {room['host_token']}"})
            statuses.append(status)
            if status == 429:
                break
        assert statuses[-1] == 429 and len(statuses) <= 2, (path, statuses)
    for attempt in range(2):
        drain()
        async with connect(f"{server.ws_url}/ws/{code}") as ws:  # refused before it says anything
            try:
                first = json.loads(await asyncio.wait_for(ws.recv(), 5))
            except TimeoutError:  # let in: a miss was earned back since the drain
                assert attempt == 0, "the live code was let in twice past the budget"
                continue
            assert first["code"] == "rate_limited"
            with pytest.raises(ConnectionClosed):
                await ws.recv()
            assert ws.close_code == 1008
            break
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
    # The players' comings and goings end in lobby frames to every host; a stuck host
    # attached while they still flow would be closed for them before the cap is tried.
    for _ in range(30):
        seen = len(teacher.frames)
        await asyncio.sleep(1.0)
        if len(teacher.frames) == seen:
            break
    stuck = [_stuck_host(server.port, room["code"], room["host_token"]) for _ in range(7)]
    # Eight host screens is the cap: a ninth is refused, once the stuck ones' `host`
    # messages (sent without waiting for an answer) have been handled.
    for _ in range(50):
        extra = await Client("extra").open(server.ws_url, room["code"], {"type": "host", "token": room["host_token"]})
        first = await extra.wait_for(lambda m: m.get("type") in ("error", "host_welcome"))
        if first["type"] == "error":
            break
        await extra.close()  # a stuck host was not attached yet: its place is free again
        assert "is too slow; closing it" not in server.log(), "a stuck host was closed before the cap was tried"
        await asyncio.sleep(0.2)
    assert first["code"] == "too_many_hosts", first
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


def _open_files(server: Any) -> tuple[int, int]:
    for line in Path(f"/proc/{server.proc.pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return int(soft), int(hard)
    raise AssertionError("no open-file limit")


def test_half_open_requests_are_dropped_and_connections_per_address_capped(launch: Launch) -> None:
    # The header deadline and the cap live in Thaw's HTTP protocol (`internals.http_protocol`), which the
    # public-APIs-only path (THAW_FAST_PATH=off) does without: this test is of the path that has them.
    server = launch(THAW_HEADER_TIMEOUT="2", THAW_CONNECTIONS_PER_ADDRESS="300", THAW_FAST_PATH="auto")
    soft, hard = _open_files(server)
    assert soft == hard, (soft, hard)  # `thaw serve` raised its own limit
    room = new_room(server)
    half_open = []
    for _ in range(300):  # slowloris: a request line, one header, then nothing
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        half_open.append(s)
    time.sleep(0.3)
    # The 301st connection from this address is closed at once, before a byte is read.
    extra = socket.create_connection(("127.0.0.1", server.port))
    extra.settimeout(5)
    extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    with contextlib.suppress(ConnectionResetError):
        assert extra.recv(100) == b""
    extra.close()
    # Within the deadline (2 s here, 5 s by default) every half-open request is dropped...
    started = time.monotonic()
    for s in half_open:
        s.settimeout(10)
        with contextlib.suppress(ConnectionResetError):
            assert s.recv(100) == b""
        s.close()
    waited = time.monotonic() - started
    assert waited < 4, waited
    # ...and the server answers everyone again, the room intact.
    status, _, body = http(f"{server.url}/api/rooms/{room['code']}")
    assert status == 200 and json.loads(body)["phase"] == "lobby"
    print(f"measured: open-file limit {soft}; 300 half-open requests dropped {waited:.1f} s after the check began")


def test_forwarded_addresses_are_read_from_the_right(launch: Launch) -> None:
    server = launch("--proxy-headers", THAW_ROOMS_PER_MINUTE="3")
    # Routers append what they saw; whatever the client wrote on the left changes nothing.
    statuses = [
        http(f"{server.url}/api/rooms", "POST", json.dumps({"deck": "attack"}).encode(),
             {"Content-Type": "application/json", "X-Forwarded-For": f"10.9.{i}.1, 198.51.100.7"})[0]
        for i in range(6)
    ]
    assert statuses == [201, 201, 201, 429, 429, 429]
    # Another client behind the same proxy has a budget of its own.
    other = {"X-Forwarded-For": "198.51.100.8"}
    assert new_room(server, **other)["code"]

    listed = launch(THAW_TRUST_PROXY="true", THAW_TRUSTED_PROXIES="10.0.0.0/8", THAW_ROOMS_PER_MINUTE="3")
    # The test client (127.0.0.1) is not a listed proxy: its forwarding headers are ignored.
    statuses = [
        http(f"{listed.url}/api/rooms", "POST", json.dumps({"deck": "attack"}).encode(),
             {"Content-Type": "application/json", "X-Forwarded-For": f"198.51.100.{i}"})[0]
        for i in range(5)
    ]
    assert statuses == [201, 201, 201, 429, 429]


async def test_one_address_cannot_fill_a_room_and_the_host_removes_a_flood(launch: Launch) -> None:
    server = launch(THAW_ROOM_JOINS_PER_MINUTE="20")
    room = new_room(server)
    teacher = await host(server, room)
    # Refused joins (bad nicknames) do not spend the address's budget.
    for n in range(30):
        async with connect(f"{server.ws_url}/ws/{room['code']}") as ws:
            await ws.send(json.dumps({"type": "join", "nickname": "\u3164" if n % 2 else "x" * 30}))
            assert json.loads(await ws.recv())["code"] == "nickname_invalid"
    players = [await join(server, room["code"], f"Kid {n}") for n in range(25)]
    welcomed = [p for p in players if p.frames[0]["type"] == "welcome"]
    refused = [p for p in players if p.frames[0].get("code") == "rate_limited"]
    assert len(welcomed) == 20 and len(refused) == 5
    # Another room is not spent by this one.
    other = new_room(server)
    assert (await join(server, other["code"], "Elsewhere")).frames[0]["type"] == "welcome"
    # The host removes everyone from the fifth join on, in one command.
    await teacher.send({"type": "kick_since", "player_id": welcomed[4].player_id})
    lobby = await teacher.wait_for(lambda m: m.get("type") == "lobby" and m["count"] == 4)
    assert [p["nickname"] for p in lobby["players"]] == ["Kid 0", "Kid 1", "Kid 2", "Kid 3"]
    for kicked in welcomed[4:]:
        assert await kicked.wait_closed() == 4403
    assert welcomed[0].close_code is None
    await _room_is_intact(server, room, teacher, join_late=False)  # this address spent its budget for the room
    for p in welcomed[:4]:
        await p.close()
    await teacher.close()


async def test_nicknames_that_look_empty_or_alike_are_refused(launch: Launch) -> None:
    server = launch()
    room = new_room(server)
    teacher = await host(server, room)
    paul = await join(server, room["code"], "Paul")
    assert paul.frames[0]["type"] == "welcome"
    refused = {
        "\u3164": "nickname_invalid",  # Hangul filler
        "\uffa0\uffa0": "nickname_invalid",  # half-width Hangul filler
        "\u2800": "nickname_invalid",  # Braille blank
        "A\u034fB": "nickname_invalid",  # combining grapheme joiner (default-ignorable)
        "A\u180eB": "nickname_invalid",  # Mongolian vowel separator
        "Z" + "\u0334\u0335\u0336\u0337": "nickname_invalid",  # four marks stacked
        "\u0420aul": "nickname_taken",  # Cyrillic Р: "Paul" again
        "PAUL": "nickname_taken",
        "Pa\u03c5l": "nickname_taken",  # Greek upsilon
    }
    for name, error_code in refused.items():
        attempt = await join(server, room["code"], name)
        assert attempt.frames[0].get("code") == error_code, (name, attempt.frames[0])
    accepted = await join(server, room["code"], "Zoë 🎉")
    assert accepted.frames[0]["type"] == "welcome"
    await _room_is_intact(server, room, teacher)
    for c in (paul, accepted, teacher):
        await c.close()


async def test_sockets_from_another_site_are_refused_when_the_address_is_known(launch: Launch) -> None:
    server = launch(THAW_PUBLIC_URL="http://quiz.example.org")
    room = new_room(server)
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"{server.ws_url}/ws/{room['code']}", origin="http://evil.example"):  # type: ignore[arg-type]
            pass
    assert refused.value.response.status_code == 403
    for origin in ("http://quiz.example.org", None):  # the game's own pages; a script without a browser
        async with connect(f"{server.ws_url}/ws/{room['code']}", origin=origin) as ws:  # type: ignore[arg-type]
            await ws.send(json.dumps({"type": "host", "token": room["host_token"]}))
            assert json.loads(await ws.recv())["type"] == "host_welcome"


async def test_socket_accepts_are_not_logged_with_addresses(launch: Launch) -> None:
    server = launch()
    room = new_room(server)
    teacher = await host(server, room)
    await teacher.close()
    await asyncio.sleep(0.3)
    log = server.log()
    assert "[accepted]" not in log and "127.0.0.1:" not in log.replace(f"127.0.0.1:{server.port}", ""), log[-2000:]
