"""What an operator sees of a running `thaw serve`: `GET /metrics` behind its token,
and log lines as JSON objects that name rooms but never players, tokens or answers."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from thaw.logs import JsonFormatter, set_instance

from tests.support.game import play_short_game
from tests.support.redisproc import redis_server_binary, start_redis
from tests.support.servers import start_server
from tests.support.tcpproxy import TcpProxy
from tests.support.wsclient import require_service

from .helpers import DECKS_DIR

TOKEN = "metrics-token-for-the-test-0123"
DECKS = {"THAW_CONTENT": str(DECKS_DIR)}


def _get(url: str, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _value(text: str, series: str) -> float:
    found = re.search(rf"^{re.escape(series)}(?:\{{[^}}]*\}})? (\S+)$", text, re.MULTILINE)
    assert found, f"{series} missing from:\n{text}"
    return float(found.group(1))


def test_metrics_are_off_unless_a_token_is_set(tmp_path: Path) -> None:
    server = start_server(env=DECKS, log_dir=tmp_path)
    try:
        assert _get(f"{server.url}/metrics", TOKEN)[0] == 404
    finally:
        server.terminate()


def test_metrics_behind_the_token_count_a_game(tmp_path: Path) -> None:
    server = start_server(env={**DECKS, "THAW_METRICS_TOKEN": TOKEN, "THAW_INSTANCE": "inst-a"}, log_dir=tmp_path)
    try:
        assert _get(f"{server.url}/metrics")[0] == 401
        assert _get(f"{server.url}/metrics", TOKEN + "x")[0] == 401
        asyncio.run(play_short_game(server.url, "fast"))
        status, text = _get(f"{server.url}/metrics", TOKEN)
        assert status == 200
        assert 'instance_id="inst-a"' in text
        assert _value(text, "thaw_rooms_created_total") == 1
        assert _value(text, "thaw_joins_total") == 2
        assert _value(text, "thaw_answers_total") == 2
        assert _value(text, "thaw_answer_ack_seconds_count") == 2
        assert _value(text, "thaw_fanout_seconds_count") >= 3  # question, reveal, scoreboard at least
        assert _value(text, "thaw_connections") == 0  # the game's sockets are closed
        assert _value(text, "thaw_event_loop_lag_seconds") < 1
        assert _value(text, "thaw_redis_errors_total") == 0
        assert _value(text, "thaw_redis_reconnects_total") == 0
        assert _value(text, "thaw_fast_path") in (0, 1)
    finally:
        server.terminate()


def test_json_logs_are_one_object_a_line_without_players_tokens_or_answers(tmp_path: Path) -> None:
    names = ("Zorblaxia", "Quixotlan")
    kept: dict[str, object] = {}
    server = start_server(env={**DECKS, "THAW_LOG_FORMAT": "json", "THAW_INSTANCE": "inst-j"}, log_dir=tmp_path,
                          args=("--access-log",))
    try:
        asyncio.run(play_short_game(server.url, "fast", names=names, keep=kept))
        code, token = str(kept["code"]), str(kept["host_token"])
        assert _get(f"{server.url}/api/rooms/{code}/results.csv", token)[0] == 200
    finally:
        server.terminate()
    lines = [line for line in server.log().splitlines() if line.strip()]
    assert len(lines) >= 5, lines
    for line in lines:
        record = json.loads(line)
        assert {"time", "level", "event", "room", "instance"} <= record.keys(), record
    events = [json.loads(line) for line in lines]
    assert any(e["instance"] == "inst-j" for e in events)
    assert any(code in e["event"] for e in events)  # the access log names the room's routes
    secrets = [*names, token, *map(str, kept["tokens"])]  # type: ignore[call-overload]
    for secret in secrets:
        assert secret not in server.log(), f"{secret!r} is in the log"


def test_a_json_line_names_the_room_and_keeps_what_a_client_sent_out_of_a_failure() -> None:
    set_instance("inst-u")
    try:
        raise ValueError("the answer was Zorblaxia")
    except ValueError:
        record = logging.LogRecord("thaw.ws", logging.ERROR, __file__, 1, "socket for room %s failed",
                                   ("123456",), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["room"] == "123456" and line["instance"] == "inst-u" and line["level"] == "error"
    assert line["error"] == "ValueError" and line["stack"]
    assert "Zorblaxia" not in json.dumps(line)


@pytest.mark.redis
async def test_metrics_count_redis_errors_and_reconnects(tmp_path: Path) -> None:
    if redis_server_binary() is None:
        require_service("redis-server")
    redis = start_redis()
    proxy = TcpProxy(redis.port).start()
    server = start_server(env={
        **DECKS, "REDIS_URL": proxy.url, "THAW_REDIS_PREFIX": f"t{secrets.token_hex(4)}",
        "THAW_REDIS_SOCKET_TIMEOUT": "2", "THAW_METRICS_TOKEN": TOKEN,
    }, log_dir=tmp_path)
    try:
        text = (await asyncio.to_thread(_get, f"{server.url}/metrics", TOKEN))[1]
        assert _value(text, "thaw_redis_errors_total") == 0 and _value(text, "thaw_redis_reconnects_total") == 0
        proxy.cut()
        body = json.dumps({"deck": "fast"}).encode()
        request = urllib.request.Request(f"{server.url}/api/rooms", data=body,
                                          headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            await asyncio.to_thread(urllib.request.urlopen, request, None, 10)
        assert refused.value.code == 503
        proxy.restore()
        deadline = time.monotonic() + 20
        while True:
            text = (await asyncio.to_thread(_get, f"{server.url}/metrics", TOKEN))[1]
            if _value(text, "thaw_redis_reconnects_total") >= 1:
                break
            assert time.monotonic() < deadline, text
            await asyncio.sleep(0.3)
        assert _value(text, "thaw_redis_errors_total") >= 1
    finally:
        server.kill()
        proxy.stop()
        redis.stop()
