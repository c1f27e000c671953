"""uvicorn serving the app: what `thaw serve` starts once the settings and decks are checked.

One process (the default) runs a `DrainingServer`: on SIGTERM it first tells every
client to reconnect (to another instance), then closes. With several workers
uvicorn's supervisor builds the app in each worker from `factory` and runs plain
servers there: clients still get a 1012 close on shutdown and reconnect, only
without the `reconnect` frame first.
"""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import uvicorn
from starlette.types import Receive, Scope, Send

from ..domain.model import MAX_FRAME_BYTES
from .config import Settings
from .internals import http_protocol, ws_protocol


class DrainableApp(Protocol):
    """An ASGI app that can tell its clients to reconnect elsewhere before its sockets close."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...

    async def drain(self) -> None: ...


class DrainingServer(uvicorn.Server):
    """On SIGTERM, first tell clients to reconnect (to another instance), then close."""

    def __init__(self, config: uvicorn.Config, drain: Callable[[], Awaitable[None]]) -> None:
        super().__init__(config)
        self._drain = drain

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await self._drain()
        await super().shutdown(sockets)


def serve(settings: Settings, *, factory: str, build: Callable[[], DrainableApp], host: str, port: int,
          compression: bool, log_level: str, access_log: bool, log_config: dict[str, Any] | None) -> None:
    """Serve until stopped. `build` makes this process's app; `factory` names it for uvicorn's workers."""
    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "workers": settings.workers,
        # Forwarding headers are read by the app (`netaddr.client_address`), right-most
        # first; uvicorn's own reading would hand it an address the client chose.
        "proxy_headers": False,
        "http": http_protocol(),  # header deadline and connections per address (internals.py)
        "ws": ws_protocol(),  # the fast path when the libraries' internals behave (internals.py)
        "ws_max_size": MAX_FRAME_BYTES,
        "ws_ping_interval": settings.ping_interval_s,
        "ws_ping_timeout": settings.ping_interval_s,
        "ws_per_message_deflate": compression,
        "timeout_graceful_shutdown": 20,
        "backlog": 4096,  # a join storm of thousands must queue, not be reset
        "log_level": log_level,
        "access_log": access_log,
    }
    if log_config is not None:
        options["log_config"] = log_config
    if settings.workers > 1:
        uvicorn.run(factory, **options)
        return
    apps: list[DrainableApp] = []  # the one this process serves, once uvicorn has built it

    def made() -> DrainableApp:
        apps.append(build())
        return apps[-1]

    async def drain() -> None:
        for app in apps:
            await app.drain()

    DrainingServer(uvicorn.Config(made, **options), drain).run()
