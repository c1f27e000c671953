"""Settings from the environment, validated once at start-up.

Every setting has a default that suits a teacher's laptop; a bad value stops the
server with a message naming the variable, never a half-configured start.

They live in the socket's layer, the lowest that reads them: its connection limits
and proxy rules apply before any handler runs (`connlimits.py` reads them in each
uvicorn worker). The layers below are handed plain values by the wiring (`app.py`).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(Exception):
    """A setting from the environment is malformed."""


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, not {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


@dataclass(frozen=True, slots=True)
class Limits:
    """Abuse limits; docs/security.md says why each number is what it is."""

    # Per connection: a phone sends one answer a question; a host a few clicks.
    messages_per_second: float = 20.0
    message_burst: int = 40
    # Per client address. A whole school may share one NAT address, so these are
    # sized for hundreds of students joining within a minute from one address.
    joins_per_minute: int = 3000
    # One address into one room: a class behind one NAT, not a script filling the seats.
    room_joins_per_minute: int = 600
    rooms_per_minute: int = 30
    # Decks imported or hosted from a teacher's browser (each up to several MiB parsed), and the
    # editor's checks as the teacher types (debounced; a workshop of teachers shares one address).
    uploads_per_minute: int = 60
    checks_per_minute: int = 600
    # Room-code guessing: `room_not_found` answers per address before slowing, then refusing.
    misses_before_slowdown: int = 20
    misses_per_minute: int = 60
    first_message_timeout_s: float = 15.0
    outbox_frames: int = 512
    outbox_bytes: int = 1 << 20
    hosts_per_room: int = 8  # host sockets per room per instance: projector, laptop, phone, a few reloads
    # Slow clients: a request's headers (or a WebSocket handshake) must arrive in time,
    # and one address holds at most this many connections to an instance.
    header_timeout_s: float = 5.0
    connections_per_address: int = 5000


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    redis_url: str | None = None
    redis_tls_insecure: bool = False
    redis_max_connections: int = 64
    redis_prefix: str = "quiz"
    redis_socket_timeout_s: float = 5.0
    content_dir: Path | None = None
    public_url: str | None = None
    max_players: int = 2000
    room_ttl_s: int = 6 * 3600
    results_ttl_s: int = 24 * 3600
    workers: int = 1
    trust_proxy: bool = False
    # Behind a proxy: the addresses (CIDR) the proxies connect from (empty: any peer
    # is the proxy), and how many proxies of the platform each appended an entry.
    trusted_proxies: tuple[str, ...] = ()
    proxy_hops: int = 1
    log_addresses: bool = False  # client addresses in accepted-socket log records (at DEBUG)
    ping_interval_s: float = 20.0
    instance_id: str = ""
    gc_freeze_s: float = 1.0
    metrics_token: str | None = None
    log_format: str = "text"
    limits: Limits = field(default_factory=Limits)

    @property
    def store_kind(self) -> str:
        return "redis" if self.redis_url else "memory"

    def check(self) -> None:
        """Refuse combinations that cannot work."""
        if self.workers > 1 and not self.redis_url:
            raise ConfigError(
                f"{self.workers} workers need a shared store: set REDIS_URL "
                "(the in-memory store lives in one process, so rooms would be split between workers)"
            )
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(f"REDIS_URL must start with redis://, rediss:// or unix://, not {self.redis_url[:20]!r}")


def _prefix(env: Mapping[str, str]) -> str:
    raw = env.get("THAW_REDIS_PREFIX", "").strip() or "quiz"
    if not all(c.isalnum() or c in "-_." for c in raw) or len(raw) > 40:
        raise ConfigError(f"THAW_REDIS_PREFIX may hold letters, digits, '-', '_' and '.', at most 40: {raw[:40]!r}")
    return raw


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of addresses or CIDR networks, each checked."""
    out = []
    for raw in env.get(name, "").split(","):
        item = raw.strip()
        if not item:
            continue
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigError(f"{name} holds {item[:50]!r}, which is not an IP address or network") from None
    return tuple(out)


def _metrics_token(env: Mapping[str, str]) -> str | None:
    raw = env.get("THAW_METRICS_TOKEN", "").strip()
    if not raw:
        return None
    if len(raw) < 16 or not all("!" <= c <= "~" for c in raw):
        raise ConfigError("THAW_METRICS_TOKEN must be at least 16 visible ASCII characters (no spaces)")
    return raw


def _log_format(env: Mapping[str, str]) -> str:
    raw = env.get("THAW_LOG_FORMAT", "").strip().lower() or "text"
    if raw not in ("text", "json"):
        raise ConfigError(f"THAW_LOG_FORMAT must be text or json, not {raw[:20]!r}")
    return raw


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from environment variables (see docs/deploying.md for the list)."""
    env = os.environ if env is None else env
    content = env.get("THAW_CONTENT", "").strip()
    public = env.get("THAW_PUBLIC_URL", "").strip().rstrip("/")
    if public and not public.startswith(("http://", "https://")):
        raise ConfigError(f"THAW_PUBLIC_URL must start with http:// or https://, not {public[:30]!r}")
    limits = Limits(
        messages_per_second=float(_int(env, "THAW_MESSAGES_PER_SECOND", 20, 1, 10_000)),
        message_burst=_int(env, "THAW_MESSAGE_BURST", 40, 1, 10_000),
        joins_per_minute=_int(env, "THAW_JOINS_PER_MINUTE", 3000, 1, 1_000_000),
        room_joins_per_minute=_int(env, "THAW_ROOM_JOINS_PER_MINUTE", 600, 1, 1_000_000),
        rooms_per_minute=_int(env, "THAW_ROOMS_PER_MINUTE", 30, 1, 100_000),
        uploads_per_minute=_int(env, "THAW_UPLOADS_PER_MINUTE", 60, 1, 100_000),
        checks_per_minute=_int(env, "THAW_CHECKS_PER_MINUTE", 600, 1, 1_000_000),
        misses_before_slowdown=_int(env, "THAW_MISSES_BEFORE_SLOWDOWN", 20, 1, 100_000),
        misses_per_minute=_int(env, "THAW_MISSES_PER_MINUTE", 60, 1, 100_000),
        outbox_bytes=_int(env, "THAW_OUTBOX_BYTES", 1 << 20, 64 * 1024, 1 << 30),
        hosts_per_room=_int(env, "THAW_HOSTS_PER_ROOM", 8, 1, 1000),
        header_timeout_s=float(_int(env, "THAW_HEADER_TIMEOUT", 5, 1, 300)),
        connections_per_address=_int(env, "THAW_CONNECTIONS_PER_ADDRESS", 5000, 1, 1_000_000),
    )
    settings = Settings(
        host=env.get("HOST", "127.0.0.1").strip() or "127.0.0.1",
        port=_int(env, "PORT", 8000, 0, 65535),
        redis_url=env.get("REDIS_URL", "").strip() or None,
        redis_tls_insecure=_bool(env, "REDIS_TLS_INSECURE", False),
        redis_max_connections=_int(env, "THAW_REDIS_MAX_CONNECTIONS", 64, 2, 10_000),
        redis_prefix=_prefix(env),
        redis_socket_timeout_s=float(_int(env, "THAW_REDIS_SOCKET_TIMEOUT", 5, 1, 300)),
        content_dir=Path(content) if content else None,
        public_url=public or None,
        max_players=_int(env, "THAW_MAX_PLAYERS", 2000, 1, 100_000),
        room_ttl_s=_int(env, "THAW_ROOM_TTL", 6 * 3600, 60, 30 * 86400),
        results_ttl_s=_int(env, "THAW_RESULTS_TTL", 24 * 3600, 60, 365 * 86400),
        workers=_int(env, "WEB_CONCURRENCY", 1, 1, 256),
        trust_proxy=_bool(env, "THAW_TRUST_PROXY", False),
        trusted_proxies=_networks(env, "THAW_TRUSTED_PROXIES"),
        proxy_hops=_int(env, "THAW_PROXY_HOPS", 1, 1, 10),
        log_addresses=_bool(env, "THAW_LOG_ADDRESSES", False),
        ping_interval_s=float(_int(env, "THAW_PING_INTERVAL", 20, 1, 50)),
        instance_id=env.get("THAW_INSTANCE", "").strip(),
        gc_freeze_s=_int(env, "THAW_GC_FREEZE_MS", 1000, 10, 3_600_000) / 1000,
        metrics_token=_metrics_token(env),
        log_format=_log_format(env),
        limits=limits,
    )
    settings.check()
    return settings
