"""The HTTP routes of the wire contract, one status at a time, through the real app."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from thaw.app import create_app
from thaw.transport.config import from_env

from .helpers import PUBLIC_URL, TestClient, make_settings, transport_decks

CODE = re.compile(r"[1-9][0-9]{5}")
CAP = 50  # the server's max_players in these tests


def _client(**limits: Any) -> TestClient:
    settings = make_settings(**limits)
    settings = type(settings)(public_url=settings.public_url, limits=settings.limits, max_players=CAP)
    return TestClient(create_app(settings, transport_decks()))


@pytest.fixture
def client() -> Iterator[TestClient]:
    with _client() as c:
        yield c


def _create(client: TestClient, deck: str = "kinds", **options: Any) -> tuple[str, str]:
    body: dict[str, Any] = {"deck": deck}
    if options:
        body["options"] = options
    response = client.post("/api/rooms", json=body)
    assert response.status_code == 201, response.text
    return response.json()["code"], response.json()["host_token"]


def _assert_problem(response: Any, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["error"], str) and isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body["error"] == code


# -- health and decks ---------------------------------------------------------------


def test_healthz_is_ok_on_the_memory_store(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["store"] == "memory"


def test_decks_are_listed_sorted_by_id_with_their_fields(client: TestClient) -> None:
    response = client.get("/api/decks")
    assert response.status_code == 200
    decks = response.json()
    ids = [d["id"] for d in decks]
    assert ids == sorted(ids) == sorted(transport_decks())
    by_id = {d["id"]: d for d in decks}
    assert by_id["kinds"]["title"] == "Every kind <b>of</b> question"
    assert by_id["kinds"]["questions"] == 8
    assert by_id["fast"]["questions"] == 3
    assert "correct" not in json.dumps(decks)


# -- creating rooms ---------------------------------------------------------------------


def test_create_room_answers_201_with_code_token_and_join_url(client: TestClient) -> None:
    response = client.post("/api/rooms", json={"deck": "kinds"})
    assert response.status_code == 201
    body = response.json()
    assert CODE.fullmatch(body["code"])
    token = body["host_token"]
    assert isinstance(token, str) and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert len(token) * 6 >= 128  # URL-safe base64: 6 bits a character
    assert body["join_url"] == f"{PUBLIC_URL}/join/{body['code']}"


def test_create_room_accepts_every_option(client: TestClient) -> None:
    response = client.post(
        "/api/rooms",
        json={"deck": "kinds", "options": {"streak_bonus": False, "shuffle_options": True, "max_players": CAP}},
    )
    assert response.status_code == 201, response.text


def test_create_room_for_an_unknown_deck_is_404(client: TestClient) -> None:
    _assert_problem(client.post("/api/rooms", json={"deck": "no-such-deck"}), 404)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"deck": "kinds"', "application/json"),  # malformed JSON
        (b"", "application/json"),  # empty body
        (b"[\"kinds\"]", "application/json"),  # not an object
        (b'"kinds"', "application/json"),  # a string
        (b"null", "application/json"),
        (b'{"deck": "kinds"}', "text/plain"),  # wrong content type
        (b"deck=kinds", "application/x-www-form-urlencoded"),
        (b'{"deck": 5}', "application/json"),  # deck not a string
        (b"{}", "application/json"),  # no deck
        (b'{"deck": "kinds", "colour": "red"}', "application/json"),  # unknown field
        (b'{"deck": "kinds", "pad": "' + b"x" * 40_000 + b'"}', "application/json"),  # huge body
        (b'{"deck": "kinds", "x": NaN}', "application/json"),
    ],
    ids=[
        "malformed", "empty", "array", "string", "null", "text-plain", "form", "deck-number", "no-deck",
        "unknown-field", "huge", "nan",
    ],
)
def test_create_room_with_a_malformed_body_is_422(client: TestClient, content: bytes, content_type: str) -> None:
    response = client.post("/api/rooms", content=content, headers={"Content-Type": content_type})
    _assert_problem(response, 422)


@pytest.mark.parametrize(
    "options",
    [
        {"streak_bonus": "yes"},
        {"streak_bonus": 1},
        {"streak_bonus": None},
        {"shuffle_options": "true"},
        {"shuffle_options": 0},
        {"max_players": "10"},
        {"max_players": 10.5},
        {"max_players": True},
        {"max_players": None},
        {"max_players": 0},
        {"max_players": -1},
        {"max_players": CAP + 1},
        {"max_players": 10**30},
        {"teams": True},
        [],
        "streak_bonus",
        7,
    ],
)
def test_create_room_with_a_bad_option_is_422(client: TestClient, options: Any) -> None:
    response = client.post("/api/rooms", json={"deck": "kinds", "options": options})
    _assert_problem(response, 422)


def test_max_players_may_be_one_or_the_cap(client: TestClient) -> None:
    _create(client, max_players=1)
    _create(client, max_players=CAP)


def test_too_many_rooms_from_one_address_is_429_with_retry_after() -> None:
    with _client(rooms_per_minute=3) as client:
        for _ in range(3):
            _create(client)
        response = client.post("/api/rooms", json={"deck": "kinds"})
        _assert_problem(response, 429, "rate_limited")
        retry = response.headers["Retry-After"]
        assert retry.isdigit() and 1 <= int(retry) <= 60


def test_the_rooms_limit_comes_from_the_environment() -> None:
    assert from_env({"THAW_ROOMS_PER_MINUTE": "2"}).limits.rooms_per_minute == 2


def test_room_codes_are_unique_and_random() -> None:
    with _client(rooms_per_minute=10_000) as client:
        codes = [_create(client)[0] for _ in range(200)]
    assert all(CODE.fullmatch(c) for c in codes)
    assert len(set(codes)) == 200
    numbers = [int(c) for c in codes]
    steps = sum(1 for a, b in itertools.pairwise(numbers) if b - a in (1, -1))
    assert steps < 5, "codes look sequential"
    assert numbers != sorted(numbers) and numbers != sorted(numbers, reverse=True)
    assert max(numbers) - min(numbers) > 300_000  # spread over the whole range
    assert len({c[0] for c in codes}) >= 7  # many leading digits


# -- room info ---------------------------------------------------------------------------


def test_room_info_tells_phase_players_and_title_and_nothing_secret(client: TestClient) -> None:
    code, token = _create(client)
    response = client.get(f"/api/rooms/{code}")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == code
    assert body["phase"] == "lobby"
    assert body["players"] == 0
    assert body["title"] == "Every kind <b>of</b> question"
    text = response.text
    assert token not in text
    for secret in ("token", "correct", "Paris", "azure", "cerulean", "answer", "prompt"):
        assert secret not in text


@pytest.mark.parametrize("code", ["123456", "012345", "12345", "1234567", "abcdef", "%C2%B9%C2%B2%C2%B3456"])
def test_room_info_of_an_unknown_room_is_404(client: TestClient, code: str) -> None:
    created, _ = _create(client)
    if code == created:  # 1 in 900,000: ask for another well-formed code nobody holds
        code = "999999" if created != "999999" else "888888"
    _assert_problem(client.get(f"/api/rooms/{code}"), 404)


# -- results ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["results.csv", "results"])
def test_results_of_an_unknown_room_are_404_before_any_token_check(client: TestClient, path: str) -> None:
    _code, token = _create(client)
    unknown = "999999" if _code != "999999" else "999998"
    _assert_problem(client.get(f"/api/rooms/{unknown}/{path}"), 404)
    _assert_problem(client.get(f"/api/rooms/{unknown}/{path}", headers={"Authorization": "Bearer nope"}), 404)
    _assert_problem(client.get(f"/api/rooms/{unknown}/{path}", headers={"Authorization": f"Bearer {token}"}), 404)


@pytest.mark.parametrize("path", ["results.csv", "results"])
def test_results_without_a_token_are_401(client: TestClient, path: str) -> None:
    code, token = _create(client)
    _assert_problem(client.get(f"/api/rooms/{code}/{path}"), 401)
    _assert_problem(client.get(f"/api/rooms/{code}/{path}", headers={"Authorization": "Bearer "}), 401)
    _assert_problem(client.get(f"/api/rooms/{code}/{path}", headers={"Authorization": f"Basic {token}"}), 401)


@pytest.mark.parametrize("path", ["results.csv", "results"])
def test_results_with_a_wrong_token_are_403(client: TestClient, path: str) -> None:
    code, token = _create(client)
    _other_code, other_token = _create(client)
    _assert_problem(client.get(f"/api/rooms/{code}/{path}", headers={"Authorization": "Bearer wrong"}), 403)
    _assert_problem(client.get(f"/api/rooms/{code}/{path}", headers={"Authorization": f"Bearer {other_token}"}), 403)
    _assert_problem(client.get(f"/api/rooms/{code}/{path}", headers={"Authorization": f"Bearer {token}x"}), 403)


def test_results_csv_of_a_room_without_players_is_just_the_header(client: TestClient) -> None:
    code, token = _create(client)
    response = client.get(f"/api/rooms/{code}/results.csv", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:4] == ["rank", "nickname", "score", "correct"]
    assert len(rows) == 1


def test_results_json_reports_the_room(client: TestClient) -> None:
    code, token = _create(client)
    response = client.get(f"/api/rooms/{code}/results", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == code
    assert body["players"] == []
    assert len(body["questions"]) == 8
    assert body["finished"] is False


# -- QR code ---------------------------------------------------------------------------------


def test_qr_code_is_an_svg(client: TestClient) -> None:
    code, _token = _create(client)
    response = client.get(f"/api/rooms/{code}/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.lstrip().startswith("<svg")
    assert "</svg>" in response.text
    _assert_problem(client.get("/api/rooms/999999/qr.svg" if code != "999999" else "/api/rooms/999998/qr.svg"), 404)


# -- pages -------------------------------------------------------------------------------------

URL_ATTR = re.compile(r"""(?:src|href|action|content)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


@pytest.mark.parametrize("path", ["/", "/join/{code}", "/host", "/results/{code}"])
def test_pages_are_html_under_a_strict_content_security_policy(client: TestClient, path: str) -> None:
    code, _token = _create(client)
    response = client.get(path.format(code=code))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    directives = {d.strip().split()[0]: d.strip().split()[1:] for d in csp.split(";") if d.strip()}
    script = directives.get("script-src", directives.get("default-src"))
    assert script is not None and "'self'" in script
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    html = response.text
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "an inline script"
    assert re.search(r"\son[a-z]+\s*=", html) is None, "an inline event handler"
    for url in URL_ATTR.findall(html):
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") or url.startswith("//"):
            assert parts.netloc == "testserver", f"a third-party URL in {path}: {url}"
    for host in ("googleapis", "cdn", "jsdelivr", "unpkg", "cloudflare", "gstatic"):
        assert host not in html.lower()


def test_unknown_api_route_is_a_json_404(client: TestClient) -> None:
    _assert_problem(client.get("/api/nothing-here"), 404)
