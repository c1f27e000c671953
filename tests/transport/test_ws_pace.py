"""Pace over the socket, on the server's clock frozen by the test: exact time left,
exact points with the pause left out and the added time in `T`, and the present
shown to a host or player who (re)attaches during a pause."""

from __future__ import annotations

import pytest

from .helpers import HOST_NOISE, FrozenClock, LiveServer, option

pytestmark = pytest.mark.asyncio(loop_scope="module")

START = 10_000_000  # FrozenClock's first reading


async def test_pause_add_time_resume_on_the_servers_clock(live: LiveServer, clock: FrozenClock) -> None:
    code, token = await live.create_room()  # kinds: question 0 has T = 60 s, P = 1000
    host = await live.host(code, token)
    ana = await live.join(code, "Ana")
    ben = await live.join(code, "Ben")
    await host.send({"type": "start"})
    for p in (ana, ben):
        await p.expect("question")

    clock.now = START + 1000
    await host.send({"type": "pause"})
    for peer in (host, ana, ben):
        frame = await peer.until("paused")
        assert frame == {"type": "paused", "index": 0, "time_left_ms": 59_000}

    clock.now = START + 31_000  # thirty seconds of pause
    await ana.send({"type": "answer", "index": 0, "answer": option(ana, "Paris")})
    assert (await ana.expect("error"))["code"] == "paused"
    # Someone reattaching now sees the stopped clock.
    again = await live.host(code, token, name="host2")
    shown = await again.until("question")
    assert shown["paused"] is True and shown["time_left_ms"] == 59_000 and shown["time_limit_ms"] == 60_000
    assert (await again.until("paused"))["time_left_ms"] == 59_000
    await ben.close()
    ben = await live.resume(code, ben.token, name="Ben again")
    assert (await ben.expect("question"))["paused"] is True
    assert (await ben.expect("paused"))["time_left_ms"] == 59_000

    await host.send({"type": "add_time", "ms": 10_000})
    for peer in (host, ana, ben):
        frame = await peer.until("time")
        assert frame == {"type": "time", "index": 0, "time_left_ms": 69_000, "time_limit_ms": 70_000}
    await host.send({"type": "add_time", "ms": 60_001})
    assert (await host.expect_error("bad_message", skip=HOST_NOISE))["code"] == "bad_message"

    clock.now = START + 41_000
    await host.send({"type": "resume"})
    for peer in (host, ana, ben):
        frame = await peer.until("resumed")
        assert frame == {"type": "resumed", "index": 0, "time_left_ms": 69_000}
    await host.send({"type": "resume"})
    await host.expect_error("wrong_phase", skip=HOST_NOISE)

    clock.now = START + 42_000  # 2 s of running clock: t = 2000, T = 70000
    await ana.send({"type": "answer", "index": 0, "answer": option(ana, "Paris")})
    await ana.expect("answer_ack")
    await host.send({"type": "close"})
    await ana.expect("reveal")
    result = await ana.expect("result")
    assert result["points"] == 986  # round_half_up(1000 * (1 - 2000 / 70000 / 2)) = 985.7…
    await host.until("reveal")
    await host.send({"type": "pause"})
    await host.expect_error("wrong_phase", skip=HOST_NOISE)
    await host.send({"type": "add_time", "ms": 1000})
    await host.expect_error("wrong_phase", skip=HOST_NOISE)
