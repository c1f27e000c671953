"""The hub: a socket that stops reading is cut off, and the rest of the room is not slowed."""

from __future__ import annotations

import asyncio
import itertools
import json

from thaw.bus.envelope import Envelope
from thaw.bus.memory import MemoryBus
from thaw.bus.throttle import PROGRESS_FRAME_MS as PROGRESS_INTERVAL_MS
from thaw.transport.hub import CLOSE_OVERFLOW, Conn, Hub


class Fast:
    def __init__(self) -> None:
        self.frames: list[str] = []
        self.closed: int | None = None

    async def send_text(self, data: str) -> None:
        self.frames.append(data)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed = code


class Stuck(Fast):
    """A phone that stopped reading: its first write never completes."""

    async def send_text(self, data: str) -> None:
        await asyncio.Event().wait()


async def _nothing(code: str) -> str | None:
    return None


async def _no_resync(conn: Conn) -> tuple[list[str], int]:
    return [], 0


def _hub(bus: MemoryBus) -> Hub:
    return Hub(bus, resync=_no_resync, lobby_frame=_nothing)


async def test_a_stuck_socket_overflows_and_is_closed_without_slowing_the_room() -> None:
    bus = MemoryBus()
    hub = _hub(bus)
    stuck_socket, fast_socket = Stuck(), Fast()
    stuck = Conn(stuck_socket, "123456", "player", "p1", outbox_limit=16)
    fast = Conn(fast_socket, "123456", "player", "p2", outbox_limit=16)
    for conn in (stuck, fast):
        hub.add(conn)
        hub.synced(conn, [], 0)
    for seq in range(1, 41):
        bus.deliver("123456", Envelope(frames=[f'{{"type":"question","index":{seq}}}'], seq=seq))
        await asyncio.sleep(0)  # the fast socket's writer keeps up; the stuck one cannot
    await asyncio.sleep(0.01)
    assert len(fast_socket.frames) == 40 and fast.closed is False
    assert stuck.closed is True and len(stuck.outbox) <= 2
    assert any(getattr(item, "code", None) == CLOSE_OVERFLOW for item in stuck.outbox)
    started = asyncio.get_running_loop().time()
    await hub.close()
    assert asyncio.get_running_loop().time() - started < 3  # a stuck writer is cancelled, not awaited forever


async def test_the_same_frame_object_goes_to_every_socket() -> None:
    bus = MemoryBus()
    hub = _hub(bus)
    sockets = [Fast() for _ in range(5)]
    for i, socket in enumerate(sockets):
        conn = Conn(socket, "222222", "player", f"p{i}")
        hub.add(conn)
        hub.synced(conn, [], 0)
    frame = '{"type":"reveal","index":0}'
    bus.deliver("222222", Envelope(frames=[frame], personal={"p3": ['{"type":"result"}']}, seq=1))
    await asyncio.sleep(0.01)
    assert all(s.frames[0] is frame for s in sockets)  # serialised once, shared
    assert [len(s.frames) for s in sockets] == [1, 1, 1, 2, 1]
    bus.deliver("222222", Envelope(frames=[frame], seq=1))  # an event already seen is not sent twice
    await asyncio.sleep(0.01)
    assert [len(s.frames) for s in sockets] == [1, 1, 1, 2, 1]
    await hub.close()


async def test_answer_counts_reach_a_host_at_once_then_at_most_once_per_interval() -> None:
    """The first count after a quiet spell goes at once; a burst is coalesced to its last count."""
    bus = MemoryBus()
    hub = _hub(bus)
    socket = Fast()
    host = Conn(socket, "123456", "host", outbox_limit=16)
    hub.add(host)
    hub.synced(host, [], 0)
    loop = asyncio.get_running_loop()
    seen: list[tuple[float, str]] = []
    started = loop.time()
    for answered in range(1, 31):  # 30 answers over about 0.6 s
        bus.deliver("123456", Envelope(progress=(0, answered, 30)))
        await asyncio.sleep(0.02)
        seen += [(loop.time() - started, f) for f in socket.frames[len(seen):]]
    await asyncio.sleep(PROGRESS_INTERVAL_MS / 1000 + 0.05)
    seen += [(loop.time() - started, f) for f in socket.frames[len(seen):]]
    counts = [json.loads(f)["answered"] for _, f in seen]
    assert counts[0] == 1 and seen[0][0] < 0.05  # at once
    assert counts[-1] == 30 and counts == sorted(counts)  # the last count always arrives
    assert 3 <= len(counts) <= 6  # coalesced: not one frame per answer
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(seen)]
    assert all(gap >= PROGRESS_INTERVAL_MS / 1000 - 0.03 for gap in gaps), gaps
    await hub.close()


class Slow(Fast):
    """Each write takes a moment, so a burst queues up behind the first."""

    async def send_text(self, data: str) -> None:
        await asyncio.sleep(0.005)
        self.frames.append(data)


async def test_a_writer_task_runs_only_while_something_is_queued() -> None:
    """Idle sockets hold no task; frames queued after the writer ended start another, in order."""
    bus = MemoryBus()
    hub = _hub(bus)
    socket = Slow()
    conn = Conn(socket, "123456", "player", "p1", outbox_limit=16)
    tasks_before = len(asyncio.all_tasks())
    hub.add(conn)
    hub.synced(conn, [], 0)
    assert len(asyncio.all_tasks()) == tasks_before  # an attached, idle socket holds no task
    for i in range(3):
        conn.send(f"a{i}")
    assert len(asyncio.all_tasks()) == tasks_before + 1  # one writer for the burst
    await asyncio.sleep(0.1)
    assert socket.frames == ["a0", "a1", "a2"]
    assert len(asyncio.all_tasks()) == tasks_before and not conn.outbox  # it ended with the outbox empty
    conn.send("b0")
    await asyncio.sleep(0)
    conn.send("b1")  # while the new writer is in its first write
    await asyncio.sleep(0.1)
    assert socket.frames == ["a0", "a1", "a2", "b0", "b1"]
    conn.close(4000, "bye")
    await hub.remove(conn)
    assert socket.closed == 4000
    conn.send("late")  # after close: dropped, and no writer comes back
    assert len(asyncio.all_tasks()) == tasks_before and socket.frames[-1] == "b1"


def test_socket_ids_differ_between_a_process_and_its_forked_child() -> None:
    import os
    import warnings

    from thaw.transport import hub

    parent = hub._prefix
    read, write = os.pipe()
    with warnings.catch_warnings():  # Python 3.12+ warns when a process with threads forks
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: report its prefix and leave at once
        os.write(write, hub._prefix.encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child and child != parent
