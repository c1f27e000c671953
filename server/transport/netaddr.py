"""Addresses: who is asking (behind a trusted proxy or not), and where students should go."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from ..shared.marks import N_
from .config import Settings

GUESSING = N_("too many wrong room codes from your network; wait a minute")  # tr() where shown over HTTP

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _in(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    return any(ip in net for net in networks)


def peer_address(scope: Mapping[str, Any]) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def trusts_peer(peer: str, settings: Settings) -> bool:
    """Whether the TCP peer is a proxy whose forwarding headers count."""
    if not settings.trust_proxy:
        return False
    return not settings.trusted_proxies or _in(peer, _networks(settings.trusted_proxies))


def client_address(scope: Mapping[str, Any], settings: Settings) -> str:
    """The client's IP: the TCP peer, or behind trusted proxies the address the first of them saw.

    A proxy appends the address it received the request from to `X-Forwarded-For`;
    everything to the left of that came from the client and may be invented (a
    script sending `X-Forwarded-For: 1.2.3.4` would otherwise escape every
    per-address limit). So the header is read from the right: one entry per
    trusted hop (`proxy_hops`, and any entry from a listed proxy network), and the
    next one is the client. Forwarding headers from a peer that is not a trusted
    proxy are ignored.
    """
    peer = peer_address(scope)
    if not trusts_peer(peer, settings):
        return peer
    entries: list[str] = []
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-for":
            entries += [e.strip() for e in value.decode("latin-1").split(",")]
    networks = _networks(settings.trusted_proxies)
    skip = settings.proxy_hops - 1  # the proxy next to us is the peer; further hops appended entries
    address = peer
    for entry in reversed(entries):
        if not entry:
            continue
        address = entry
        if skip > 0:
            skip -= 1
        elif not _in(entry, networks):
            break
    return address[:64]


def origin_allowed(scope: Mapping[str, Any], public_url: str | None) -> bool:
    """A WebSocket's `Origin` is the public address's, when one is configured.

    Browsers always send their page's origin with a WebSocket handshake, so a page
    on another site cannot open game sockets with a visitor's browser. Clients
    that are not browsers (the bots, scripts) send none and are let through: they
    could send any Origin anyway, and the game's limits apply to them as to anyone.
    """
    if not public_url:
        return True
    for name, value in scope.get("headers", ()):
        if name == b"origin":
            want = urlsplit(public_url)
            try:
                got = urlsplit(value.decode("latin-1").strip())
                return (got.scheme, got.hostname, got.port) == (want.scheme, want.hostname, want.port)
            except ValueError:
                return False
    return True


def _is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=1)
def lan_address() -> str | None:
    """This machine's address on the local network, for the join link students type.

    A UDP `connect` only asks the routing table which interface would be used;
    no packet is sent.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed, nothing is sent
            address = str(s.getsockname()[0])
            if not ipaddress.ip_address(address).is_loopback and address != "0.0.0.0":
                return address
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            address = str(info[4][0])
            if not ipaddress.ip_address(address).is_loopback:
                return address
    except OSError:
        pass
    return None


def public_base(scope: Mapping[str, Any], settings: Settings) -> str:
    """The base URL students use: THAW_PUBLIC_URL, else the address the page was
    opened at, else (for a teacher on localhost) the machine's LAN address."""
    if settings.public_url:
        return settings.public_url
    headers = dict(scope.get("headers", ()))
    host = headers.get(b"host", b"").decode("latin-1")
    scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
    if settings.trust_proxy and b"x-forwarded-proto" in headers:
        scheme = "https" if headers[b"x-forwarded-proto"].decode("latin-1").startswith("https") else "http"
    try:
        parts = urlsplit("//" + host)
        name, port = parts.hostname or "", parts.port
    except ValueError:
        name, port = "", None
    if host and name and not _is_loopback(name):
        return f"{scheme}://{host}"
    lan = lan_address()
    if lan is None:
        return f"{scheme}://{host}" if host else f"http://127.0.0.1:{settings.port}"
    return f"{scheme}://{lan}:{port}" if port else f"{scheme}://{lan}"
