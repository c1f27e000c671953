"""Every error code of the contract that a client can provoke, and the close codes."""

from __future__ import annotations

import gc
import inspect
import json
from collections import Counter
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.frames import Frame, Opcode

from .helpers import HOST_NOISE, FrozenClock, LiveServer, Peer, make_settings, option, serve

pytestmark = pytest.mark.asyncio(loop_scope="module")

HOST_COMMANDS: list[dict[str, Any]] = [
    {"type": "start"},
    {"type": "next"},
    {"type": "close"},
    {"type": "kick", "player_id": "someone"},
    {"type": "lock", "locked": True},
    {"type": "end"},
]


async def _room(live: LiveServer, deck: str = "kinds", **options: Any) -> tuple[str, Peer]:
    code, token = await live.create_room(deck, **options)
    return code, await live.host(code, token)


# -- first message ------------------------------------------------------------------------


async def test_unknown_room_is_room_not_found_and_4404(live: LiveServer) -> None:
    code, _host = await _room(live)
    unknown = "999999" if code != "999999" else "999998"
    peer = await live.open(unknown)
    await peer.send({"type": "join", "nickname": "Ana"})
    frames = await peer.expect_close(4404)
    assert [f.get("code") for f in frames if f["type"] == "error"] == ["room_not_found"]


@pytest.mark.parametrize("path", ["abc", "012345", "12345", "1234567"])
async def test_malformed_room_code_is_room_not_found(live: LiveServer, path: str) -> None:
    peer = await live.open(path)
    await peer.send({"type": "host", "token": "x"})
    frames = await peer.expect_close(4404)
    assert frames and frames[0]["code"] == "room_not_found"


@pytest.mark.parametrize("path", ["/ws/123456/more", "/ws/", "/wss/123456", "/"])
async def test_a_websocket_on_any_other_path_is_refused_at_the_handshake(live: LiveServer, path: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"ws://127.0.0.1:{live.port}{path}", open_timeout=5)
    assert refused.value.response.status_code == 403


async def test_an_open_game_socket_holds_no_http_middleware(live: LiveServer) -> None:
    """The socket is routed ahead of the HTTP stack: none of its coroutines lives as long as a socket."""
    stack = ("ServerErrorMiddleware.__call__", "SecurityHeaders.__call__", "GZipMiddleware.__call__",
             "ExceptionMiddleware.__call__", "Router.__call__")

    def held() -> Counter[str]:
        gc.collect()
        return Counter(o.cr_code.co_qualname for o in gc.get_objects() if inspect.iscoroutine(o))

    code, _host = await _room(live)
    before = held()  # the lifespan runs through the stack for the app's whole life
    for name in ("Ana", "Ben", "Cat"):
        await live.join(code, name)
    after = held()
    assert after["endpoint"] >= before["endpoint"] + 3  # the game's sockets are open
    assert {name: after[name] for name in stack} == {name: before[name] for name in stack}


@pytest.mark.parametrize(
    "first",
    ["not json", "[1, 2]", '"join"', "{}", '{"type": 5}', '{"type": "answer", "index": 0, "answer": 1}',
     '{"type": "join", "nickname": 5}', '{"type": "resume"}', '{"type": "host", "token": 7}'],
)
async def test_a_bad_first_message_is_bad_message_and_4400(live: LiveServer, first: str) -> None:
    code, _host = await _room(live)
    peer = await live.open(code)
    await peer.send_raw(first)
    frames = await peer.expect_close(4400)
    assert [f["code"] for f in frames] == ["bad_message"]


async def test_a_binary_first_message_is_bad_message_and_4400(live: LiveServer) -> None:
    code, _host = await _room(live)
    peer = await live.open(code)
    await peer.send_raw(b'{"type":"join","nickname":"Ana"}')
    frames = await peer.expect_close(4400)
    assert [f["code"] for f in frames] == ["bad_message"]


async def test_an_unknown_first_type_is_refused_with_4400(live: LiveServer) -> None:
    code, _host = await _room(live)
    peer = await live.open(code)
    await peer.send({"type": "dance"})
    frames = await peer.expect_close(4400)
    assert frames[0]["code"] in ("unknown_type", "bad_message")


@pytest.mark.parametrize("nickname", ["", "   ", "x" * 21, "a\u0000b", "a\u200bb", "\u202eevil", "\n"])
async def test_an_invalid_nickname_is_nickname_invalid_and_4400(live: LiveServer, nickname: str) -> None:
    code, _host = await _room(live)
    peer = await live.open(code)
    await peer.send({"type": "join", "nickname": nickname})
    frames = await peer.expect_close(4400)
    assert [f["code"] for f in frames] == ["nickname_invalid"]


async def test_a_taken_nickname_ignoring_case_is_nickname_taken_and_4400(live: LiveServer) -> None:
    code, _host = await _room(live)
    await live.join(code, "Ana")
    for nickname in ("Ana", "ANA", " ana "):
        peer = await live.open(code)
        await peer.send({"type": "join", "nickname": nickname})
        frames = await peer.expect_close(4400)
        assert [f["code"] for f in frames] == ["nickname_taken"]


async def test_twenty_code_points_is_a_valid_nickname(live: LiveServer) -> None:
    code, _host = await _room(live)
    peer = await live.join(code, "é" * 20)
    assert peer.welcome["nickname"] == "é" * 20


async def test_a_locked_room_refuses_joins_but_not_resumes(live: LiveServer) -> None:
    code, host = await _room(live)
    ana = await live.join(code, "Ana")
    await host.send({"type": "lock", "locked": True})
    lobby = await host.until("lobby")
    while not lobby["locked"]:
        lobby = await host.until("lobby")
    peer = await live.open(code)
    await peer.send({"type": "join", "nickname": "Ben"})
    frames = await peer.expect_close(4403)
    assert [f["code"] for f in frames] == ["room_locked"]
    await ana.close()
    again = await live.resume(code, ana.token)
    assert again.welcome["player_id"] == ana.player_id
    await host.send({"type": "lock", "locked": False})
    await host.until("lobby")
    ben = await live.join(code, "Ben")
    assert ben.welcome["nickname"] == "Ben"


async def test_a_full_room_is_room_full_and_4403(live: LiveServer) -> None:
    code, _host = await _room(live, max_players=2)
    await live.join(code, "Ana")
    await live.join(code, "Ben")
    peer = await live.open(code)
    await peer.send({"type": "join", "nickname": "Cleo"})
    frames = await peer.expect_close(4403)
    assert [f["code"] for f in frames] == ["room_full"]


async def test_a_wrong_host_token_is_bad_token_and_4401(live: LiveServer) -> None:
    code, token = await live.create_room()
    _other, other_token = await live.create_room()
    for wrong in ("nope", other_token, token + "x", ""):
        peer = await live.open(code)
        await peer.send({"type": "host", "token": wrong})
        frames = await peer.expect_close(4401)
        assert [f["code"] for f in frames] == ["bad_token"]


async def test_a_wrong_player_token_is_bad_token_and_4401(live: LiveServer) -> None:
    code, token = await live.create_room()
    other, _t = await live.create_room()
    stranger = await live.join(other, "Zed")  # a real token, of another room
    for wrong in ("nope", token, stranger.token):
        peer = await live.open(code)
        await peer.send({"type": "resume", "token": wrong})
        frames = await peer.expect_close(4401)
        assert [f["code"] for f in frames] == ["bad_token"]


# -- later messages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["not json", "[]", "42", "null", '{"no": "type"}', '{"type": null}', '{"type": ["answer"]}',
     '{"type": "answer", "index": "0", "answer": 1}', '{"type": "answer", "index": true, "answer": 1}',
     '{"type": "answer", "answer": 1}', '{"type": "answer", "index": 0}',
     '{"type": "answer", "index": 0.5, "answer": 1}',
     '{"type": "join", "nickname": "Again"}', '{"type": "host", "token": "x"}'],
)
async def test_a_bad_later_message_is_bad_message_and_the_connection_stays(live: LiveServer, raw: str) -> None:
    code, _host = await _room(live)
    ana = await live.join(code, "Ana")
    await ana.send_raw(raw)
    await ana.expect_error("bad_message")
    await ana.ping()


@pytest.mark.parametrize(
    "raw",
    ['{"type": "kick"}', '{"type": "kick", "player_id": 5}', '{"type": "lock"}', '{"type": "lock", "locked": "yes"}',
     '{"type": "lock", "locked": 1}', "{]"],
)
async def test_a_bad_host_message_is_bad_message_and_the_connection_stays(live: LiveServer, raw: str) -> None:
    _code, host = await _room(live)
    await host.send_raw(raw)
    await host.expect_error("bad_message", skip=HOST_NOISE)
    await host.ping()


async def test_a_binary_frame_later_is_bad_message_and_the_connection_stays(live: LiveServer) -> None:
    code, _host = await _room(live)
    ana = await live.join(code, "Ana")
    await ana.send_raw(b'{"type":"ping"}')
    await ana.expect_error("bad_message")
    await ana.ping()


async def test_an_unknown_type_is_unknown_type_and_the_connection_stays(live: LiveServer) -> None:
    code, host = await _room(live)
    ana = await live.join(code, "Ana")
    await ana.send({"type": "dance", "style": "tango"})
    await ana.expect_error("unknown_type")
    await ana.ping()
    await host.send({"type": "fly"})
    await host.expect_error("unknown_type", skip=HOST_NOISE)
    await host.ping()


@pytest.mark.parametrize("command", HOST_COMMANDS, ids=[c["type"] for c in HOST_COMMANDS])
async def test_every_host_command_from_a_player_is_not_host(live: LiveServer, command: dict[str, Any]) -> None:
    code, _host = await _room(live)
    ana = await live.join(code, "Ana")
    await ana.send(command)
    await ana.expect_error("not_host")
    await ana.ping()
    info = (await live.http.get(f"/api/rooms/{code}")).json()
    assert info["phase"] == "lobby" and info["players"] == 1


async def test_not_host_in_every_phase(live: LiveServer) -> None:
    code, host = await _room(live)
    ana = await live.join(code, "Ana")
    await host.send({"type": "start"})
    await ana.expect("question")
    for command in HOST_COMMANDS:
        await ana.send(command)
        await ana.expect_error("not_host")
    assert (await live.http.get(f"/api/rooms/{code}")).json()["phase"] == "question"


async def test_an_answer_from_the_host_is_not_player(live: LiveServer) -> None:
    code, host = await _room(live)
    await live.join(code, "Ana")
    await host.send({"type": "start"})
    await host.until("question")
    await host.send({"type": "answer", "index": 0, "answer": 1})
    await host.expect_error("not_player", skip=HOST_NOISE)
    await host.ping()


async def test_kicking_an_unknown_player_is_unknown_player(live: LiveServer) -> None:
    code, host = await _room(live)
    await live.join(code, "Ana")
    await host.send({"type": "kick", "player_id": "nobody"})
    await host.expect_error("unknown_player", skip=HOST_NOISE)
    await host.ping()


async def test_wrong_phase(live: LiveServer) -> None:
    code, host = await _room(live)
    ana = await live.join(code, "Ana")
    await ana.send({"type": "answer", "index": 0, "answer": 1})
    await ana.expect_error("wrong_phase")
    await host.send({"type": "close"})
    await host.expect_error("wrong_phase", skip=HOST_NOISE)
    await host.send({"type": "start"})
    await ana.expect("question")
    await host.send({"type": "start"})
    await host.expect_error("wrong_phase", skip=(*HOST_NOISE, "question"))
    await host.send({"type": "close"})
    await ana.expect("reveal")
    await ana.expect("result")
    await ana.send({"type": "answer", "index": 0, "answer": 1})
    await ana.expect_error("wrong_phase")
    await host.send({"type": "end"})
    await ana.expect("finished")
    await ana.expect("standing")
    await host.send({"type": "end"})
    await host.expect_error("wrong_phase", skip=(*HOST_NOISE, "reveal", "finished"))
    await ana.ping()


async def test_wrong_question(live: LiveServer) -> None:
    code, host = await _room(live)
    ana = await live.join(code, "Ana")
    await host.send({"type": "start"})
    await ana.expect("question")
    for index in (1, -1, 6, 99):
        await ana.send({"type": "answer", "index": index, "answer": 1})
        await ana.expect_error("wrong_question")
    await ana.send({"type": "answer", "index": 0, "answer": 1})
    assert (await ana.expect("answer_ack"))["index"] == 0


async def test_already_answered_keeps_the_first_answer(live: LiveServer) -> None:
    code, host = await _room(live)
    ana = await live.join(code, "Ana")
    await live.join(code, "Ben")  # so that Ana's answer does not close the question
    await host.send({"type": "start"})
    await ana.expect("question")
    lyon, paris = option(ana, "Lyon"), option(ana, "Paris")
    await ana.send({"type": "answer", "index": 0, "answer": lyon})
    await ana.expect("answer_ack")
    await ana.send({"type": "answer", "index": 0, "answer": paris})
    await ana.expect_error("already_answered")
    await host.send({"type": "close"})
    reveal = await ana.expect("reveal")
    assert reveal["distribution"][str(lyon)] == 1 and reveal["distribution"][str(paris)] == 0
    assert (await ana.expect("result"))["correct"] is False


async def test_too_late_after_the_deadline(live: LiveServer, clock: FrozenClock) -> None:
    code, host = await _room(live, "fast")
    ana = await live.join(code, "Ana")
    await live.join(code, "Ben")
    await host.send({"type": "start"})
    q = await ana.expect("question")
    assert q["time_limit_ms"] == 5_000
    clock.advance(5_001)  # past the deadline, before the timer sweep's grace ends
    await ana.send({"type": "answer", "index": 0, "answer": 0})
    await ana.expect_error("too_late")
    await ana.ping()


async def test_an_answer_at_the_last_millisecond_counts(live: LiveServer, clock: FrozenClock) -> None:
    code, host = await _room(live, "fast")
    ana = await live.join(code, "Ana")
    await live.join(code, "Ben")
    await host.send({"type": "start"})
    await ana.expect("question")
    clock.advance(5_000)
    await ana.send({"type": "answer", "index": 0, "answer": 0})
    await ana.expect("answer_ack")


# Invalid answers per question of the `kinds` deck (0 choice, 1 multi, 2 true/false, 3 order, 4 number,
# 5 text, 6 poll, 7 multi).
INVALID: dict[int, list[Any]] = {
    0: [4, -1, 99, "1", 1.5, [1], None, {"id": 1}, True],
    1: [[1, 3], 7, "3"],
    2: [2, "true", True],
    3: [[0, 1, 2], [0, 1, 2, 3, 4], [0, 0, 1, 2], [0, 1, 2, 9], "0123", 0, None, [0, 1, 2, "3"]],
    4: [21, -1, "8", None, [8], 1e309, True],
    5: ["x" * 101, 5, None, ["azure"], {"text": "azure"}],
    6: [3, -1, "0", None],
    7: [[], 1, [0, 0], [0, 9], [-1], "0", [True], [0.0], None],
}


async def test_invalid_answers_of_every_kind_are_invalid_answer() -> None:
    async with serve(make_settings(message_burst=1000)) as live:
        code, host = await _room(live)
        ana = await live.join(code, "Ana")
        await host.send({"type": "start"})
        for index, values in INVALID.items():
            q = await ana.expect("question")
            assert q["index"] == index
            for value in values:
                await ana.send({"type": "answer", "index": index, "answer": value})
                frame = await ana.expect("error")
                assert frame["code"] in ("invalid_answer", "bad_message") if value == 1e309 else frame["code"] == (
                    "invalid_answer"
                ), (index, value, frame)
            await ana.ping()
            await host.send({"type": "close"})
            await ana.expect("reveal")
            result = await ana.expect("result")
            assert result["points"] == 0  # nothing invalid was recorded
            await host.send({"type": "next"})
            await ana.expect("scoreboard")
            await host.send({"type": "next"})


async def test_a_kicked_player_is_closed_with_4403_and_their_token_answers_kicked(live: LiveServer) -> None:
    code, host = await _room(live)
    ana = await live.join(code, "Ana")
    ben = await live.join(code, "Ben")
    await host.send({"type": "kick", "player_id": ben.player_id})
    frames = await ben.expect_close(4403)
    assert [f["code"] for f in frames if f["type"] == "error"] == ["kicked"]
    for _ in range(10):
        lobby = await host.until("lobby")
        if [p["nickname"] for p in lobby["players"]] == ["Ana"]:
            break
    assert [p["player_id"] for p in lobby["players"]] == [ana.player_id]
    again = await live.open(code)
    await again.send({"type": "resume", "token": ben.token})
    frames = await again.expect_close(4403)
    assert [f["code"] for f in frames] == ["kicked"]
    await host.send({"type": "kick", "player_id": ben.player_id})
    await host.expect_error("unknown_player", skip=HOST_NOISE)
    assert (await live.http.get(f"/api/rooms/{code}")).json()["players"] == 1
    # The name is free again.
    ben2 = await live.join(code, "Ben")
    assert ben2.player_id != ben.player_id
    await ana.ping()


async def test_kicked_players_leave_the_csv_and_the_counts(live: LiveServer) -> None:
    code, token = await live.create_room()
    host = await live.host(code, token)
    ana = await live.join(code, "Ana")
    ben = await live.join(code, "Ben")
    cleo = await live.join(code, "Cleo")
    await host.send({"type": "start"})
    for p in (ana, ben, cleo):
        await p.expect("question")
    await ana.send({"type": "answer", "index": 0, "answer": 1})
    await ana.expect("answer_ack")
    await cleo.send({"type": "answer", "index": 0, "answer": 1})
    await cleo.expect("answer_ack")
    # Kicking the last one who has not answered closes the question.
    await host.send({"type": "kick", "player_id": ben.player_id})
    await ben.expect_close(4403)
    reveal = await ana.expect("reveal")
    assert reveal["answered"] == 2
    result = await ana.expect("result")
    assert result["players"] == 2
    response = await live.http.get(f"/api/rooms/{code}/results.csv", headers={"Authorization": f"Bearer {token}"})
    names = [line.split(",")[1] for line in response.text.strip().splitlines()[1:]]
    assert names == ["Ana", "Cleo"]


async def test_a_frame_over_4096_bytes_closes_1009(live: LiveServer) -> None:
    code, _host = await _room(live)
    ana = await live.join(code, "Ana")
    await ana.send({"type": "ping", "pad": "x" * 4100})
    await ana.expect_close(1009)


async def test_a_multibyte_frame_over_4096_bytes_closes_1009(live: LiveServer) -> None:
    code, _host = await _room(live)
    ana = await live.join(code, "Ana")
    await ana.send_raw('{"type":"ping","pad":"' + "é" * 2100 + '"}')  # 2100 characters, 4200 bytes
    await ana.expect_close(1009)


async def test_a_frame_of_4096_bytes_is_fine(live: LiveServer) -> None:
    code, _host = await _room(live)
    ana = await live.join(code, "Ana")
    head = '{"type":"ping","pad":"'
    await ana.send_raw(head + "x" * (4096 - len(head) - 2) + '"}')
    await ana.expect("pong")


async def test_a_big_first_frame_closes_1009(live: LiveServer) -> None:
    code, _host = await _room(live)
    peer = await live.open(code)
    await peer.send({"type": "join", "nickname": "x" * 5000})
    await peer.expect_close(1009)


async def test_a_flood_closes_1008() -> None:
    async with serve(make_settings(messages_per_second=1.0, message_burst=5)) as live:
        code, _host = await _room(live)
        ana = await live.join(code, "Ana")
        for _ in range(20):
            await ana.send({"type": "ping"})
        frames = await ana.expect_close(1008)
        assert [f["type"] for f in frames].count("pong") <= 6
        assert frames[-1] == {**frames[-1], "type": "error", "code": "rate_limited"}


async def test_an_error_never_closes_the_connection(live: LiveServer) -> None:
    code, host = await _room(live)
    ana = await live.join(code, "Ana")
    for raw in ("nope", '{"type":"dance"}', '{"type":"start"}', '{"type":"answer","index":0,"answer":1}'):
        await ana.send_raw(raw)
        await ana.expect("error")
    await host.send({"type": "start"})
    await ana.expect("question")
    await ana.send({"type": "answer", "index": 0, "answer": 1})
    assert (await ana.expect("answer_ack"))["index"] == 0


async def test_a_socket_that_never_says_who_it_is_is_closed_after_the_timeout() -> None:
    async with serve(make_settings(first_message_timeout_s=0.3)) as live:
        code, _host = await _room(live)
        silent = await live.open(code, "silent")
        frames = await silent.expect_close(4400, timeout=3)
        said = "say who you are first: host, join or resume"
        assert frames == [{"type": "error", "code": "bad_message", "message": said}]
        # A socket that does say who it is in time is not affected.
        ana = await live.join(code, "Ana")
        await ana.send({"type": "ping", "t": 1})
        await ana.expect("pong")


async def test_messages_that_arrive_together_are_answered_in_order(live: LiveServer) -> None:
    """Several frames in one TCP segment: each handled in turn inside one read (server/inbox.py)."""
    code, _host = await _room(live)
    ana = await live.join(code, "Ana")
    frames = [{"type": "ping", "t": n} for n in range(8)]
    frames[3] = {"type": "dance"}  # an error in the middle changes nothing for the others
    data = b"".join(
        Frame(Opcode.TEXT, json.dumps(f).encode()).serialize(mask=True, extensions=[]) for f in frames
    )
    ana.ws.transport.write(data)  # one write: the server reads them in one go
    got = [await ana.recv() for _ in frames]
    assert [g.get("t", g.get("code")) for g in got] == [0, 1, 2, "unknown_type", 4, 5, 6, 7]


async def test_a_bug_while_handling_a_message_is_an_error_frame_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with serve() as live:
        code, host = await _room(live)
        ana = await live.join(code, "Ana")
        bea = await live.join(code, "Bea")

        async def broken(*_args: Any) -> Any:
            raise RuntimeError("a bug")

        live.runtime.service.reroll = broken  # type: ignore[method-assign,assignment]
        for _ in range(5):
            await ana.send({"type": "reroll"})
            assert (await ana.expect("error", skip=HOST_NOISE))["code"] == "internal_error"
        # The socket stays open, and five failures are one record with its traceback.
        await ana.send({"type": "ping", "t": 1})
        assert (await ana.expect("pong", skip=HOST_NOISE))["t"] == 1
        failed = [r for r in caplog.records if "failed" in r.getMessage() and r.exc_info]
        assert len(failed) <= 1
        # Everyone else carries on.
        await bea.send({"type": "ping", "t": 2})
        assert (await bea.expect("pong", skip=HOST_NOISE))["t"] == 2
        await host.send({"type": "start"})
        assert (await bea.until("question"))["index"] == 0
