"""The Bus port: how a process hears the events of the rooms its sockets are in.

Stores publish (atomically with the change, see store/base.py); the bus delivers
to local listeners, in per-room sequence order, and says when delivery was
interrupted so that clients can be resynced.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from .envelope import Envelope

Listener = Callable[[str, Envelope], None]
"""Called with (room code, envelope) for each event of a subscribed room."""

ResyncCallback = Callable[[], Awaitable[None]]


class Bus(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def subscribe(self, code: str, listener: Listener) -> None: ...

    def unsubscribe(self, code: str, listener: Listener) -> None: ...

    def on_resync(self, callback: ResyncCallback) -> None:
        """Call `callback` after delivery was interrupted and restored (events may be lost)."""
        ...

    async def ping(self) -> bool: ...
