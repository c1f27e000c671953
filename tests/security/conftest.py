"""Abuse tests: the real app in this process, with limits lowered so they trip quickly."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from thaw.app import create_app
from thaw.content import load_decks
from thaw.transport.config import Limits, Settings

DECKS = Path(__file__).resolve().parents[1] / "browser" / "decks"


@pytest.fixture(scope="session")
def decks() -> dict[str, Any]:
    return load_decks([DECKS])


AppFactory = Callable[..., TestClient]


@pytest.fixture
def make_client(decks: dict[str, Any]) -> Iterator[AppFactory]:
    """`make_client(trust_proxy=..., **limits)`: a TestClient whose lifespan runs."""
    clients: list[TestClient] = []

    def make(trust_proxy: bool = False, max_players: int = 2000, **limits: Any) -> TestClient:
        settings = Settings(trust_proxy=trust_proxy, max_players=max_players, limits=replace(Limits(), **limits))
        client = TestClient(create_app(settings, decks))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def create_room(client: TestClient, **options: Any) -> tuple[str, str]:
    response = client.post("/api/rooms", json={"deck": "every-kind", "options": options})
    assert response.status_code == 201, response.text
    body = response.json()
    return body["code"], body["host_token"]


def frames_until(ws: Any, kind: str, limit: int = 20) -> list[dict[str, Any]]:
    """Read frames until one of type `kind` (inclusive)."""
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        msg = json.loads(ws.receive_text())
        seen.append(msg)
        if msg["type"] == kind:
            return seen
    raise AssertionError(f"no {kind!r} frame in {seen}")


from .procs import launch  # noqa: E402, F401 - the real-server fixture of test_attacks.py
