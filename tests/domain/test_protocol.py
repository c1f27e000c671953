"""protocol.py's pure parts: parsing client frames, and the no-leak rule for `question`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from thaw.bus.envelope import dumps
from thaw.domain import game
from thaw.domain.errors import GameError
from thaw.domain.model import Kind, Phase, Question, Room
from thaw.rooms import frames
from thaw.transport import messages

from . import factories as f


def parse_error(text: str, first: bool = False) -> str:
    with pytest.raises(GameError) as info:
        messages.parse(text, first=first)
    return info.value.code


class TestParse:
    @pytest.mark.parametrize("text", ["", "{", "nope", "{'type': 'join'}", '{"type":"join",}', "\x00", "[" * 100_000])
    def test_not_json(self, text: str) -> None:
        assert parse_error(text) == "bad_message"

    @pytest.mark.parametrize("text", ["[]", '["join"]', "1", '"join"', "null", "true"])
    def test_not_an_object(self, text: str) -> None:
        assert parse_error(text) == "bad_message"

    @pytest.mark.parametrize("text", ["{}", '{"nickname":"Ann"}', '{"type":null}', '{"type":1}', '{"type":["join"]}'])
    def test_no_string_type(self, text: str) -> None:
        assert parse_error(text) == "bad_message"

    @pytest.mark.parametrize("kind", ["hello", "JOIN", "", "answers", "question", "x" * 1000])
    def test_unknown_type(self, kind: str) -> None:
        assert parse_error(json.dumps({"type": kind})) == "unknown_type"

    @pytest.mark.parametrize(
        "text",
        [
            '{"type":"answer","index":0,"answer":NaN}',
            '{"type":"answer","index":0,"answer":Infinity}',
            '{"type":"answer","index":0,"answer":-Infinity}',
            '{"type":"answer","index":NaN,"answer":1}',
            '{"type":"lock","locked":NaN}',
        ],
    )
    def test_nan_and_infinity_are_not_json(self, text: str) -> None:
        assert parse_error(text) == "bad_message"

    def test_overflowing_float_is_not_a_number(self) -> None:
        assert parse_error('{"type":"answer","index":0,"answer":1e400}') in ("bad_message", "invalid_answer")

    @pytest.mark.parametrize(
        "msg",
        [
            {"type": "host"},
            {"type": "host", "token": 1},
            {"type": "host", "token": None},
            {"type": "join", "nickname": 5},
            {"type": "join", "nickname": None},
            {"type": "kick"},
            {"type": "kick", "player_id": 7},
            {"type": "lock"},
            {"type": "lock", "locked": 1},
            {"type": "lock", "locked": "true"},
            {"type": "answer", "answer": 1},
            {"type": "answer", "index": "0", "answer": 1},
            {"type": "answer", "index": 0.0, "answer": 1},
            {"type": "answer", "index": True, "answer": 1},
            {"type": "answer", "index": None, "answer": 1},
            {"type": "answer", "index": 0},
            {"type": "add_time"},
            {"type": "add_time", "ms": "5000"},
            {"type": "add_time", "ms": 5000.0},
            {"type": "add_time", "ms": True},
            {"type": "add_time", "ms": 0},
            {"type": "add_time", "ms": 60_001},
            {"type": "add_time", "ms": -1000},
        ],
    )
    def test_wrong_field_types(self, msg: dict[str, Any]) -> None:
        assert parse_error(json.dumps(msg)) == "bad_message"

    @pytest.mark.parametrize("msg", [{"type": "resume"}, {"type": "resume", "token": ["t"]}])
    def test_a_first_resume_needs_a_token(self, msg: dict[str, Any]) -> None:
        assert parse_error(json.dumps(msg), first=True) == "bad_message"
        assert messages.parse(json.dumps(msg)) == msg  # later, `resume` is the host's pace command

    @pytest.mark.parametrize(
        "msg",
        [
            {"type": "host", "token": "abc"},
            {"type": "join", "nickname": "Ann"},
            {"type": "resume", "token": "abc"},
            {"type": "start"},
            {"type": "next"},
            {"type": "close"},
            {"type": "end"},
            {"type": "kick", "player_id": "p1"},
            {"type": "lock", "locked": False},
            {"type": "pause"},
            {"type": "resume"},
            {"type": "add_time", "ms": 1},
            {"type": "add_time", "ms": 60_000},
            {"type": "answer", "index": 0, "answer": [2, 0, 1]},
            {"type": "answer", "index": 3, "answer": None},  # the shape is the rules' business
            {"type": "ping"},
            {"type": "next", "extra": {"ignored": True}},
        ],
    )
    def test_valid(self, msg: dict[str, Any]) -> None:
        assert messages.parse(json.dumps(msg)) == msg


# -- no leak --------------------------------------------------------------------------------

SECRET_TEXTS = ("Zyxwvut Secretson", "Qwertyuiop")


def secret_deck() -> tuple[Question, ...]:
    return (
        f.choice((2,)),
        f.choice((0, 3)),
        f.true_false(False),
        f.order(("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")),
        f.order(("one", "two", "three")),
        f.number(1962.5, tolerance=0.25, minimum=1900, maximum=2000, step=0.5),
        f.number(-37.125, tolerance=3.75, minimum=-100, maximum=100, step=0.125),
        f.text(SECRET_TEXTS),
        f.poll(),
    )


def leaks(payload: dict[str, Any], room: Room) -> list[str]:
    """Every trace of the open question's answer found in its `question` payload."""
    q = room.question
    assert q is not None
    found: list[str] = []
    text = json.dumps(payload, ensure_ascii=False)
    for key in ("correct", "accepted", "value", "tolerance", "answer", "explanation", "distribution", "solution"):
        if f'"{key}"' in text:
            found.append(f"key {key}")
    lowered = text.casefold()
    for accepted in q.accepted:
        if accepted.casefold() in lowered:
            found.append(f"accepted text {accepted!r}")
    if q.kind is Kind.NUMBER:
        assert q.value is not None and q.tolerance is not None
        numbers = {v for k, v in payload.items() if isinstance(v, int | float) and k not in ("min", "max", "step")}
        numbers |= {payload["min"], payload["max"], payload["step"]}
        if q.value not in (q.min, q.max) and q.value in numbers:
            found.append("value")
        if str(q.value) in text:
            found.append("value as text")
    if q.kind is Kind.ORDER:
        ids = [o["id"] for o in payload["options"]]
        texts = [o["text"] for o in payload["options"]]
        if texts == list(q.options):
            found.append("order texts presented in the true order")
        layout = room.layouts[room.index]
        assert layout is not None
        if ids == f.order_answer(room):
            found.append("order ids presented in the true order")
        if sorted(ids) != list(range(len(q.options))):
            found.append("order ids are not 0..n-1")
    return found


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("shuffle", [False, True])
def test_question_payloads_never_carry_the_answer(seed: int, shuffle: bool) -> None:
    r = f.room(*secret_deck(), seed=seed, shuffle_options=shuffle)
    a = f.join(r, "Ann")
    now = 0
    game.start(r, now)
    while r.phase is not Phase.FINISHED:
        if r.phase is Phase.QUESTION:
            payload = frames.question_payload(r)
            assert payload["type"] == "question" and payload["index"] == r.index
            assert leaks(payload, r) == []
            # the same holds for the resync copy and after an answer
            assert leaks(frames.with_time_left(payload, 1234), r) == []
            q = r.question
            assert q is not None
            if q.kind in (Kind.CHOICE, Kind.POLL):
                game.answer(r, a, r.index, payload["options"][0]["id"], now + 1)
            assert leaks(frames.question_payload(r), r) == []
            assert [frame for frame in frames.screen_frames(r) if '"correct"' in frame] == []
        now += 1000
        game.advance(r, now)


def test_the_leak_checker_catches_leaks() -> None:
    r = f.room(f.number(1962.5, minimum=1900, maximum=2000, step=0.5))
    game.start(r, 0)
    assert leaks({**frames.question_payload(r), "correct": 1}, r)
    assert leaks({**frames.question_payload(r), "hint": 1962.5}, r)
    r = f.room(f.text(("Secret",)))
    game.start(r, 0)
    assert leaks({**frames.question_payload(r), "prompt": "the secret"}, r)


def test_question_payload_shape() -> None:
    r = f.room(f.choice(), f.number(), f.order(), f.text(), f.poll(), shuffle_options=True, seed=3)
    game.start(r, 0)
    expected_kinds = ["choice", "number", "order", "text", "poll"]
    for index, kind in enumerate(expected_kinds):
        if index:
            game.advance(r, 0)
            game.advance(r, 0)
            game.advance(r, 0)
        payload = frames.question_payload(r)
        assert payload["kind"] == kind
        assert payload["count"] == 5
        assert payload["points"] in (0, 1000, 2000)
        assert payload["time_limit_ms"] == payload["time_left_ms"] == f.T
        if kind == "number":
            assert (payload["min"], payload["max"], payload["step"]) == (1900, 2000, 1)
            assert payload["options"] == []
        elif kind == "text":
            assert payload["options"] == []
        else:
            q = r.question
            assert q is not None
            options = payload["options"]
            assert sorted(o["id"] for o in options) == list(range(len(q.options)))
            assert sorted(o["text"] for o in options) == sorted(q.options)
            if kind in ("choice", "poll"):  # ids still name the deck's options
                assert all(q.options[o["id"]] == o["text"] for o in options)


def test_reveal_of_order_gives_the_true_order_as_presented_ids() -> None:
    r = f.room(f.order(("a", "b", "c", "d")), seed=5)
    game.start(r, 0)
    shown = {o["id"]: o["text"] for o in frames.question_payload(r)["options"]}
    game.close(r)
    reveal = frames.reveal_payload(r)
    assert [shown[i] for i in reveal["correct"]] == ["a", "b", "c", "d"]


_json_trees = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(_json_trees)
def test_dumps_writes_what_the_standard_encoder_writes(obj: object) -> None:
    """The encoder built once (`dumps`) and json's own, set the same way, agree."""
    assert dumps(obj) == json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    assert json.loads(dumps(obj)) == obj


@pytest.mark.parametrize("bad", [float("nan"), [float("inf")], {"x": object()}, {1.5j: 1}])
def test_dumps_refuses_what_is_not_json(bad: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        dumps(bad)


@given(st.lists(st.integers(0, 4), min_size=1, max_size=40), st.integers(0, 5))
def test_each_result_is_behind_the_nearest_player_with_more_points(scores: list[int], late: int) -> None:
    """`behind` names the nearest player ranked above with strictly more points (ties share a rank)."""
    room = f.room(f.choice(), f.choice())
    ids = f.players(room, *(f"P{i}" for i in range(len(scores))))
    game.start(room, 0)
    game.close(room)
    game.advance(room, 0)
    game.advance(room, 0)
    late_ids = f.players(room, *(f"Late{i}" for i in range(late)))  # joined mid-question
    for pid, score in zip(ids, scores, strict=True):
        game.answer(room, pid, 1, 1, 100)
        room.players[pid].score = score * 100  # many ties
    game.close(room)
    skipped = ids[len(ids) // 2]
    room.players[skipped].results.pop()  # ranked, but no result for this question: no frame, still "above"
    by_player = frames.results_by_player(room)
    ordered = game.ranking(room)
    assert set(by_player) == set(ids + late_ids) - {skipped}
    for position, (player, _rank) in enumerate(ordered):
        if player.id == skipped:
            continue
        higher = [p for p, _ in ordered[:position] if p.score > player.score]
        expected = None if not higher else {"nickname": higher[-1].nickname, "points": higher[-1].score - player.score}
        assert json.loads(by_player[player.id])["behind"] == expected
