"""In-process fan-out: a dict of listeners per room."""

from __future__ import annotations

import logging

from .base import Listener, ResyncCallback
from .envelope import Envelope

log = logging.getLogger("thaw.bus")


class MemoryBus:
    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = {}
        self._resync: list[ResyncCallback] = []

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._listeners.clear()

    async def ping(self) -> bool:
        return True

    def subscribe(self, code: str, listener: Listener) -> None:
        self._listeners.setdefault(code, []).append(listener)

    def unsubscribe(self, code: str, listener: Listener) -> None:
        listeners = self._listeners.get(code)
        if listeners and listener in listeners:
            listeners.remove(listener)
            if not listeners:
                del self._listeners[code]

    def on_resync(self, callback: ResyncCallback) -> None:
        self._resync.append(callback)

    def deliver(self, code: str, envelope: Envelope) -> None:
        """Called by the memory store as part of each accepted change."""
        for listener in tuple(self._listeners.get(code, ())):
            try:
                listener(code, envelope)
            except Exception:  # a listener's fault must not undo a change already kept
                log.exception("listener of room %s failed", code)
