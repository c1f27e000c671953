"""Watch the garbage collector: a full collection over 9,000 sockets' objects can
stall the event loop for most of a second, so pauses are measured and logged.

`tune()` moves everything alive after start-up out of the collector's sight
(`gc.freeze`) and makes full collections rare; `keep_frozen` keeps it that way
and collects cycles at quiet moments; `GcWatch` records every pause and logs the
long ones.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("thaw.gc")


class GcWatch:
    def __init__(
        self,
        warn_ms: float = 50.0,
        recollect_after: int = 500_000,
        force_after: int = 8_000_000,
        heap_growth: float = 1.0,
    ) -> None:
        self.warn_ms = warn_ms
        self.heap_growth = heap_growth  # ... relative to the blocks left by the last full collection
        self.recollect_after = recollect_after  # memory blocks gained before a full collection at a quiet moment
        self.force_after = force_after  # ... and before one at any moment, once the heap has also doubled
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
    def tune(young: int = 10_000, full_every: int = 1000) -> None:
        """Freeze what start-up built, and make full collections rare: objects that
        survive are frozen each second anyway (see `keep_frozen`). Young collections
        come after `young` allocations instead of 700: most of a message's objects
        are gone by then and never scanned, and there are fewer pauses to record."""
        _, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, full_every)
        gc.freeze()

    async def keep_frozen(self, every_s: float, idle: Callable[[], bool]) -> None:
        """Every `every_s`, hide the surviving objects from the collector (`gc.freeze`):
        sockets live for a whole lesson, and rescanning them all is what stalls.

        Frozen objects are still freed by reference counting; only reference
        cycles wait (uvicorn leaves a few per closed connection, ~5 KiB). Growth
        is measured in allocated memory blocks (`sys.getallocatedblocks`, a
        fraction of a millisecond) and not with `gc.get_freeze_count`, which
        walks every frozen object: 45 ms per call at 3 M objects, a stall every
        second. Once `recollect_after` blocks were gained since the last full
        collection, one runs when the process is idle (no sockets); past
        `force_after` blocks and `heap_growth` times what the last one left, it runs anyway
        (one pause of about a second at district scale), so memory stays
        bounded under any churn of reconnects.
        """
        import asyncio

        baseline = sys.getallocatedblocks()
        while True:
            await asyncio.sleep(every_s)
            blocks = sys.getallocatedblocks()
            grown = blocks - baseline
            forced = grown > max(self.force_after, self.heap_growth * baseline)
            if forced or (grown > self.recollect_after and idle()):
                started = time.perf_counter()
                gc.unfreeze()
                collected = gc.collect()
                gc.freeze()
                baseline = sys.getallocatedblocks()
                (log.warning if forced else log.info)(
                    "full collection%s: %d memory blocks before, %d after, %d objects collected, %.0f ms",
                    " (forced)" if forced else "", blocks, baseline, collected, (time.perf_counter() - started) * 1000,
                )
            else:
                gc.freeze()

    def install(self) -> None:
        if self not in gc.callbacks:
            gc.callbacks.append(self)

    def remove(self) -> None:
        if self in gc.callbacks:
            gc.callbacks.remove(self)
