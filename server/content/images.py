"""Question images: decoded and re-encoded with Pillow, never kept or served as given.

An upload carries an image as a `data:image/...;base64,` URL; a deck file names a
file beside it. Either way the bytes are decoded as one of four raster formats,
checked for anything riding along (data after the image's end, markup inside),
scaled to fit `IMAGE_EDGE_MAX` and written again without metadata. What is kept
is named by the hash of what was written, so the same picture is kept once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from ..shared.marks import N_, english
from . import limits
from .document import Finding

FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
ACCEPTED_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")
"""The types of the data: URLs a deck's images may be (the editor's file picker offers these)."""
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.(?:png|jpe?g|webp|gif)", re.IGNORECASE)
_DATA_URL = re.compile(r"data:([a-z0-9.+-]+/[a-z0-9.+-]+)?(;[^,]*)?,", re.IGNORECASE)
_MARKUP = re.compile(rb"<(?:script|svg|html|body|iframe|object|\?php|\?xml|!doctype)", re.IGNORECASE)
_ACCEPTED = N_("PNG, JPEG, WebP or GIF")


class ImageRefused(Exception):
    """The bytes are not an image we keep; the message says why, for a teacher."""


def reencode(raw: bytes) -> tuple[str, bytes]:
    """(name, bytes) of the re-encoded image, or ImageRefused."""
    if len(raw) > limits.IMAGE_MAX_BYTES:
        raise ImageRefused(english("the image is %(size)s bytes (at most %(max)s MiB)", size=len(raw),
                                   max=limits.IMAGE_MAX_BYTES // limits.MIB))
    if raw.lstrip()[:5].lower() in (b"<?xml", b"<svg ", b"<svg>") or b"<svg" in raw[:1024].lower():
        raise ImageRefused(english("SVG images are not accepted (only %(what)s): save it as PNG", what=_ACCEPTED))
    if _MARKUP.search(raw):
        raise ImageRefused(N_("the image file also holds web page code: save the picture again as PNG or JPEG"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=FORMATS)
            width, height = image.size
            if width * height > limits.IMAGE_PIXELS_MAX:
                raise ImageRefused(english("the image is %(width)s×%(height)s pixels: too large to open", width=width,
                                                   height=height))
            _check_ends(raw, image.format or "")
            image.load()
    except ImageRefused:
        raise
    except UnidentifiedImageError:
        raise ImageRefused(english("not an image this server reads (only %(what)s)", what=_ACCEPTED)) from None
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused(english("the image is damaged or cut short (%(reason)s)", reason=str(exc)[:80])) from None
    return _write(image)


def _check_ends(raw: bytes, fmt: str) -> None:
    """Refuse a file that goes on after the image ends (an image glued to another file)."""
    tail = b""
    if fmt == "PNG":
        end = raw.rfind(b"IEND")
        tail = raw[end + 8 :] if end >= 0 else b""
    elif fmt == "JPEG":
        end = raw.rfind(b"\xff\xd9")
        tail = raw[end + 2 :] if end >= 0 else b""
    elif fmt == "GIF" and not raw.rstrip(b"\x00").endswith(b";"):
        raise ImageRefused(N_("the image is damaged or cut short (a GIF ends with its trailer byte)"))
    elif fmt == "WEBP":
        declared = int.from_bytes(raw[4:8], "little") + 8
        tail = raw[declared + (declared % 2) :] if len(raw) > declared + 1 else b""
    if tail.strip(b"\x00"):
        raise ImageRefused(N_("the file goes on after the image ends (another file glued to it?): "
                              "save the picture again"))


def _write(image: Image.Image) -> tuple[str, bytes]:
    image.seek(0)
    frame = ImageOps.exif_transpose(image) or image
    has_alpha = frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info)
    clean = frame.convert("RGBA" if has_alpha else "RGB")
    clean.thumbnail((limits.IMAGE_EDGE_MAX, limits.IMAGE_EDGE_MAX))
    clean.info = {}
    out = io.BytesIO()
    if image.format == "JPEG" and not has_alpha:
        clean.save(out, "JPEG", quality=85, optimize=True)
        ext = "jpg"
    else:
        clean.save(out, "PNG", optimize=True)
        ext = "png"
    data = out.getvalue()
    return f"{hashlib.sha256(data).hexdigest()[:32]}.{ext}", data


def from_data_url(value: str) -> bytes:
    """The bytes of a `data:image/...;base64,` URL, or ImageRefused."""
    match = _DATA_URL.match(value)
    if match is None:
        raise ImageRefused(english("image must be a data: URL of a %(what)s picture", what=_ACCEPTED))
    mime = (match.group(1) or "").lower()
    if "svg" in mime:
        raise ImageRefused(english("SVG images are not accepted (only %(what)s): save it as PNG", what=_ACCEPTED))
    if mime not in (*ACCEPTED_TYPES, "image/jpg"):
        raise ImageRefused(english("image type %(mime)r is not accepted (only %(what)s)", mime=mime or "unknown",
                                   what=_ACCEPTED))
    if "base64" not in (match.group(2) or "").lower():
        raise ImageRefused(N_("image must be base64-encoded (data:image/png;base64,...)"))
    body = value[match.end() :]
    if len(body) > (limits.IMAGE_MAX_BYTES * 4) // 3 + 4:
        raise ImageRefused(english("the image is larger than %(max)s MiB", max=limits.IMAGE_MAX_BYTES // limits.MIB))
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ImageRefused(N_("the image's base64 text is damaged")) from None


def take_images(data: Any) -> tuple[list[Finding], dict[str, bytes], Any]:
    """Re-encode every question's data: URL image; the deck comes back naming the kept images."""
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        return [], {}, data
    problems: list[Finding] = []
    media: dict[str, bytes] = {}
    total = 0
    questions: list[Any] = []
    for index, item in enumerate(data["questions"]):
        if not isinstance(item, dict) or "image" not in item or item["image"] is None:
            questions.append(item)
            continue
        value = item["image"]
        try:
            if not isinstance(value, str):
                raise ImageRefused(english("image must be a data: URL of a %(what)s picture", what=_ACCEPTED))
            name, encoded = _reencode_url(value)
        except ImageRefused as exc:
            problems.append(Finding(index, "image", str(exc)))
            questions.append({**item, "image": None, "image_on_phones": None})  # one problem, not two
            continue
        total += len(encoded)
        media[name] = encoded
        questions.append({**item, "image": name})
    if total > limits.IMAGES_TOTAL_MAX_BYTES:
        problems.append(Finding(None, None, N_("the deck's images are too large together: use fewer or smaller ones")))
    return problems, media, {**data, "questions": questions}


class _Recent:
    """The last few images re-encoded, by the hash of their data: URL.

    The editor checks a deck as the teacher types, sending its images each time;
    decoding them again for every keystroke would cost a core. Bounded in bytes."""

    def __init__(self, max_bytes: int = 16 * limits.MIB) -> None:
        self.max_bytes = max_bytes
        self.entries: OrderedDict[bytes, tuple[str, bytes] | str] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()  # uploads are decoded in worker threads

    def get(self, key: bytes) -> tuple[str, bytes] | str | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: bytes, value: tuple[str, bytes] | str) -> None:
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = value
            self.size += len(value[1]) if isinstance(value, tuple) else 0
            while self.size > self.max_bytes and self.entries:
                _, old = self.entries.popitem(last=False)
                self.size -= len(old[1]) if isinstance(old, tuple) else 0


_RECENT = _Recent()


def _reencode_url(value: str) -> tuple[str, bytes]:
    key = hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()
    known = _RECENT.get(key)
    if isinstance(known, str):
        raise ImageRefused(known)
    if known is not None:
        return known
    try:
        result = reencode(from_data_url(value))
    except ImageRefused as exc:
        _RECENT.put(key, str(exc))
        raise
    _RECENT.put(key, result)
    return result


def from_file(folder: Path, name: str) -> tuple[str, bytes]:
    """An image file beside a deck, re-encoded; ImageRefused naming what is wrong."""
    if not FILE_NAME.fullmatch(name) or ".." in name:
        raise ImageRefused(english('image "%(name)s" must be the name of a .png, .jpg, .webp or .gif file '
                                   'beside the deck',
                                   name=name))
    path = folder / name
    try:
        raw = path.read_bytes()
    except OSError:
        raise ImageRefused(english('image "%(name)s" is not a file beside the deck', name=name)) from None
    return reencode(raw)
