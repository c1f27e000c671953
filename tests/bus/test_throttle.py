"""The answer-count throttle: at once after quiet, then at most one flush per interval, the last never lost."""

from __future__ import annotations

import asyncio

from thaw.bus.throttle import Throttle

INTERVAL_MS = 60


def _recorder() -> tuple[Throttle, list[tuple[str, float]]]:
    loop = asyncio.get_running_loop()
    flushed: list[tuple[str, float]] = []
    throttle = Throttle(INTERVAL_MS, lambda key: flushed.append((key, loop.time())))
    return throttle, flushed


async def test_after_a_quiet_interval_a_change_goes_at_once_and_a_burst_goes_once_at_its_end() -> None:
    throttle, flushed = _recorder()
    started = asyncio.get_running_loop().time()
    throttle.offer("room")
    assert [key for key, _ in flushed] == ["room"]  # at once
    for _ in range(50):
        throttle.offer("room")
    assert len(flushed) == 1
    await asyncio.sleep(INTERVAL_MS / 1000 * 1.5)
    assert len(flushed) == 2  # the burst, once
    assert flushed[1][1] - started >= INTERVAL_MS / 1000 * 0.9
    await asyncio.sleep(INTERVAL_MS / 1000 * 2.5)
    assert len(flushed) == 2  # nothing more came: nothing more goes
    throttle.offer("room")
    assert len(flushed) == 3  # quiet again: at once
    throttle.close()


async def test_keys_are_throttled_apart_and_hold_nothing_once_quiet() -> None:
    throttle, flushed = _recorder()
    throttle.offer("a")
    throttle.offer("b")
    assert [key for key, _ in flushed] == ["a", "b"]
    await asyncio.sleep(INTERVAL_MS / 1000 * 1.5)
    assert not throttle._open  # no state for a quiet key
    throttle.close()


async def test_deferred_changes_go_only_at_the_intervals_end() -> None:
    """The leading edge was decided elsewhere (inside Redis): only the trailing one is ours."""
    throttle, flushed = _recorder()
    throttle.defer("room")
    throttle.defer("room")
    assert flushed == []
    await asyncio.sleep(INTERVAL_MS / 1000 * 1.5)
    assert [key for key, _ in flushed] == ["room"]
    throttle.close()


async def test_flush_now_sends_what_waits_and_nothing_when_nothing_waits() -> None:
    throttle, flushed = _recorder()
    throttle.flush_now("room")
    assert flushed == []
    throttle.offer("room")
    throttle.offer("room")
    throttle.flush_now("room")  # the phase changes: the waiting count goes first
    assert len(flushed) == 2
    await asyncio.sleep(INTERVAL_MS / 1000 * 1.5)
    assert len(flushed) == 2  # and does not go again
    throttle.close()


async def test_forget_and_close_drop_what_waits() -> None:
    throttle, flushed = _recorder()
    throttle.offer("a")
    throttle.offer("a")
    throttle.defer("b")
    throttle.forget("a")
    throttle.close()
    await asyncio.sleep(INTERVAL_MS / 1000 * 1.5)
    assert [key for key, _ in flushed] == ["a"]
