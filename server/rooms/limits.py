"""Rate limits: a token bucket per connection, sliding counters per client address.

Per-address limits are per process (each instance counts what it sees); the
numbers and why they are what they are live in docs/security.md.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

Clock = Callable[[], float]


class TokenBucket:
    """`rate` tokens a second up to `burst`; one message costs one token."""

    __slots__ = ("_clock", "_last", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: int, clock: Clock = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._clock = clock
        self._last = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False


class WindowCounter:
    """Counts events per key over a sliding minute (two fixed windows, weighted).

    Bounded memory: at most `max_keys` addresses are tracked, the least recently
    seen forgotten first.
    """

    def __init__(self, per_minute: int, clock: Clock = time.monotonic, max_keys: int = 100_000) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._max_keys = max_keys
        self._counts: OrderedDict[str, tuple[int, int, int]] = OrderedDict()  # key -> (window, prev, cur)

    def _estimate(self, key: str, now: float) -> tuple[int, int, int, float]:
        window = int(now // 60)
        stored = self._counts.get(key)
        if stored is None:
            prev = cur = 0
        else:
            w, p, c = stored
            if w == window:
                prev, cur = p, c
            elif w == window - 1:
                prev, cur = c, 0
            else:
                prev = cur = 0
        elapsed = (now % 60) / 60
        return window, prev, cur, prev * (1 - elapsed) + cur

    def count(self, key: str) -> float:
        return self._estimate(key, self._clock())[3]

    def allows(self, key: str) -> bool:
        """Whether one more event would be within the limit (nothing is recorded)."""
        return self.count(key) + 1 <= self.per_minute

    def hit(self, key: str) -> bool:
        """Record one event; False (not recorded) if it would exceed the limit."""
        now = self._clock()
        window, prev, cur, estimate = self._estimate(key, now)
        if estimate + 1 > self.per_minute:
            return False
        self._counts[key] = (window, prev, cur + 1)
        self._counts.move_to_end(key)
        while len(self._counts) > self._max_keys:
            self._counts.popitem(last=False)
        return True

    def retry_after(self, key: str) -> int:
        """Seconds until one more event would be allowed (a whole number, at least 1)."""
        now = self._clock()
        return max(1, int(60 - now % 60) if self.count(key) >= self.per_minute else 1)


class AddressLimits:
    """The per-address limits of one process."""

    def __init__(self, joins_per_minute: int, rooms_per_minute: int, misses_before_slowdown: int,
                 misses_per_minute: int, clock: Clock = time.monotonic, room_joins_per_minute: int = 600) -> None:
        self.joins = WindowCounter(joins_per_minute, clock)
        self.room_joins = WindowCounter(room_joins_per_minute, clock)  # keyed by "address code"
        self.rooms = WindowCounter(rooms_per_minute, clock)
        self.misses = WindowCounter(misses_per_minute, clock)
        self.misses_before_slowdown = misses_before_slowdown

    def may_join(self, address: str, code: str) -> bool:
        """Whether a join is within both budgets; only a join that succeeds is counted
        (`joined`), so a script's refused joins do not spend a school's budget."""
        return self.joins.allows(address) and self.room_joins.allows(f"{address} {code}")

    def joined(self, address: str, code: str) -> None:
        self.joins.hit(address)
        self.room_joins.hit(f"{address} {code}")

    def guessing(self, address: str) -> bool:
        """Whether an address has spent its budget of wrong room codes.

        Checked before a room is looked up, on every route that tells whether a room
        exists: past the budget the answer is the same for a live code and a dead one.
        """
        return not self.misses.allows(address)

    def missed(self, address: str) -> float:
        """Count a wrong room code; the seconds to wait before answering it."""
        self.misses.hit(address)
        return self.miss_delay(address)

    def miss_delay(self, address: str) -> float:
        """Seconds to wait before answering `room_not_found`: 0 at first, growing after the slowdown threshold."""
        over = self.misses.count(address) - self.misses_before_slowdown
        return 0.0 if over <= 0 else min(2.0, 0.05 * over)
