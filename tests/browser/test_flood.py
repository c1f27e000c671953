"""A script fills the lobby: the host removes every recent join with one control."""

from __future__ import annotations

import json

from playwright.sync_api import expect
from websockets.sync.client import connect

DECK = "Every kind <b>of</b> question"


def test_the_host_removes_a_flood_of_recent_joins(ui) -> None:  # type: ignore[no-untyped-def]
    host = ui.projector()
    code = ui.create_room(host, DECK)
    expect(host.locator("#kick-recent")).to_be_hidden()
    ws_base = ui.base.replace("http://", "ws://")
    for n in range(12):  # a script: joins and leaves, the seats stay taken
        with connect(f"{ws_base}/ws/{code}") as ws:
            ws.send(json.dumps({"type": "join", "nickname": f"Bot {n:02d}"}))
            assert json.loads(ws.recv())["type"] == "welcome"
    expect(host.locator(".player-name")).to_have_count(12)
    button = host.locator("#kick-recent")
    expect(button).to_have_text("Remove 12 recent joins")
    ui.shot(host, "host-flood-lobby")
    button.click()
    dialog = host.get_by_role("dialog")
    expect(dialog).to_contain_text("Remove 12 players who joined in the last minute?")
    ui.shot(host, "host-flood-dialog")
    dialog.get_by_role("button", name="Remove them").click()
    expect(host.locator(".player-name")).to_have_count(0)
    expect(host.locator("#lobby-count")).to_have_text("No players yet")
    expect(button).to_be_hidden()
    ui.audit(host, "lobby after removing a flood")
