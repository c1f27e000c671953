"""Two defences against slow and greedy clients, below the HTTP layer.

- **A request's headers must arrive in time** (`header_timeout_s`, also the
  WebSocket handshake, which is an HTTP request until it is answered). uvicorn
  waits for them for ever: a thousand connections that each send half a request
  and stop (slowloris) held the server's file descriptors until it stopped
  answering anyone.
- **Connections per client address are capped** (`connections_per_address`),
  counted from the TCP connection until it closes, including after it became a
  WebSocket. A trusted proxy's address is not capped: every client comes through it.

The rules live here, in plain Python; uvicorn's HTTP protocol reaches them
through Thaw's subclass of it in `internals.py` (the one module that touches
another library's private classes), which calls `Gate`'s methods from its hooks.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import Counter
from collections.abc import Callable

from .config import Settings, from_env
from .logthrottle import LogThrottle
from .netaddr import trusts_peer

log = logging.getLogger("thaw.http")
_refusals = LogThrottle(log)

OPEN: Counter[str] = Counter()
"""Open connections per client address in this process."""


@functools.cache
def settings() -> Settings:
    return from_env()  # `thaw serve` validated the same environment before starting uvicorn


class Gate:
    """One TCP connection's share of the two limits: its count, and its header deadline."""

    __slots__ = ("_address", "_deadline", "_loop", "_on_late")

    def __init__(self, loop: asyncio.AbstractEventLoop, on_late: Callable[[], None]) -> None:
        self._loop = loop
        self._on_late = on_late  # aborts the connection: nothing useful can be said to it
        self._address: str | None = None  # counted in OPEN while set
        self._deadline: asyncio.TimerHandle | None = None

    def admit(self, address: str) -> bool:
        """Count a new connection from `address`; False when that address is over its cap."""
        limits = settings()
        if not trusts_peer(address, limits):
            if OPEN[address] >= limits.limits.connections_per_address:
                _refusals.error("refused a connection: %d open from one address", OPEN[address])
                return False
            OPEN[address] += 1
            self._address = address
        self.arm()
        return True

    def arm(self) -> None:
        """A request begins: its headers have `header_timeout_s` to arrive."""
        if self._deadline is None:
            self._deadline = self._loop.call_later(settings().limits.header_timeout_s, self._late)

    def disarm(self) -> None:
        """The headers are in (or the connection is upgraded or gone)."""
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def counted(self) -> bool:
        return self._address is not None

    def release(self) -> None:
        """The connection closed: it no longer counts against its address."""
        self.disarm()
        address, self._address = self._address, None
        if address is not None:
            release(address)

    def hand_over(self) -> str | None:
        """The connection became a WebSocket: the address it counts against, now the
        WebSocket's to release. The gate lets go of everything, so nothing keeps the
        HTTP protocol (a few KiB per socket) alive after the upgrade."""
        self.disarm()
        address, self._address = self._address, None
        self._on_late = _nothing
        return address

    def _late(self) -> None:
        self._deadline = None
        self._on_late()


def release(address: str) -> None:
    """One connection from `address` closed."""
    OPEN[address] -= 1
    if OPEN[address] <= 0:
        del OPEN[address]


def _nothing() -> None:
    pass
