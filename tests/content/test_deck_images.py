"""Images beside a shipped deck: re-encoded when the decks load, refused with the question's line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from thaw.app import create_app
from thaw.content.images import ImageRefused, reencode
from thaw.content.kept import shipped_media
from thaw.content.loader import load_deck, load_decks
from thaw.content.problems import DeckError

from tests.transport.helpers import TestClient, make_settings

DECK = "id: pics\ntitle: Pictures\nquestions:\n  - kind: truefalse\n    prompt: Is it red?\n    correct: true\n"


def picture(fmt: str = "PNG", size: tuple[int, int] = (30, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (220, 20, 20)).save(out, fmt)
    return out.getvalue()


def write_deck(folder: Path, image: str) -> Path:
    path = folder / "pics.yaml"
    path.write_text(DECK + f"    image: {image}\n", encoding="utf-8")
    return path


def test_an_image_beside_the_deck_is_reencoded_and_hosted(tmp_path: Path) -> None:
    (tmp_path / "red.gif").write_bytes(picture("GIF"))
    deck = load_deck(write_deck(tmp_path, "red.gif"))
    name = deck.questions[0].image
    assert name is not None and name.endswith(".png")
    assert Image.open(io.BytesIO(shipped_media(deck)[name])).format == "PNG"
    with TestClient(create_app(make_settings(), load_decks([tmp_path]))) as client:
        created = client.post("/api/rooms", json={"deck": "pics"}).json()
        with client.websocket_connect(f"/ws/{created['code']}") as socket:
            socket.send_json({"type": "host", "token": created["host_token"]})
            socket.receive_json(), socket.receive_json()
            socket.send_json({"type": "start"})
            frames = [socket.receive_json() for _ in range(2)]
        url = next(f for f in frames if f["type"] == "question")["image"]
        assert client.get(url).headers["content-type"] == "image/png"


@pytest.mark.parametrize(("image", "content", "words"), [
    ("missing.png", None, "not a file beside the deck"),
    ("../secret.png", None, "must be the name"),
    ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "must be the name"),
    ("fake.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"),
    ("cut.png", picture(size=(300, 300))[:-40], "damaged"),
])
def test_a_bad_image_names_the_question_and_line(tmp_path: Path, image: str, content: bytes | None,
                                                 words: str) -> None:
    if content is not None:
        (tmp_path / image).write_bytes(content)
    with pytest.raises(DeckError) as caught:
        load_deck(write_deck(tmp_path, image))
    [problem] = caught.value.problems
    assert problem.line == 4 and "question 1" in problem.message and words in problem.message


def test_reencoding_bounds_size_and_strips_metadata() -> None:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x8298] = "Copyright someone"
    Image.new("RGB", (4000, 100), (1, 2, 3)).save(out, "JPEG", exif=exif, comment=b"hello")
    name, data = reencode(out.getvalue())
    image = Image.open(io.BytesIO(data))
    assert name.endswith(".jpg") and image.size == (1600, 40)
    assert not image.getexif() and "comment" not in image.info
    transparent = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(transparent, "WEBP")
    assert reencode(transparent.getvalue())[0].endswith(".png")


@pytest.mark.parametrize("raw", [
    picture("GIF")[:-1],  # no trailer
    picture("WEBP") + b"MZ\x90\x00 trailing program",
    picture("JPEG") + b"<script>alert(1)</script>",
    b"GIF89a" + b"\x00" * 20,
])
def test_refused_bytes(raw: bytes) -> None:
    with pytest.raises(ImageRefused):
        reencode(raw)


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")  # small file, 64 megapixels
    with pytest.raises(ImageRefused, match="too large"):
        reencode(out.getvalue())
