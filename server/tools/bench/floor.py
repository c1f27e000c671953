"""The floor: the cheapest broadcast Python can do, to hold each scenario's fan-out against.

A minimal asyncio server with no game and no store. websockets' public sans-I/O
`ServerProtocol` does each handshake and reads what clients send; a broadcast is
one frame built once and written with one `transport.write` per socket. A client's
first text message gets a `welcome`; once a socket has said `{"type":"host"}`, each
`{"type":"next"}` it sends writes `{"type":"question","index":i}` to every socket,
itself included. `thaw bench` runs it with the same load generator as the game, so
the ratio of a scenario's fan-out to the floor's at the same number of sockets says
how much of the time is Thaw's own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Sequence

from websockets.frames import Frame, Opcode
from websockets.server import ServerProtocol

from .procs import raise_nofile


def frame(text: str) -> bytes:
    """An unmasked, final text frame, built once (a server's frames are never masked)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


WELCOME = frame('{"type":"welcome"}')


class Floor:
    """Every open socket, and the question counter."""

    def __init__(self) -> None:
        self.sockets: set[Conn] = set()
        self.index = 0

    def broadcast(self) -> None:
        data = frame(json.dumps({"type": "question", "index": self.index}))
        self.index += 1
        for conn in self.sockets:
            transport = conn.transport
            if transport is not None and not transport.is_closing():
                transport.write(data)


class Conn(asyncio.Protocol):
    def __init__(self, floor: Floor) -> None:
        self.floor = floor
        self.ws = ServerProtocol(max_size=1 << 16)
        self.transport: asyncio.Transport | None = None
        self.open = False
        self.host = False
        self.greeted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass, but quacks

    def data_received(self, data: bytes) -> None:
        ws = self.ws
        ws.receive_data(data)
        for event in ws.events_received():
            if not self.open:
                ws.send_response(ws.accept(event))  # type: ignore[arg-type]  # the first event is the request
                self.open = True
                self.floor.sockets.add(self)
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self.on_text(bytes(event.data))
        self.flush()

    def on_text(self, data: bytes) -> None:
        if not self.greeted:
            self.greeted = True
            self.host = b'"host"' in data
            if self.transport is not None:
                self.transport.write(WELCOME)
        elif self.host and b'"next"' in data:
            self.floor.broadcast()

    def flush(self) -> None:
        if self.transport is None:
            return
        for chunk in self.ws.data_to_send():
            if chunk:
                self.transport.write(chunk)
            elif self.ws.close_expected():
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.floor.sockets.discard(self)


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    floor = Floor()
    server = await loop.create_server(lambda: Conn(floor), "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m thaw.tools.bench.floor", description=__doc__)
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args(argv)
    raise_nofile()
    try:
        import uvloop

        uvloop.run(serve(args.port))
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
