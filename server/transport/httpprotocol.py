"""uvicorn's HTTP protocol with two defences against slow and greedy clients.

- **A request's headers must arrive in time** (`header_timeout_s`, also the
  WebSocket handshake, which is an HTTP request until it is answered). uvicorn
  waits for them for ever: a thousand connections that each send half a request
  and stop (slowloris) held the server's file descriptors until it stopped
  answering anyone.
- **Connections per client address are capped** (`connections_per_address`),
  counted from the TCP connection until it closes, including after it became a
  WebSocket. A trusted proxy's address is not capped: every client comes through it.

`thaw serve` runs uvicorn with this class (`http=PROTOCOL`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import Counter
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..config import Settings, from_env
from .logthrottle import LogThrottle
from .netaddr import trusts_peer

PROTOCOL = "thaw.transport.httpprotocol:HttpProtocol"
"""What `thaw serve` passes to uvicorn as `http`."""

log = logging.getLogger("thaw.http")
_refusals = LogThrottle(log)

OPEN: Counter[str] = Counter()
"""Open connections per client address in this process."""


@functools.cache
def _settings() -> Settings:
    return from_env()  # `thaw serve` validated the same environment before starting uvicorn


class HttpProtocol(HttpToolsProtocol):
    """See the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._address: str | None = None  # counted in OPEN while set
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        settings = _settings()
        address = self.client[0] if self.client else "unknown"
        if not trusts_peer(address, settings):
            if OPEN[address] >= settings.limits.connections_per_address:
                _refusals.error("refused a connection: %d open from one address", OPEN[address])
                transport.abort()
                return
            OPEN[address] += 1
            self._address = address
        self._arm()

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(_settings().limits.header_timeout_s, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()  # nothing useful can be said to a client that is not sending

    def on_message_begin(self) -> None:
        self._arm()  # the next request on a kept-alive connection has its own deadline
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def _release(self) -> None:
        self._disarm()
        address, self._address = self._address, None
        if address is not None:
            OPEN[address] -= 1
            if OPEN[address] <= 0:
                del OPEN[address]

    def connection_lost(self, exc: Exception | None) -> None:
        self._release()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self) -> None:
        self._disarm()
        super().handle_websocket_upgrade()
        # The socket's protocol is now uvicorn's WebSocket one, whose connection_lost
        # ends the connection: the count is released there.
        ws = self.transport.get_protocol()
        if ws is not self and self._address is not None:
            lost = ws.connection_lost

            def release_then(exc: Exception | None) -> None:
                self._release()
                lost(exc)

            ws.connection_lost = release_then  # type: ignore[method-assign]
