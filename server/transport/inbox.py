"""A socket's incoming messages, each handled at once when nothing is ahead of it.

Through ASGI a message crosses uvicorn's queue, wakes the endpoint's task and
climbs back down Starlette's stack of middleware coroutines before any of our
code runs; in a district game that was about 5 % of the server's CPU. For the
sockets whose frames the fast path (`internals.py`) reads itself, each text message goes
to an `Inbox` instead, from inside the read callback:

- With nothing in flight, the handler starts there and then, and a handler
  that never has to wait finishes before the callback returns (as Python
  3.12's eager tasks would). That is the case behind the memory store, the
  only one the wiring asks for an inbox with (`Runtime.inline_messages`): code
  that needs to be inside a task (redis-py's timeouts) cannot start in a
  callback.
- A handler that does wait is carried on by a task, and messages that arrive
  meanwhile wait their turn: order per socket is kept. From `BACKLOG` waiting
  messages on, the socket stops reading, as uvicorn does with its queue.

Subclasses say what handling is (`handle`, `failed`) and how to stop and
restart reading (`pause`, `resume`). One object per socket, with no container
until a message has to wait: 9,000 idle sockets must stay small.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Coroutine
from typing import Any

from .internals import BACKLOG, unblock

__all__ = ["BACKLOG", "Inbox"]


class Inbox(ABC):
    __slots__ = ("_backlog", "_task", "paused")

    def __init__(self) -> None:
        self._backlog: deque[str] | None = None
        self._task: asyncio.Task[None] | None = None
        self.paused = False

    # -- what a subclass provides -------------------------------------------------

    @abstractmethod
    def handle(self, text: str) -> Coroutine[Any, Any, None]: ...

    @abstractmethod
    def failed(self, exc: Exception) -> None:
        """`handle` raised: the subclass reports it and closes the socket."""

    @abstractmethod
    def pause(self) -> None: ...

    @abstractmethod
    def resume(self) -> None: ...

    # -- use ----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._task is not None

    def put(self, text: str) -> None:
        if self._task is not None:
            backlog = self._backlog
            if backlog is None:
                backlog = self._backlog = deque()
            backlog.append(text)
            if len(backlog) >= BACKLOG:
                self.paused = True
                self.pause()
            return
        coro = self.handle(text)
        try:
            blocker = coro.send(None)
        except StopIteration:
            return
        except Exception as exc:
            self.failed(exc)
            return
        task = self._task = asyncio.get_running_loop().create_task(self._carry_on(coro, blocker))
        task.add_done_callback(lambda _: self._never_ran(task, coro, blocker))

    async def idle(self) -> None:
        """Until nothing is in flight or waiting."""
        while (task := self._task) is not None:
            await asyncio.wait((task,))

    def cancel(self) -> None:
        """Stop what is in flight and drop what waits (the socket is gone)."""
        self._backlog = None
        if self._task is not None:
            self._task.cancel()

    async def _carry_on(self, coro: Coroutine[Any, Any, None], blocker: Any) -> None:
        try:
            await _finish(coro, blocker)
            while self._backlog:
                text = self._backlog.popleft()
                if self.paused and not self._backlog:
                    self.paused = False
                    self.resume()
                await self.handle(text)
        except Exception as exc:
            self._backlog = None
            self.failed(exc)
        finally:
            self._done()  # here, not in a done callback: a message read before that runs would be stranded

    def _never_ran(self, task: asyncio.Task[None], coro: Coroutine[Any, Any, None], blocker: Any) -> None:
        """Cancelled before its first step, `_carry_on` never ran, nor its `finally`."""
        if self._task is not task:
            return
        if blocker is not None:
            blocker.cancel()
        # The handler still waits where `put` left it; it is told, as a task of its own would have been.
        with contextlib.suppress(BaseException):
            coro.throw(asyncio.CancelledError())
        coro.close()
        self._done()

    def _done(self) -> None:
        self._task = None
        if self.paused:
            self.paused = False
            self.resume()


async def _finish(coro: Coroutine[Any, Any, None], blocker: Any) -> None:
    """Run a started coroutine to its end, as the task it never had would have.

    It has just yielded `blocker`: a future it waits on, or None (a bare yield,
    as in `asyncio.sleep(0)`). The future's outcome reaches the coroutine when it
    is resumed (`Future.__await__` reads it), so here it is only waited for.
    """
    while True:
        try:
            if blocker is None:
                await asyncio.sleep(0)
            else:
                unblock(blocker)
                await asyncio.wait((blocker,))
        except asyncio.CancelledError as exc:
            if blocker is not None:
                blocker.cancel()
            try:
                blocker = coro.throw(exc)
            except StopIteration:
                return
            continue
        try:
            blocker = coro.send(None)
        except StopIteration:
            return
