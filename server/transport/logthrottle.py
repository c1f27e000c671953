"""At most one log record per interval for a failure that a client can repeat at will.

A script that makes a handler fail on every message must not be able to fill the
server's log (and its disk) with one traceback per message: the first failure is
logged in full, later ones are counted and reported with the next record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class LogThrottle:
    """One record per `interval_s` seconds; the rest are counted, not written."""

    __slots__ = ("_clock", "_last", "_suppressed", "interval_s", "log")

    def __init__(self, log: logging.Logger, interval_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.log = log
        self.interval_s = interval_s
        self._clock = clock
        self._last = -1e18
        self._suppressed = 0

    def error(self, message: str, *args: object, exc: BaseException | None = None) -> bool:
        """Log `message` (with the traceback of `exc`) unless one was logged within the interval."""
        now = self._clock()
        if now - self._last < self.interval_s:
            self._suppressed += 1
            return False
        if self._suppressed:
            message += f" (and {self._suppressed} more like it since the last record)"
        self._last, self._suppressed = now, 0
        self.log.error(message, *args, exc_info=exc)
        return True
