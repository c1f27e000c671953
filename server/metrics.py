"""`GET /metrics`: one instance's counters, histograms and gauges in Prometheus' format.

Off unless `THAW_METRICS_TOKEN` is set, then behind that bearer token: the figures
say how busy a school is, which is nobody else's business. Every series carries
the instance's id (`THAW_INSTANCE`, else a random one per process), so figures
scraped through a PaaS router that picks any instance still add up per instance.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, ParamSpec, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

T = TypeVar("T")
P = ParamSpec("P")

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
LAG_INTERVAL_S = 0.5


class _Polled(Collector):
    """Counters kept elsewhere (the Redis adapters'), read at each scrape."""

    def __init__(self, instance: str, reads: dict[str, tuple[str, Callable[[], int]]]) -> None:
        self.instance = instance
        self.reads = reads

    def collect(self) -> Iterator[Metric]:
        for name, (text, read) in self.reads.items():
            family = CounterMetricFamily(name, text, labels=["instance_id"])
            family.add_metric([self.instance], read())
            yield family


class Metrics:
    """The series of one running app; `observe_*` and the counters are what the app feeds."""

    def __init__(self, instance: str, fast_path: bool) -> None:
        self.instance = instance
        self.registry = reg = CollectorRegistry(auto_describe=True)
        label = ["instance_id"]

        def counter(name: str, text: str) -> Any:
            return Counter(name, text, label, registry=reg).labels(instance)

        def gauge(name: str, text: str) -> Any:
            return Gauge(name, text, label, registry=reg).labels(instance)

        self.rooms_created = counter("thaw_rooms_created", "rooms created on this instance")
        self.joins = counter("thaw_joins", "players who joined a room through this instance")
        self.answers = counter("thaw_answers", "answers recorded through this instance")
        self.answer_ack = Histogram(
            "thaw_answer_ack_seconds", "from an answer message to its acknowledgement (recorded in the store)",
            label, registry=reg, buckets=LATENCY_BUCKETS,
        ).labels(instance)
        self.fanout = Histogram(
            "thaw_fanout_seconds", "time to hand one room event to every socket of the room on this instance",
            label, registry=reg, buckets=LATENCY_BUCKETS,
        ).labels(instance)
        self.loop_lag = gauge("thaw_event_loop_lag_seconds",
                              f"how late a {LAG_INTERVAL_S} s timer fired, last measurement")
        self.connections = gauge("thaw_connections", "open WebSockets on this instance")
        self.rooms = gauge("thaw_rooms", "rooms with at least one socket on this instance")
        gauge("thaw_fast_path", "1: the fast WebSocket path; 0: public APIs only").set(int(fast_path))

    def watch(self, connections: Callable[[], int], rooms: Callable[[], int],
              redis_errors: Callable[[], int], redis_reconnects: Callable[[], int]) -> None:
        self.connections.set_function(connections)
        self.rooms.set_function(rooms)
        self.registry.register(_Polled(self.instance, {
            "thaw_redis_errors": ("Redis commands that failed for want of a connection", redis_errors),
            "thaw_redis_reconnects": ("pub/sub reconnections to Redis", redis_reconnects),
        }))

    # The service's observer (`rooms.service.Observer`).
    def room_created(self) -> None:
        self.rooms_created.inc()

    def joined(self) -> None:
        self.joins.inc()

    def answered(self, seconds: float) -> None:
        self.answers.inc()
        self.answer_ack.observe(seconds)

    async def measure_loop_lag(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(LAG_INTERVAL_S)
            self.loop_lag.set(max(0.0, loop.time() - start - LAG_INTERVAL_S))

    def render(self) -> bytes:
        return generate_latest(self.registry)


def endpoint(token: str) -> Callable[[Request], Awaitable[Response]]:
    """The route's handler: 401 without the bearer token, the app's `state.metrics` with it."""
    expected = f"Bearer {token}".encode()

    async def serve(request: Request) -> Response:
        metrics: Metrics = request.app.state.metrics
        given = request.headers.get("authorization", "").encode("latin-1", "replace")
        if not secrets.compare_digest(given, expected):
            return Response("metrics need Authorization: Bearer THAW_METRICS_TOKEN\n", status_code=401,
                            media_type="text/plain", headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return serve
