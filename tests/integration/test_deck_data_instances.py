"""A room hosting a deck sent with its creation lives in Redis: every instance serves it and its images."""

from __future__ import annotations

import base64
import io
import json
import urllib.request
from typing import Any

import pytest
from PIL import Image

from tests.support.wsclient import Client, get_json

from .test_multi_instance import _shared_redis_url, start_cluster

pytestmark = pytest.mark.redis


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        result: dict[str, Any] = json.loads(response.read())
        return result


async def test_a_room_made_on_one_instance_is_played_and_served_by_another() -> None:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (0, 160, 90)).save(out, "PNG")
    image = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    deck = {
        "id": "own-deck",
        "title": "A teacher's own",
        "questions": [
            {"kind": "choice", "prompt": "Which colour is the picture?", "options": ["Green", "Red"],
             "correct": "Green", "image": image},
        ],
    }
    one, two = start_cluster(2, _shared_redis_url())
    try:
        created = _post(f"{one.url}/api/rooms", {"deck_data": deck})
        code = created["code"]
        status, info = get_json(f"{two.url}/api/rooms/{code}")
        assert status == 200 and info["title"] == "A teacher's own"
        host = await Client("host").open(two.ws_url, code, {"type": "host", "token": created["host_token"]})
        player = await Client("player").open(one.ws_url, code, {"type": "join", "nickname": "Ada"})
        await player.wait_type("welcome")
        await host.send({"type": "start"})
        question = await player.wait_type("question", index=0)
        assert question["prompt"] == "Which colour is the picture?"
        assert question["image"].startswith(f"/media/{code}/")
        for server in (one, two):
            with urllib.request.urlopen(f"{server.url}{question['image']}", timeout=10) as response:
                assert response.headers["Content-Type"] == "image/png"
                served = Image.open(io.BytesIO(response.read()))
                assert served.size == (64, 48) and served.convert("RGB").getpixel((5, 5)) == (0, 160, 90)
        await host.close()
        await player.close()
    finally:
        one.kill()
        two.kill()


def test_a_refused_upload_leaves_nothing_in_redis() -> None:
    import secrets
    import urllib.error

    from redis import Redis

    url = _shared_redis_url()
    prefix = f"t{secrets.token_hex(4)}"
    [server] = start_cluster(1, url, THAW_REDIS_PREFIX=prefix)
    svg = "data:image/svg+xml;base64," + base64.b64encode(b"<svg xmlns='http://www.w3.org/2000/svg'/>").decode()
    polyglot = io.BytesIO()
    Image.new("RGB", (8, 8)).save(polyglot, "PNG")
    glued = "data:image/png;base64," + base64.b64encode(polyglot.getvalue() + b"PK\x03\x04zip").decode()
    deck = {"id": "x", "title": "X", "questions": [
        {"kind": "truefalse", "prompt": "A", "correct": True, "image": svg},
        {"kind": "truefalse", "prompt": "B", "correct": True, "image": glued},
        {"kind": "essay", "prompt": "C"},
    ]}
    try:
        request = urllib.request.Request(f"{server.url}/api/rooms", data=json.dumps({"deck_data": deck}).encode(),
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 422
        problems = json.loads(refused.value.read())["problems"]
        assert [(p["question"], p["field"]) for p in problems] == [(0, "image"), (1, "image"), (2, "kind")]
        client = Redis.from_url(url)
        try:
            assert [key for key in client.scan_iter(f"{prefix}:*") if b"deadlines" not in key] == []
            good = {**deck, "questions": [{"kind": "truefalse", "prompt": "A", "correct": True}]}
            code = _post(f"{server.url}/api/rooms", {"deck_data": good})["code"]
            assert any(code.encode() in key for key in client.scan_iter(f"{prefix}:*"))  # the scan does see rooms
        finally:
            client.close()
    finally:
        server.kill()
