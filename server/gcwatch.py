"""Watch the garbage collector: a full collection over 9,000 sockets' objects can
stall the event loop for most of a second, so pauses are measured and logged.

`tune()` moves everything alive after start-up out of the collector's sight
(`gc.freeze`) and makes young-generation collections rarer; `GcWatch` records
every pause and logs the long ones.
"""

from __future__ import annotations

import gc
import logging
import time
from typing import Any

log = logging.getLogger("thaw.gc")


class GcWatch:
    def __init__(self, warn_ms: float = 50.0, recollect_after: int = 200_000) -> None:
        self.warn_ms = warn_ms
        self.recollect_after = recollect_after  # frozen objects gained before an idle full collection
        self.longest_ms = 0.0
        self.collections = [0, 0, 0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause = (time.perf_counter() - self._started) * 1000
        generation = int(info.get("generation", 0))
        self.collections[generation] += 1
        self.longest_ms = max(self.longest_ms, pause)
        if pause >= self.warn_ms:
            log.warning("gc generation %d paused the loop %.0f ms (%d collected)", generation, pause,
                        info.get("collected", 0))

    @staticmethod
    def tune(full_every: int = 1000) -> None:
        """Freeze what start-up built, and make full collections rare: objects that
        survive long enough to reach the oldest generation are frozen each second
        anyway, and cycles among them are collected when the process is idle."""
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, full_every)
        gc.freeze()

    async def keep_frozen(self, every_s: float, idle: Any) -> None:
        """Every `every_s`, hide the surviving objects from the collector (`gc.freeze`):
        sockets live for a whole lesson, and rescanning them all is what stalls.
        Objects frozen while alive are still freed by reference counting when
        dropped; cycles among them wait for an idle moment (`idle()` true: no
        sockets here), when everything is unfrozen and collected once."""
        import asyncio

        baseline = gc.get_freeze_count()
        while True:
            await asyncio.sleep(every_s)
            if idle() and gc.get_freeze_count() > baseline + self.recollect_after:
                gc.unfreeze()
                gc.collect()
                gc.freeze()
                baseline = gc.get_freeze_count()
            else:
                gc.freeze()

    def install(self) -> None:
        if self not in gc.callbacks:
            gc.callbacks.append(self)

    def remove(self) -> None:
        if self in gc.callbacks:
            gc.callbacks.remove(self)
