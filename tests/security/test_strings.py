"""A string that is not valid text, wherever it might still appear: the fan-out,
the reports, an unexpected failure behind an HTTP route."""

from __future__ import annotations

import asyncio
import logging

import pytest
from thaw.bus.envelope import Envelope
from thaw.bus.memory import MemoryBus
from thaw.domain.errors import GameError
from thaw.domain.text import check_text, invalid_text
from thaw.rooms.report import neutralise
from thaw.transport.hub import Conn, Hub

from .conftest import AppFactory


class Recorder:
    def __init__(self) -> None:
        self.frames: list[str] = []

    async def send_text(self, data: str) -> None:
        data.encode()  # what a real socket does first: raises for a string that is not valid text
        self.frames.append(data)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        pass


async def _nothing(code: str) -> str | None:
    return None


async def _no_resync(conn: Conn) -> tuple[list[str], int]:
    return [], 0


async def test_a_frame_that_cannot_be_encoded_is_dropped_for_all_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = MemoryBus()
    hub = Hub(bus, resync=_no_resync, lobby_frame=_nothing)
    sockets = [Recorder() for _ in range(3)]
    conns = [Conn(s, "123456", "host" if i == 0 else "player", None if i == 0 else f"p{i}")
             for i, s in enumerate(sockets)]
    for conn in conns:
        hub.add(conn)
        hub.synced(conn, [], 0)
    with caplog.at_level(logging.ERROR, logger="thaw.hub"):
        for seq in range(1, 4):
            bus.deliver("123456", Envelope(frames=['{"type":"scoreboard","top":"Evil\ud800"}',
                                                   f'{{"type":"reveal","index":{seq}}}'],
                                           host=['{"type":"lobby","players":"Evil\udfff"}'], seq=seq))
        await asyncio.sleep(0.05)
    for s in sockets:  # everyone got the rest of every event, in order
        assert [f for f in s.frames if "reveal" in f] == [f'{{"type":"reveal","index":{n}}}' for n in (1, 2, 3)]
        assert not any("Evil" in f for f in s.frames)
    assert all(not c.closed for c in conns)
    assert len([r for r in caplog.records if "not valid text" in r.getMessage()]) <= 1
    await hub.close()


def test_the_one_text_check_names_where() -> None:
    assert invalid_text({"deck": "ok", "questions": [{"prompt": "x"}, {"options": ["a", "b\ud800"]}]}) == (
        "questions[1].options[1]")
    assert invalid_text({"k\udc00": 1}) == "a key"
    assert invalid_text(["fine", 1, None, {"é": "ü"}]) is None
    with pytest.raises(GameError) as refused:
        check_text(["x", "\ud800"], "bad_upload", "row 3")
    assert refused.value.code == "bad_upload" and "row 3[1]" in refused.value.message


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff201",
                                  " =1", "\t=1", "\n=1", "\r=1", "\u3000=1"])
def test_cells_a_spreadsheet_could_run_are_neutralised(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


def test_ordinary_cells_are_left_alone_and_bad_text_is_replaced() -> None:
    assert neutralise("Anna") == "Anna" and neutralise(3) == "3" and neutralise(None) == ""
    assert neutralise("Evil\ud800") == "Evil\ufffd"


def test_an_unexpected_failure_is_a_500_with_the_security_headers(make_client: AppFactory) -> None:
    client = make_client()

    async def broken(code: str) -> None:
        raise RuntimeError("a bug")

    client.app.state.runtime.service.info = broken  # type: ignore[attr-defined]
    response = client.get("/api/rooms/123456")
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert "content-security-policy" in response.headers and "x-frame-options" in response.headers
