"""How often a room's answer count moves: one rule for the store and the hub.

While a question is open every answer changes the count. Sending each would be
2,000 PUBLISHes read by every instance, and 2,000 frames to the projector, for
one question. So a count goes at once after a quiet interval, and counts that
arrive within the interval are sent once, at its end: the last count is never
lost and never late by more than one interval.

The Redis store applies it to PUBLISH (the leading edge is decided inside Redis,
across instances; this process publishes what was held back), and the hub to
the `answers` frames each host receives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

PROGRESS_PUBLISH_MS = 100
"""A room's answer count is published on the bus at most this often."""

PROGRESS_FRAME_MS = 200
"""A host gets at most one `answers` frame per room this often (the contract: one per 250 ms)."""


class _Window:
    __slots__ = ("handle", "pending")

    def __init__(self, handle: asyncio.TimerHandle, pending: bool) -> None:
        self.handle = handle
        self.pending = pending


class Throttle:
    """At most one `flush(key)` per key per interval; what arrives meanwhile goes once, at its end.

    A key holds state only while its interval runs, so thousands of rooms that
    went quiet cost nothing.
    """

    def __init__(self, interval_ms: int, flush: Callable[[str], None]) -> None:
        self.interval_s = interval_ms / 1000
        self._flush = flush
        self._open: dict[str, _Window] = {}

    def offer(self, key: str) -> None:
        """Something changed: flush now after a quiet interval, else at the interval's end."""
        window = self._open.get(key)
        if window is None:
            self._fire(key)
        else:
            window.pending = True

    def defer(self, key: str) -> None:
        """Something changed that was already sent elsewhere this interval: flush at its end."""
        window = self._open.get(key)
        if window is None:
            loop = asyncio.get_running_loop()
            self._open[key] = _Window(loop.call_later(self.interval_s, self._end, key), True)
        else:
            window.pending = True

    def flush_now(self, key: str) -> None:
        """Send what waits at once (the phase is about to change under it)."""
        window = self._open.get(key)
        if window is not None and window.pending:
            window.handle.cancel()
            self._fire(key)

    def forget(self, key: str) -> None:
        window = self._open.pop(key, None)
        if window is not None:
            window.handle.cancel()

    def close(self) -> None:
        for window in self._open.values():
            window.handle.cancel()
        self._open.clear()

    def _fire(self, key: str) -> None:
        loop = asyncio.get_running_loop()
        self._open[key] = _Window(loop.call_later(self.interval_s, self._end, key), False)
        self._flush(key)

    def _end(self, key: str) -> None:
        window = self._open.pop(key, None)
        if window is not None and window.pending:
            self._fire(key)
