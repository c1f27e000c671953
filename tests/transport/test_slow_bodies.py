"""A body that stalls is refused with its reason on every route that reads one, never with a 500."""

from __future__ import annotations

import asyncio

import pytest
from thaw.web import decks

from .helpers import serve

ROUTES = [
    ("/api/import?format=csv", "text/csv"),
    ("/api/decks/check", "application/json"),
    ("/api/rooms", "application/json"),
]


@pytest.mark.parametrize(("path", "content_type"), ROUTES)
async def test_a_stalled_body_is_refused_with_its_reason(
    monkeypatch: pytest.MonkeyPatch, path: str, content_type: str
) -> None:
    monkeypatch.setattr(decks, "BODY_TIMEOUT_S", 0.1)  # the uploads' deadline is three times this
    async with serve() as live:
        reader, writer = await asyncio.open_connection("127.0.0.1", live.port)
        try:
            head = (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
                "Content-Length: 1000\r\n\r\n"
            )
            writer.write(head.encode() + b'{"deck": ')  # ... and nothing more
            await writer.drain()
            reply = await asyncio.wait_for(reader.read(65536), 10)
        finally:
            writer.close()
    status = reply.split(b"\r\n", 1)[0]
    assert status == b"HTTP/1.1 422 Unprocessable Entity", reply[:300]  # as every bad body
    assert b'"bad_body"' in reply and b"did not arrive within 0.3 s" in reply, reply[-300:]
