"""`create_app()`: the Starlette app, its resources opened and closed in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from . import logs
from .backends import open_backends
from .content import default_content_dir, load_decks
from .domain.model import Deck
from .rooms.limits import AddressLimits
from .rooms.service import Service
from .rooms.timers import Timers
from .shared.gcwatch import GcWatch
from .transport import acceptlog, wire
from .transport.config import Settings, from_env
from .transport.hub import Hub
from .transport.internals import fast_path
from .transport.runtime import Runtime
from .web import routes as web
from .web import translations

if TYPE_CHECKING:
    from .metrics import Metrics

log = logging.getLogger("thaw.app")

def load_content(settings: Settings) -> dict[str, Deck]:
    """Every deck of the content folder, validated; DeckError names each problem as file:line."""
    return load_decks([settings.content_dir or default_content_dir()])


class ThawApp(Starlette):
    """Starlette, with the game's socket routed ahead of the middleware stack.

    Every middleware here is for HTTP (security headers, gzip, error pages), and
    a socket stays inside the stack for its whole life: that cost about 5 KiB of
    coroutine frames per open socket and a tenth of a join's CPU
    (`docs/performance.md`). The route's own matching (`web.socket_route`) decides;
    any other WebSocket path goes through the stack as before and is refused there.
    """

    async def drain(self, flush_s: float = 0.3) -> None:
        """Tell every client of this app to reconnect elsewhere, before the sockets close."""
        runtime: Runtime | None = getattr(self.state, "runtime", None)
        if runtime is None:
            return
        runtime.draining = True
        runtime.hub.drain()
        await asyncio.sleep(flush_s)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            match, child_scope = web.socket_route.matches(scope)
            if match is Match.FULL:
                scope["app"] = self
                scope.update(child_scope)
                scope[wire.SCOPE_KEY] = send  # how `wire.raw_socket` finds uvicorn's protocol
                await web.socket_route.endpoint(WebSocket(scope, receive, send))
                return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None, decks: dict[str, Deck] | None = None, *, tune_gc: bool = False
) -> ThawApp:
    """The app. Settings come from the environment unless given; decks are loaded
    (and validated) now, so a broken deck stops the server before it listens.

    `tune_gc` is for the process that serves (`thaw serve`): it changes the
    interpreter's garbage collector for the whole process (`gcwatch.py`), which
    an app built inside a test or another program must not do.
    """
    settings = settings or from_env()
    settings.check()
    decks = decks if decks is not None else load_content(settings)

    gc_watch = GcWatch() if tune_gc else None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store, bus = open_backends(
            settings.redis_url,
            tls_insecure=settings.redis_tls_insecure,
            room_ttl_s=settings.room_ttl_s,
            results_ttl_s=settings.results_ttl_s,
            max_connections=settings.redis_max_connections,
            prefix=settings.redis_prefix,
            socket_timeout_s=settings.redis_socket_timeout_s,
        )
        await store.start()
        await bus.start()
        owner = settings.instance_id or secrets.token_hex(6)
        metrics: Metrics | None = None
        if settings.metrics_token:
            from .metrics import Metrics  # prometheus-client only where metrics are on

            app.state.metrics = metrics = Metrics(owner, fast_path())
        # The timers close a question through the service, which tells them of each new deadline.
        timers = Timers(store, lambda code, index: service.expire_question(code, index), owner)
        service = Service(store, decks, max_players=settings.max_players,
                          on_question_opened=timers.question_opened, observer=metrics)
        hub = Hub(bus, resync=lambda conn: _resync(service, conn), lobby_frame=service.lobby_frame,
                  on_fanout=metrics.fanout.observe if metrics is not None else None)
        limits = settings.limits
        runtime = Runtime(
            settings=settings,
            decks=decks,
            store=store,
            bus=bus,
            service=service,
            hub=hub,
            timers=timers,
            address_limits=AddressLimits(
                limits.joins_per_minute, limits.rooms_per_minute, limits.misses_before_slowdown,
                limits.misses_per_minute, room_joins_per_minute=limits.room_joins_per_minute,
                uploads_per_minute=limits.uploads_per_minute, checks_per_minute=limits.checks_per_minute,
            ),
            # The memory adapters never wait (store/memory.py): a socket's message can be
            # handled inside its read callback. Behind Redis it needs a task.
            inline_messages=not settings.redis_url,
        )
        app.state.runtime = runtime
        acceptlog.install(settings.log_addresses)
        logs.set_instance(owner)
        tasks: list[asyncio.Task[None]] = []
        if metrics is not None:
            _watch(metrics, hub, bus, store)
            tasks.append(asyncio.create_task(metrics.measure_loop_lag(), name="loop-lag"))
        timers.start()
        if gc_watch is not None:
            gc_watch.install()
            gc_watch.tune()
            tasks.append(asyncio.create_task(
                gc_watch.keep_frozen(settings.gc_freeze_s, lambda: hub.count() == 0), name="gc-freeze"))
        log.info("thaw ready: %d decks, %s store, instance %s", len(decks), store.kind, owner)
        try:
            yield
        finally:
            if gc_watch is not None:
                gc_watch.remove()
            for task in tasks:
                task.cancel()
            runtime.draining = True
            hub.drain()
            await timers.close()
            await hub.close()
            await bus.close()
            await store.close()

    translations.load()
    routes = list(web.routes)
    if settings.metrics_token:
        from .metrics import endpoint as metrics_endpoint

        routes.append(Route("/metrics", metrics_endpoint(settings.metrics_token)))
    return ThawApp(
        routes=routes,
        middleware=[
            Middleware(translations.RequestLanguage),  # outermost: even a 500's message is in the request's language
            Middleware(web.SecurityHeaders),
            Middleware(GZipMiddleware, minimum_size=1024),
        ],
        exception_handlers={404: web.not_found, 405: web.method_not_allowed},
        lifespan=lifespan,
    )


def _watch(metrics: Metrics, hub: Hub, bus: object, store: object) -> None:
    """The gauges `metrics` reads when scraped: the hub's sockets and rooms, the Redis adapters' failures."""
    metrics.watch(
        connections=hub.count,
        rooms=lambda: len(hub.rooms),
        redis_errors=lambda: int(getattr(store, "failures", 0)),
        redis_reconnects=lambda: max(0, int(getattr(bus, "connections", 1)) - 1),
    )


async def _resync(service: Service, conn: object) -> tuple[list[str], int]:
    from .transport.hub import Conn

    assert isinstance(conn, Conn)
    if conn.is_host:
        return await service.host_view(conn.code, welcome=False)
    assert conn.player_id is not None
    return await service.player_view(conn.code, conn.player_id, None)


def app_from_env() -> ThawApp:
    """The factory `thaw serve` gives uvicorn (also `uvicorn --factory thaw.app:app_from_env`):
    the serving process's app, which tunes the process's garbage collector."""
    settings = from_env()
    logs.configure(settings.log_format)
    return create_app(settings, tune_gc=True)
