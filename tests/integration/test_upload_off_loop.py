"""Over real sockets: a large upload neither stalls the process's other requests nor loses its 413."""

from __future__ import annotations

import base64
import io
import json
import os
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from PIL import Image

from tests.support.servers import start_server

DECKS = Path(__file__).parent / "decks"


def _noise_png() -> str:
    out = io.BytesIO()
    Image.frombytes("RGB", (900, 700), os.urandom(900 * 700 * 3)).save(out, "PNG")  # ~1.9 MB, slow to re-encode
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_decoding_images_leaves_the_server_answering() -> None:
    deck = {"id": "n", "title": "Noise", "questions": [
        {"kind": "truefalse", "prompt": f"Q{i}", "correct": True, "image": _noise_png()} for i in range(4)]}
    body = json.dumps({"deck_data": deck}).encode()
    server = start_server(env={"THAW_CONTENT": str(DECKS)})
    try:
        statuses: list[int] = []
        upload = threading.Thread(target=lambda: statuses.append(_post(f"{server.url}/api/rooms", body)))
        upload.start()
        worst = 0.0
        while upload.is_alive():
            started = time.monotonic()
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=30) as response:
                response.read()
            worst = max(worst, time.monotonic() - started)
            time.sleep(0.02)
        upload.join()
        assert statuses == [201]
        # Decoding on the event loop held /healthz for the whole upload (about 4 s here); in a thread, milliseconds.
        assert worst < 1.5, worst
    finally:
        server.kill()


def test_an_oversized_body_gets_its_413_not_a_reset() -> None:
    server = start_server(env={"THAW_CONTENT": str(DECKS)})
    try:
        body = b'{"deck_data": "' + b"x" * (13 * 1024 * 1024) + b'"}'
        assert _post(f"{server.url}/api/rooms", body) == 413
        assert _post(f"{server.url}/api/decks/check", body) == 413
    finally:
        server.kill()
