"""The bench's lean frame parser: whole messages, whatever the TCP chunking, and control frames."""

from __future__ import annotations

import asyncio
import struct

import pytest
from thaw.tools.bench.client import WsClient
from thaw.transport.wire import text_frame
from websockets.utils import accept_key


class Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def can_write_eof(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


def _open_client(received: list[str]) -> tuple[WsClient, Transport]:
    client = WsClient("ws://127.0.0.1:1/ws/123456", lambda text, t: received.append(text))
    transport = Transport()
    client.connection_made(transport)  # type: ignore[arg-type]
    request = transport.written[0].decode()
    key = next(line.split(": ")[1] for line in request.split("\r\n") if line.lower().startswith("sec-websocket-key"))
    client.data_received(
        f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n".encode()
    )
    assert client.opened.done() and client._lean
    transport.written.clear()
    return client, transport


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 100, 70_000])
async def test_messages_arrive_whole_however_the_bytes_are_split(chunk: int) -> None:
    texts = ['{"type":"question"}', "é" * 200, "x" * 70_000, ""]
    data = b"".join(text_frame(t) for t in texts)
    fragmented = struct.pack("!BB", 0x01, 3) + b"abc" + struct.pack("!BB", 0x80, 3) + b"def"
    received: list[str] = []
    client, _ = _open_client(received)
    stream = data + fragmented
    for start in range(0, len(stream), chunk):
        client.data_received(stream[start:start + chunk])
    assert received == [*texts, "abcdef"]


async def test_a_ping_is_answered_and_a_close_is_returned_with_its_code() -> None:
    received: list[str] = []
    client, transport = _open_client(received)
    client.data_received(struct.pack("!BB", 0x89, 4) + b"ping")
    assert len(transport.written) == 1 and transport.written[0][0] == 0x8A  # a (masked) pong
    client.data_received(struct.pack("!BBH", 0x88, 2, 1012))
    assert transport.written[-1][0] == 0x88
    client.connection_lost(None)
    assert await asyncio.wait_for(client.lost, 1) == 1012
