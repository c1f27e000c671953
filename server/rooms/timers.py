"""Question deadlines: one owner per room, and a sweeper that covers for the dead.

The instance that opens a question takes the room's timer lease and sleeps until
the deadline (measured on the store's clock). Every instance also sweeps once a
second: an open question whose deadline passed more than `grace` ago is closed
by whoever gets the lease first, so a killed owner costs a few seconds at most.
Closing is a compare-and-set transition, so a double close is harmless.

The host may pause, resume or add time on any instance, which moves the deadline
under a waiting timer. So a timer's close is `Service.expire_question`: it closes
the question only if it is still open, running and due; the instance that took a
resume or added time waits for the new deadline (`question_opened` again), and a
paused question is not listed for the sweep until it resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from ..store.base import Store

log = logging.getLogger("thaw.timers")

Close = Callable[[str, int], Awaitable[None]]


class Timers:
    def __init__(
        self,
        store: Store,
        close: Close,
        owner: str,
        sweep_interval_s: float = 1.0,
        grace_ms: int = 1500,
    ) -> None:
        self.store = store
        self._close = close
        self.owner = owner
        self.sweep_interval_s = sweep_interval_s
        self.grace_ms = grace_ms
        self._waits: dict[str, asyncio.Task[None]] = {}
        self._sweeper: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="timer-sweeper")

    async def close(self) -> None:
        tasks = [*self._waits.values(), *([self._sweeper] if self._sweeper else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._waits.clear()

    def question_opened(self, code: str, index: int, deadline: int) -> None:
        """Called right after a transition opened question `index` of room `code`, or
        gave it a new deadline (resumed, time added): wait for that deadline instead."""
        old = self._waits.pop(code, None)
        if old is not None:
            old.cancel()
        self._waits[code] = asyncio.create_task(self._wait(code, index, deadline), name=f"timer-{code}")

    async def _wait(self, code: str, index: int, deadline: int) -> None:
        try:
            now = await self.store.clock.now()
            await self.store.lease.claim(code, self.owner, max(0, deadline - now) + 2_000)
            while True:
                left = deadline - await self.store.clock.now()
                if left <= 0:
                    break
                await asyncio.sleep(min(left, 5_000) / 1000)
            await self._close(code, index)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the sweeper (here or elsewhere) will close it
            log.warning("timer of room %s question %d: %s", code, index, exc)
        finally:
            if self._waits.get(code) is asyncio.current_task():
                del self._waits[code]

    async def sweep(self) -> int:
        """Close every question whose deadline passed `grace_ms` ago; how many closed."""
        closed = 0
        now = await self.store.clock.now()
        for code, index, deadline in await self.store.lease.open_deadlines():
            if now < deadline + self.grace_ms:
                continue
            if not await self.store.lease.claim(code, self.owner, 5_000):
                continue
            log.info("closing overdue question %d of room %s", index, code)
            await self._close(code, index)
            closed += 1
        return closed

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_interval_s)
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("timer sweep failed: %s", exc)
