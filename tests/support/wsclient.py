"""A small test client over real sockets: records every frame, waits for types."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import urllib.request
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

BROADCAST = ("question", "reveal", "scoreboard", "finished")


def require_service(what: str) -> None:
    """A missing real service fails the run under CI and skips it elsewhere."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what} is required under CI=true")
    pytest.skip(f"{what} is not available")


def create_room(base_url: str, deck: str, **options: Any) -> dict[str, Any]:
    body = json.dumps({"deck": deck, "options": options}).encode()
    request = urllib.request.Request(f"{base_url}/api/rooms", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def get_json(url: str, token: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


class Client:
    """One WebSocket client: `frames` keeps everything received, in order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.frames: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self.ws: ClientConnection | None = None
        self.token: str | None = None
        self.player_id: str | None = None
        self._reader: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()
        self.close_code: int | None = None

    async def open(self, ws_base: str, code: str, first: dict[str, Any]) -> Client:
        self.ws = await connect(f"{ws_base}/ws/{code}", open_timeout=10, max_size=2**20)
        self.close_code = None
        await self.ws.send(json.dumps(first))
        self._reader = asyncio.create_task(self._read(self.ws))
        return self

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                assert isinstance(raw, str)
                self.raw.append(raw)
                msg = json.loads(raw)
                self.frames.append(msg)
                if msg.get("type") == "welcome":
                    self.token, self.player_id = msg["token"], msg["player_id"]
                self._arrived.set()
        except ConnectionClosed:
            pass
        finally:
            self.close_code = ws.close_code if ws.close_code is not None else 1006
            self._arrived.set()

    async def send(self, msg: dict[str, Any]) -> None:
        assert self.ws is not None
        await self.ws.send(json.dumps(msg))

    async def wait_for(self, predicate: Any, timeout: float = 10, start: int = 0) -> dict[str, Any]:
        """The first frame at or after position `start` for which `predicate(frame)` holds."""
        deadline = asyncio.get_running_loop().time() + timeout
        seen = start
        while True:
            for i in range(seen, len(self.frames)):
                if predicate(self.frames[i]):
                    return self.frames[i]
            seen = len(self.frames)
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"{self.name}: no matching frame in {timeout} s; got {self.frames[start:][-8:]}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)

    async def wait_type(
        self, kind: str, timeout: float = 10, index: int | None = None, start: int = 0
    ) -> dict[str, Any]:
        return await self.wait_for(
            lambda m: m.get("type") == kind and (index is None or m.get("index") == index), timeout, start
        )

    async def wait_closed(self, timeout: float = 10) -> int:
        if self._reader is not None:
            await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        assert self.close_code is not None
        return self.close_code

    def broadcasts(self) -> list[str]:
        """The room-wide frames received, as raw text (they must be byte-identical for all)."""
        return [raw for raw, msg in zip(self.raw, self.frames, strict=True) if msg.get("type") in BROADCAST]

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
