"""The report key: what it opens (results, in every form) and what it does not (the game),
and the report it opens, on the memory store and on a real Redis.

The game played: Ada answers right, Bea wrong, Cy stays and gives no answer, and Dee
leaves before the question opens. The report must tell those four apart.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
import pytest_asyncio
from openpyxl import load_workbook
from redis.asyncio import Redis

from .helpers import LiveServer, Peer, freeze_store_clock, make_settings, serve

pytestmark = pytest.mark.asyncio(loop_scope="module")

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
ROOMY = {"rooms_per_minute": 100_000, "misses_per_minute": 100_000, "misses_before_slowdown": 100_000}


@pytest_asyncio.fixture(
    scope="module", loop_scope="module", params=["memory", pytest.param("redis", marks=pytest.mark.redis)]
)
async def server(request: pytest.FixtureRequest) -> AsyncIterator[LiveServer]:
    settings = make_settings(**ROOMY)
    prefix = f"t{secrets.token_hex(5)}"
    if request.param == "redis":
        settings = replace(settings, redis_url=REDIS_URL, redis_prefix=prefix)
    try:
        async with serve(settings) as live:
            assert live.runtime.store.kind == request.param
            yield live
    finally:
        if request.param == "redis":
            client = Redis.from_url(REDIS_URL)
            keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=500)]
            if keys:
                await client.delete(*keys)
            await client.aclose()


async def _create(server: LiveServer) -> dict[str, Any]:
    response = await server.http.post("/api/rooms", json={"deck": "fast"})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def played(server: LiveServer) -> dict[str, Any]:
    """One finished game, played as the module's docstring says."""
    created = await _create(server)
    code = created["code"]
    host = await server.host(code, created["host_token"])
    ada = await server.join(code, "Ada")
    bea = await server.join(code, "=HYPERLINK(1)")  # a nickname a spreadsheet would run
    cy = await server.join(code, "Cy")
    dee = await server.join(code, "Dee")
    await dee.close()
    await host.send({"type": "start"})
    question = await ada.until("question")
    await bea.until("question")
    ids = {o["text"]: o["id"] for o in question["options"]}
    await ada.send({"type": "answer", "index": 0, "answer": ids["Tomato"]})
    await ada.expect("answer_ack")
    await bea.send({"type": "answer", "index": 0, "answer": ids["Lettuce"]})
    await bea.expect("answer_ack")
    await host.send({"type": "close"})
    reveal = await host.until("reveal")
    await host.send({"type": "end"})
    await host.until("finished")
    await asyncio.sleep(0.05)
    return {**created, "reveal": reveal, "cy": cy}


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_new_room_has_a_report_key_of_its_own(server: LiveServer) -> None:
    created = await _create(server)
    key = created["report_key"]
    assert isinstance(key, str) and len(key) >= 32
    assert key != created["host_token"]
    again = await _create(server)
    assert again["report_key"] != key


@pytest.mark.parametrize("path", ["results", "results.csv", "results.xlsx"])
@pytest.mark.parametrize("secret", ["report_key", "host_token"])
async def test_either_secret_opens_every_form_of_the_results(
    server: LiveServer, played: dict[str, Any], path: str, secret: str
) -> None:
    url = f"/api/rooms/{played['code']}/{path}"
    by_header = await server.http.get(url, headers=_auth(played[secret]))
    by_query = await server.http.get(url, params={"key": played[secret]})
    for response in (by_header, by_query):
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
    assert by_header.content == by_query.content or path == "results.xlsx"  # an xlsx carries its save time
    if path != "results":
        disposition = by_header.headers["content-disposition"]
        assert disposition == f'attachment; filename="thaw-{played["code"]}-results.{path.split(".")[1]}"'


@pytest.mark.parametrize("path", ["results", "results.csv", "results.xlsx"])
async def test_without_a_key_401_with_a_wrong_one_403_for_an_unknown_room_404(
    server: LiveServer, played: dict[str, Any], path: str
) -> None:
    code = played["code"]
    other = await _create(server)
    url = f"/api/rooms/{code}/{path}"
    assert (await server.http.get(url)).status_code == 401
    assert (await server.http.get(url, params={"key": ""})).status_code == 401
    for wrong in ("nope", other["report_key"], other["host_token"], played["report_key"] + "x"):
        response = await server.http.get(url, headers=_auth(wrong))
        assert response.status_code == 403, response.text
        assert response.json()["error"] == "forbidden"
        assert (await server.http.get(url, params={"key": wrong})).status_code == 403
    unknown = "999999" if code != "999999" else "999998"
    response = await server.http.get(f"/api/rooms/{unknown}/{path}", params={"key": played["report_key"]})
    assert response.status_code == 404
    assert response.json()["error"] == "room_not_found"


async def test_the_results_page_checks_a_key_it_is_given(server: LiveServer, played: dict[str, Any]) -> None:
    page = f"/results/{played['code']}"
    for key in (played["report_key"], played["host_token"]):
        response = await server.http.get(page, params={"key": key})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert (await server.http.get(page, headers=_auth(key))).status_code == 200
    # no key: the page looks for one this browser keeps
    assert (await server.http.get(page)).status_code == 200
    assert (await server.http.get(page, params={"key": "wrong"})).status_code == 403
    unknown = "999999" if played["code"] != "999999" else "999998"
    assert (await server.http.get(f"/results/{unknown}", params={"key": played["report_key"]})).status_code == 404


async def test_the_report_key_cannot_host(server: LiveServer, played: dict[str, Any]) -> None:
    created = await _create(server)
    peer = await server.open(created["code"], "impostor")
    await peer.send({"type": "host", "token": created["report_key"]})
    await peer.expect_error("bad_token")
    await peer.expect_close(4401)
    # and the host token still hosts
    host = await server.host(created["code"], created["host_token"])
    await host.ping()


async def test_the_report_tells_right_wrong_silent_and_absent_apart(server: LiveServer, played: dict[str, Any]) -> None:
    response = await server.http.get(f"/api/rooms/{played['code']}/results", headers=_auth(played["report_key"]))
    report = response.json()
    assert report["finished"] is True
    by_name = {p["nickname"]: p for p in report["players"]}
    assert by_name["Ada"]["marks"] == ["correct", None, None]
    assert by_name["=HYPERLINK(1)"]["marks"] == ["wrong", None, None]
    assert by_name["Cy"]["marks"] == ["no_answer", None, None]
    assert by_name["Dee"]["marks"] == ["absent", None, None]
    assert [by_name[n]["wrong"] for n in ("Ada", "=HYPERLINK(1)", "Cy", "Dee")] == [0, 1, 0, 0]
    assert [by_name[n]["no_answer"] for n in ("Ada", "=HYPERLINK(1)", "Cy", "Dee")] == [0, 0, 1, 0]
    first = report["questions"][0]
    assert (first["correct"], first["wrong"], first["no_answer"], first["absent"]) == (1, 1, 1, 1)
    assert first["percent_correct"] == pytest.approx(33.3)  # of the three who were there
    assert report["questions"][1]["percent_correct"] is None  # never reached
    # the projector's count at the reveal leaves out who had left
    assert (played["reveal"]["answered"], played["reveal"]["total"]) == (2, 3)


async def test_the_csv_and_the_xlsx_say_the_same_and_run_no_formula(server: LiveServer, played: dict[str, Any]) -> None:
    url = f"/api/rooms/{played['code']}/results"
    text = (await server.http.get(f"{url}.csv", params={"key": played["report_key"]})).text
    rows = list(csv.reader(io.StringIO(text)))
    xlsx = await server.http.get(f"{url}.xlsx", params={"key": played["report_key"]})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Players", "Questions"]
    sheet = [["" if v is None else v for v in row] for row in book["Players"].iter_rows(values_only=True)]
    assert sheet[0] == rows[0]
    assert [[str(v) for v in row] for row in sheet[1:]] == rows[1:]
    status = {row[1]: row[5] for row in rows[1:]}
    assert status == {"Ada": "yes", "'=HYPERLINK(1)": "no", "Cy": "no answer", "Dee": "absent"}
    for cell in book["Players"]["B"]:
        assert cell.data_type == "s"
    questions = list(book["Questions"].iter_rows(values_only=True))
    assert questions[0][:8] == ("question", "prompt", "kind", "answer", "correct", "wrong", "no_answer", "absent")
    assert questions[1][:8] == (1, "Which one is red?", "choice", "Tomato", 1, 1, 1, 1)


async def _count(host: Peer) -> tuple[int, int]:
    frame = await host.until("answers")
    return frame["answered"], frame["total"]


async def _count_becomes(host: Peer, want: tuple[int, int]) -> None:
    """Counts may be coalesced: read them until `want` (and fail on a timeout)."""
    seen = []
    while (got := await _count(host)) != want:
        seen.append(got)
        assert len(seen) < 20, f"the count never became {want}: {seen}"


async def test_the_live_count_and_the_reveal_count_the_same_players(server: LiveServer) -> None:
    """N of M: a player who leaves without answering drops out of M, one who answered
    and then left stays in it, a late joiner is in neither; the reveal agrees."""
    created = await _create(server)
    code = created["code"]
    host = await server.host(code, created["host_token"])
    ada, bea, cy, _dee = [await server.join(code, name) for name in ("Ada", "Bea", "Cy", "Dee")]
    await host.send({"type": "start"})
    assert await _count(host) == (0, 4)
    question = await ada.until("question")
    await bea.until("question")
    ids = {o["text"]: o["id"] for o in question["options"]}
    await ada.send({"type": "answer", "index": 0, "answer": ids["Tomato"]})
    await ada.expect("answer_ack")
    await _count_becomes(host, (1, 4))
    await ada.close()  # answered, then left: still counted
    await cy.close()  # left without answering: no longer expected
    await _count_becomes(host, (1, 3))
    late = await server.join(code, "Eve")  # joins during the question: plays from the next one
    await late.until("spectating")
    await bea.send({"type": "answer", "index": 0, "answer": ids["Lettuce"]})
    await bea.expect("answer_ack")
    await _count_becomes(host, (2, 3))
    await host.send({"type": "close"})
    reveal = await host.until("reveal")
    assert (reveal["answered"], reveal["total"]) == (2, 3)
    # a host attaching now is shown the same reveal
    again = await server.host(code, created["host_token"], "host again")
    assert (await again.until("reveal"))["total"] == 3


async def test_the_memory_store_keeps_results_for_the_results_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    """A finished room outlives the room TTL and is forgotten after THAW_RESULTS_TTL
    (the Redis key TTLs are checked in tests/contract/test_redis_keys.py)."""
    clock = freeze_store_clock(monkeypatch)
    settings = replace(make_settings(**ROOMY), room_ttl_s=60, results_ttl_s=600)
    async with serve(settings) as live:
        created = await _create(live)
        code, key = created["code"], created["report_key"]
        host = await live.host(code, created["host_token"])
        await live.join(code, "Ada")
        await host.send({"type": "start"})
        await host.until("question")
        await host.send({"type": "end"})
        await host.until("finished")
        url = f"/api/rooms/{code}/results.xlsx"
        clock.advance(599_000)  # long past the room TTL, within the results TTL
        assert (await live.http.get(url, params={"key": key})).status_code == 200
        clock.advance(601_000)  # the results TTL since the last activity
        response = await live.http.get(url, params={"key": key})
        assert response.status_code == 404
        assert (await live.http.get(f"/results/{code}", params={"key": key})).status_code == 404


async def test_a_kick_during_the_question_updates_the_count(server: LiveServer) -> None:
    created = await _create(server)
    code = created["code"]
    host = await server.host(code, created["host_token"])
    ada, bea, _cy = [await server.join(code, name) for name in ("Ada", "Bea", "Cy")]
    await host.send({"type": "start"})
    question = await ada.until("question")
    await ada.send({"type": "answer", "index": 0, "answer": question["options"][0]["id"]})
    await ada.expect("answer_ack")
    await _count_becomes(host, (1, 3))
    await host.send({"type": "kick", "player_id": ada.player_id})
    await _count_becomes(host, (0, 2))
    await host.send({"type": "kick", "player_id": bea.player_id})
    await _count_becomes(host, (0, 1))
