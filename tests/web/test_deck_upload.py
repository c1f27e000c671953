"""A teacher's own deck over HTTP: checked by the one validator, hosted, refused with its problems named."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from thaw.app import create_app
from thaw.content import limits

from ..transport.helpers import TestClient, make_settings, transport_decks


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(), transport_decks())) as c:
        yield c


def deck(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "my-quiz",
        "title": "My quiz",
        "questions": [
            {"kind": "choice", "prompt": "Capital of France?", "options": ["Paris", "Lyon", "Nice"],
             "correct": "Paris"},
            {"kind": "truefalse", "prompt": "Water boils at 100 °C at sea level.", "correct": True},
            {"kind": "number", "prompt": "How many legs has a spider?", "min": 0, "max": 10, "answer": 8},
        ],
    }
    body.update(extra)
    return body


def png(size: tuple[int, int] = (40, 30), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def data_url(raw: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(raw).decode()}"


def rooms_in(client: TestClient) -> int:
    return len(client.app.state.runtime.store.records.rooms)  # type: ignore[attr-defined]


# -- /api/decks/check ---------------------------------------------------------------


def test_a_valid_deck_checks_ok(client: TestClient) -> None:
    response = client.post("/api/decks/check", json=deck())
    assert response.status_code == 200, response.text
    assert response.json()["ok"] is True
    assert isinstance(response.json()["warnings"], list)


def test_problems_name_the_question_and_field(client: TestClient) -> None:
    body = deck()
    body["questions"][0]["correct"] = "Marseille"
    body["questions"][1] = {"kind": "truefalse", "correct": True}
    body["questions"][2]["kind"] = "essay"
    response = client.post("/api/decks/check", json=body)
    assert response.status_code == 422
    found = response.json()
    assert found["error"] == "invalid_deck" and found["message"]
    located = {(p["question"], p["field"]) for p in found["problems"]}
    assert located == {(0, "correct"), (1, "prompt"), (2, "kind")}
    assert all(isinstance(p["message"], str) and p["message"] for p in found["problems"])


def test_deck_level_problems_have_no_question(client: TestClient) -> None:
    response = client.post("/api/decks/check", json={"title": "T", "questions": []})
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert {p["question"] for p in problems} == {None}
    assert {p["field"] for p in problems} >= {"id", "questions"}


def test_an_option_listed_twice_names_its_position(client: TestClient) -> None:
    body = deck()
    body["questions"][0]["options"] = ["Paris", "Lyon", "paris"]
    problems = client.post("/api/decks/check", json=body).json()["problems"]
    assert [(p["question"], p["field"], p.get("item")) for p in problems] == [(0, "options", 2)]


def test_yaml_text_is_checked_the_same_way(client: TestClient) -> None:
    text = "id: q\ntitle: Q\nquestions:\n  - kind: choice\n    prompt: P\n    options: [a, b]\n    correct: c\n"
    response = client.post("/api/decks/check", content=text.encode(), headers={"content-type": "application/yaml"})
    assert response.status_code == 422
    [found] = response.json()["problems"]
    assert (found["question"], found["field"], found["line"]) == (0, "correct", 7)
    good = b"id: q\ntitle: Q\nquestions:\n  - {kind: truefalse, prompt: P, correct: true}\n"
    ok = client.post("/api/decks/check", content=good, headers={"content-type": "application/yaml"})
    assert ok.status_code == 200, ok.text


def test_yaml_syntax_errors_keep_their_line(client: TestClient) -> None:
    response = client.post("/api/decks/check", content=b"id: q\ntitle: [\n", headers={"content-type": "text/yaml"})
    assert response.status_code == 422
    assert response.json()["problems"][0]["line"] >= 2


def test_unpaired_surrogate_is_a_problem_on_its_question(client: TestClient) -> None:
    text = json.dumps(deck()).replace("Capital of France?", "\\ud800")
    response = client.post("/api/decks/check", content=text.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 422
    first = response.json()["problems"][0]
    assert (first["question"], first["field"]) == (0, "prompt")
    assert "surrogate" in first["message"]


def test_other_content_types_are_415(client: TestClient) -> None:
    response = client.post("/api/decks/check", content=b"x", headers={"content-type": "text/plain"})
    assert response.status_code == 415


# -- POST /api/rooms with deck_data ---------------------------------------------------


def test_a_room_plays_the_deck_sent_with_it(client: TestClient) -> None:
    response = client.post("/api/rooms", json={"deck_data": deck(), "options": {"streak_bonus": False}})
    assert response.status_code == 201, response.text
    code = response.json()["code"]
    assert client.get(f"/api/rooms/{code}").json()["title"] == "My quiz"
    with client.websocket_connect(f"/ws/{code}") as socket:
        socket.send_json({"type": "host", "token": response.json()["host_token"]})
        assert socket.receive_json()["type"] == "host_welcome"
        socket.receive_json()  # lobby
        socket.send_json({"type": "start"})
        frames = [socket.receive_json() for _ in range(2)]
        question = next(f for f in frames if f["type"] == "question")
        assert question["prompt"] == "Capital of France?" and question["count"] == 3


def test_markup_in_a_deck_is_kept_as_text(client: TestClient) -> None:
    body = deck()
    body["questions"][0]["prompt"] = "<script>alert(1)</script>"
    response = client.post("/api/rooms", json={"deck_data": body})
    assert response.status_code == 201
    with client.websocket_connect(f"/ws/{response.json()['code']}") as socket:
        socket.send_json({"type": "host", "token": response.json()["host_token"]})
        socket.receive_json(), socket.receive_json()
        socket.send_json({"type": "start"})
        frames = [socket.receive_json() for _ in range(2)]
        assert any(f.get("prompt") == "<script>alert(1)</script>" for f in frames)


def test_an_invalid_deck_is_422_and_no_room_is_made(client: TestClient) -> None:
    body = deck()
    body["questions"][1]["kind"] = "essay"
    response = client.post("/api/rooms", json={"deck_data": body})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_deck"
    assert response.json()["problems"][0]["question"] == 1
    assert rooms_in(client) == 0


def test_deck_and_deck_data_together_are_refused(client: TestClient) -> None:
    response = client.post("/api/rooms", json={"deck": "kinds", "deck_data": deck()})
    assert response.status_code == 422
    assert response.json()["error"] == "bad_body"


def test_an_oversized_deck_is_413_and_nothing_is_kept(client: TestClient) -> None:
    many = deck(questions=[{"kind": "truefalse", "prompt": f"Q{i}", "correct": True}
                           for i in range(limits.QUESTIONS_MAX + 1)])
    response = client.post("/api/rooms", json={"deck_data": many})
    assert response.status_code == 413
    assert "at most" in response.json()["problems"][0]["message"]
    wordy = deck(notes="x" * (limits.FILE_MAX_BYTES + 10))
    assert client.post("/api/rooms", json={"deck_data": wordy}).status_code == 413
    huge = b'{"deck_data": "' + b"x" * (limits.UPLOAD_BODY_MAX_BYTES + 1) + b'"}'
    response = client.post("/api/rooms", content=huge, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert rooms_in(client) == 0


def test_a_plain_room_body_keeps_its_old_limit(client: TestClient) -> None:
    body = json.dumps({"deck": "kinds", "pad": "x" * 20_000}).encode()
    response = client.post("/api/rooms", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["error"] == "bad_body"


def test_uploads_and_checks_are_rate_limited_per_address() -> None:
    with TestClient(create_app(make_settings(uploads_per_minute=2, checks_per_minute=3), transport_decks())) as c:
        assert c.post("/api/rooms", json={"deck_data": deck()}).status_code == 201
        assert c.post("/api/import?format=gift", content=b"Q? {T}").status_code == 200
        refused = c.post("/api/rooms", json={"deck_data": deck()})
        assert refused.status_code == 429 and refused.headers["retry-after"]
        assert c.post("/api/import?format=gift", content=b"Q? {T}").status_code == 429
        assert c.post("/api/rooms", json={"deck": "kinds"}).status_code == 201
        for _ in range(3):
            assert c.post("/api/decks/check", json=deck()).status_code == 200
        assert c.post("/api/decks/check", json=deck()).status_code == 429


# -- images ------------------------------------------------------------------------------


def _host_first_question(client: TestClient, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    response = client.post("/api/rooms", json={"deck_data": body})
    assert response.status_code == 201, response.text
    code = response.json()["code"]
    with client.websocket_connect(f"/ws/{code}") as socket:
        socket.send_json({"type": "host", "token": response.json()["host_token"]})
        socket.receive_json(), socket.receive_json()
        socket.send_json({"type": "start"})
        frames = [socket.receive_json() for _ in range(2)]
    return code, next(f for f in frames if f["type"] == "question")


def test_an_image_is_reencoded_and_served_from_the_room(client: TestClient) -> None:
    exif = Image.Exif()
    exif[0x010E] = "secret location"
    out = io.BytesIO()
    Image.new("RGB", (3000, 1500), (10, 120, 200)).save(out, "JPEG", exif=exif)
    body = deck()
    body["questions"][0]["image"] = data_url(out.getvalue(), "image/jpeg")
    code, question = _host_first_question(client, body)
    assert question["image_on_phones"] is False
    url = question["image"]
    assert url.startswith(f"/media/{code}/") and url.endswith(".jpg")
    served = client.get(url)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert "immutable" in served.headers["cache-control"]
    assert served.headers["x-content-type-options"] == "nosniff"
    image = Image.open(io.BytesIO(served.content))
    assert max(image.size) == limits.IMAGE_EDGE_MAX
    assert b"secret location" not in served.content and not image.getexif()
    assert client.get(url.replace(code, "999999")).status_code == 404


def test_webp_and_gif_become_png(client: TestClient) -> None:
    body = deck()
    body["questions"][0]["image"] = data_url(png(fmt="WEBP"), "image/webp")
    body["questions"][0]["image_on_phones"] = True
    body["questions"][1]["image"] = data_url(png(fmt="GIF"), "image/gif")
    _, question = _host_first_question(client, body)
    assert question["image"].endswith(".png") and question["image_on_phones"] is True
    assert client.get(question["image"]).headers["content-type"] == "image/png"


BAD_IMAGES = {
    "svg": ("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
    "svg as png": ("image/png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
    "truncated": ("image/png", png((200, 200))[:-60], "damaged"),
    "polyglot": ("image/png", png() + b"<html><script>alert(1)</script></html>", "web page"),
    "glued zip": ("image/png", png() + b"PK\x03\x04" + b"\x01" * 40, "after the image ends"),
    "not an image": ("image/png", b"hello, world", "not an image"),
    "text type": ("text/html", b"<b>x</b>", "not accepted"),
    "oversized": ("image/png", b"\x89PNG" + b"\x00" * (limits.IMAGE_MAX_BYTES + 1), "MiB"),
}


@pytest.mark.parametrize("case", sorted(BAD_IMAGES))
def test_a_bad_image_is_a_problem_on_its_question_and_nothing_is_kept(client: TestClient, case: str) -> None:
    mime, raw, words = BAD_IMAGES[case]
    body = deck()
    body["questions"][2]["image"] = data_url(raw, mime)
    for route, payload in (("/api/decks/check", body), ("/api/rooms", {"deck_data": body})):
        response = client.post(route, json=payload)
        assert response.status_code == 422, response.text
        [found] = response.json()["problems"]
        assert (found["question"], found["field"]) == (2, "image")
        assert words in found["message"]
    assert rooms_in(client) == 0


def test_image_on_phones_needs_an_image_and_a_boolean(client: TestClient) -> None:
    body = deck()
    body["questions"][0]["image_on_phones"] = True
    body["questions"][1]["image_on_phones"] = "yes"
    problems = client.post("/api/decks/check", json=body).json()["problems"]
    assert [(p["question"], p["field"]) for p in problems] == [(0, "image_on_phones"), (1, "image_on_phones")]
    body = deck()
    body["questions"][0].update(image=data_url(b"<svg/>", "image/svg+xml"), image_on_phones=True)
    [only] = client.post("/api/decks/check", json=body).json()["problems"]
    assert only["field"] == "image"


def test_too_many_images_is_413(client: TestClient) -> None:
    image = data_url(png())
    body = deck(questions=[{"kind": "truefalse", "prompt": f"Q{i}", "correct": True, "image": image}
                           for i in range(limits.IMAGES_MAX + 1)])
    response = client.post("/api/rooms", json={"deck_data": body})
    assert response.status_code == 413
    assert rooms_in(client) == 0


def test_media_names_are_checked_before_the_store(client: TestClient) -> None:
    for path in ("/media/123456/../../etc.png", "/media/123456/x.svg", "/media/12/abc.png",
                 "/media/123456/" + "a" * 32 + ".html"):
        assert client.get(path).status_code == 404


# -- any shape at all ----------------------------------------------------------------------

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
                     st.sampled_from(["choice", "truefalse", "order", "number", "text", "poll", "true", "1956"]))
_KEYS = st.sampled_from(["id", "title", "questions", "kind", "prompt", "options", "correct", "items", "min", "max",
                         "answer", "step", "tolerance", "accept", "points", "time_limit", "image", "allow",
                         "defaults", "explanation", "source", "notes", "x"])
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_KEYS, inner, max_size=6), max_leaves=25
)
_QUESTION = st.dictionaries(_KEYS, _VALUES, max_size=7)
_DECKS = st.one_of(_VALUES, st.fixed_dictionaries({"id": _VALUES, "title": _VALUES,
                                                   "questions": st.lists(_QUESTION, max_size=4)}))


@pytest.fixture(scope="module")
def unlimited() -> Iterator[TestClient]:
    roomy = make_settings(rooms_per_minute=10**6, uploads_per_minute=10**6, checks_per_minute=10**6)
    with TestClient(create_app(roomy, transport_decks())) as c:
        yield c


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_DECKS)
def test_any_shape_is_answered_with_problems_never_a_failure(unlimited: TestClient, data: Any) -> None:
    client = unlimited
    json_type = {"content-type": "application/json"}
    checked = client.post("/api/decks/check", content=json.dumps(data).encode(), headers=json_type)
    assert checked.status_code in (200, 422), checked.text
    if checked.status_code == 422:
        assert all(isinstance(p["message"], str) for p in checked.json()["problems"])
    hosted = client.post("/api/rooms", content=json.dumps({"deck_data": data}).encode(), headers=json_type)
    assert hosted.status_code in (201, 422), hosted.text
    assert (hosted.status_code == 201) == (checked.status_code == 200)
