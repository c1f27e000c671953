"""A question's correct answer never reaches a player before its reveal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .helpers import LiveServer, Peer, transport_decks

pytestmark = pytest.mark.asyncio(loop_scope="module")

ORDER_ITEMS = ["One", "Two", "Three", "Four"]


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _numbers(value: Any, skip: tuple[str, ...] = ()) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [value]
    if isinstance(value, dict):
        return [n for k, v in value.items() if k not in skip for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


def _secrets_of(index: int) -> list[str]:
    """Strings that would give question `index` away (besides the `correct` key)."""
    q = transport_decks()["kinds"].questions[index]
    out = list(q.accepted)
    if q.explanation:
        out.append(q.explanation)
    return out


async def _play(peer: Peer, index: int, question: dict[str, Any]) -> None:
    kind = question["kind"]
    if kind == "choice":
        value: Any = question["options"][0]["id"]
    elif kind == "multi":
        value = [o["id"] for o in question["options"]]  # every option: no hint from the ack either
    elif kind == "order":
        text_of = {o["id"]: o["text"] for o in question["options"]}
        value = sorted(text_of, key=lambda i: ORDER_ITEMS.index(text_of[i]))  # the test knows the deck
    elif kind == "number":
        value = 8
    elif kind == "text":
        value = "Azure"
    else:
        value = 1
    await peer.send({"type": "answer", "index": index, "answer": value})


async def test_no_frame_page_or_api_answer_tells_a_player_the_answer_before_the_reveal(live: LiveServer) -> None:
    code, token = await live.create_room("kinds")
    host = await live.host(code, token)
    player = await live.join(code, "Ana")
    await live.join(code, "Ben")  # never answers, so each question stays open until the host closes it
    deck = transport_decks()["kinds"]

    # Before anything: the pages and the API.
    for path in (f"/join/{code}", "/", f"/api/rooms/{code}", "/api/decks"):
        text = (await live.http.get(path)).text
        for index in range(len(deck.questions)):
            for secret in _secrets_of(index):
                assert secret not in text, (path, secret)
        assert "How many legs" not in text and "capital of France" not in text

    await host.send({"type": "start"})
    for index, q_model in enumerate(deck.questions):
        mark = len(player.log)
        question = await player.expect("question")
        assert question["index"] == index
        await _play(player, index, question)
        ack = await player.expect("answer_ack")
        assert set(ack) <= {"type", "index", "answer"}, ack
        info = (await live.http.get(f"/api/rooms/{code}")).text
        window = [*player.log[mark:], info]
        for raw in window:
            frame = json.loads(raw)
            assert "correct" not in _keys(frame), raw
            assert not _keys(frame) & {"accepted", "value", "tolerance", "explanation"}, raw
        for raw in [*player.log[:mark], *window]:
            frame = json.loads(raw)
            if frame.get("type") == "answer_ack":
                frame.pop("answer", None)  # the player's own answer, echoed
            text = json.dumps(frame, ensure_ascii=False).lower()
            for secret in _secrets_of(index):
                assert secret.lower() not in text, (index, secret, raw)

        if question["kind"] == "number":
            numbers = _numbers(question, skip=("count",))  # the deck has 8 questions
            assert 8 not in numbers, question  # the value appears nowhere in the question
        if question["kind"] == "order":
            presented = [o["text"] for o in question["options"]]
            assert presented != ORDER_ITEMS
            assert sorted(presented) == sorted(ORDER_ITEMS)
            assert [o["id"] for o in question["options"]] == list(range(4))
        if question["kind"] in ("choice", "poll", "multi"):
            assert [o["text"] for o in question["options"]] == list(q_model.options)

        await host.send({"type": "close"})
        reveal = await player.expect("reveal")
        result = await player.expect("result")
        assert reveal["index"] == result["index"] == index
        if question["kind"] == "order":
            true_ids = reveal["correct"]
            assert true_ids != [o["id"] for o in question["options"]]
            assert [{o["id"]: o["text"] for o in question["options"]}[i] for i in true_ids] == ORDER_ITEMS
            assert result["correct"] is True
        if question["kind"] == "number":
            assert reveal["correct"]["value"] == 8 and result["correct"] is True
        if question["kind"] == "text":
            assert reveal["correct"] == list(q_model.accepted) and result["correct"] is True
        if question["kind"] == "multi":
            text_of = {o["id"]: o["text"] for o in question["options"]}
            assert sorted(text_of[i] for i in reveal["correct"]) == ["2", "4"]
            assert reveal["distribution"] == {str(o["id"]): 1 for o in question["options"]}
            assert result["correct"] is False and result["points"] == 0
        await host.send({"type": "next"})
        await player.expect("scoreboard")
        await host.send({"type": "next"})

    await player.expect("finished")
    await player.expect("standing")
