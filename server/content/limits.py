"""The deck format's names and limits, shared by the loader, the importer and the docs."""

from __future__ import annotations

import re

from ..domain.model import (
    MULTI_CORRECT_MIN,
    MULTI_OPTIONS_MIN,
    POINTS_ALLOWED,
    TEXT_ANSWER_MAX,
    TIME_LIMIT_MAX_MS,
    TIME_LIMIT_MIN_MS,
)

DECK_ID = re.compile(r"[a-z0-9-]+")
DECK_ID_MAX = 64
TITLE_MAX = 120
DESCRIPTION_MAX = 300
PROMPT_MAX = 300
OPTION_MAX = 120
EXPLANATION_MAX = 600
SOURCE_MAX = 200
ACCEPT_MAX = TEXT_ANSWER_MAX
OPTIONS_MIN, OPTIONS_MAX = 2, 6
ORDER_MIN, ORDER_MAX = 3, 6
MULTI_MIN = MULTI_OPTIONS_MIN
MULTI_RIGHT_MIN = MULTI_CORRECT_MIN
TIME_MIN_S = TIME_LIMIT_MIN_MS // 1000
TIME_MAX_S = TIME_LIMIT_MAX_MS // 1000
DEFAULT_TIME_S = 20
DEFAULT_POINTS = 1000
POINTS = POINTS_ALLOWED
FILE_MAX_BYTES = 1_000_000
QUESTIONS_MAX = 100

# A deck sent from a browser: the text of the deck (images left out) is held to
# FILE_MAX_BYTES like a file; the images to these. Above them the answer is 413.
MIB = 1024 * 1024
IMAGE_MAX_BYTES = 2 * MIB  # one image, decoded from its data: URL
IMAGES_MAX = 40  # images in one deck
IMAGES_TOTAL_MAX_BYTES = 8 * MIB  # all images of one deck, decoded
UPLOAD_BODY_MAX_BYTES = 12 * MIB  # one request: the deck as JSON, images base64-encoded
IMAGE_EDGE_MAX = 1600  # pixels: a re-encoded image is scaled down to fit this square
IMAGE_PIXELS_MAX = 40_000_000  # refuse to decode more (a "decompression bomb")
IMAGE_NAME_MAX = 120  # an image file name beside a deck
DECK_SUFFIXES = (".yaml", ".yml")

DECK_KEYS = ("id", "title", "description", "lang", "notes", "defaults", "questions", "allow")
DEFAULTS_KEYS = ("time_limit", "points")
COMMON_KEYS = ("kind", "prompt", "time_limit", "points", "explanation", "source", "image", "image_on_phones", "allow")
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "choice": ("options", "correct"),
    "truefalse": ("correct",),
    "order": ("items",),
    "number": ("min", "max", "step", "answer", "tolerance"),
    "text": ("accept",),
    "poll": ("options",),
    "multi": ("options", "correct"),
}
KINDS = tuple(KIND_KEYS)
TRUEFALSE_OPTIONS = ("True", "False")
