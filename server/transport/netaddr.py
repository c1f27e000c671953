"""Addresses: who is asking (behind a trusted proxy or not), and where students should go."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from ..config import Settings


def client_address(scope: Mapping[str, Any], trust_proxy: bool) -> str:
    """The client's IP: the left-most `X-Forwarded-For` entry only when the proxy is trusted.

    Untrusted forwarding headers are ignored, so a client cannot dodge a limit by
    inventing them. (uvicorn's --proxy-headers rewrites `client` itself when it
    trusts the proxy; this covers the case where it does not.)
    """
    if trust_proxy:
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                first = str(value.decode("latin-1")).split(",")[0].strip()
                if first:
                    return first[:64]
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


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
