"""A deck sent from a browser: size limits first, then the images, then the deck rules.

Nothing here keeps anything: the caller stores the deck and its images only
when `prepare` found no problem at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..domain.model import Deck
from ..shared.marks import english
from . import limits
from .document import Checked, Finding, check_data


class TooLarge(Exception):
    """The upload is over a size limit (HTTP 413); `problems` say which."""

    def __init__(self, problems: list[Finding]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


@dataclass(slots=True)
class Prepared:
    """A checked upload: the deck (None on any problem), its problems and re-encoded images by name."""

    deck: Deck | None
    problems: list[Finding]
    media: dict[str, bytes] = field(default_factory=dict)
    checked: Checked | None = None


def prepare(data: Any) -> Prepared:
    """Check a deck given as JSON data; images are decoded and re-encoded here."""
    _check_size(data)
    from .images import take_images  # Pillow is imported only when a deck is uploaded

    problems, media, data = take_images(data)
    checked = check_data(data)
    found = problems + checked.problems
    found.sort(key=lambda p: -1 if p.question is None else p.question)
    deck = checked.deck if not found else None
    return Prepared(deck, found, media if deck is not None else {}, checked)


def _check_size(data: Any) -> None:
    """413 when the deck's text, its number of questions or its images are over the limits."""
    if not isinstance(data, dict):
        return
    questions = data.get("questions")
    images: list[str] = []
    if isinstance(questions, list):
        for item in questions:
            if isinstance(item, dict) and isinstance(item.get("image"), str):
                images.append(item["image"])
    text = json.dumps(data, ensure_ascii=False, default=str).encode("utf-8", "replace")
    text_bytes = len(text) - sum(len(image) for image in images)
    problems: list[Finding] = []
    if text_bytes > limits.FILE_MAX_BYTES:
        problems.append(Finding(None, None, english("the deck's text is %(size)s bytes (at most %(max)s)",
                                                    size=text_bytes, max=limits.FILE_MAX_BYTES)))
    if isinstance(questions, list) and len(questions) > limits.QUESTIONS_MAX:
        problems.append(
            Finding(None, "questions", english("a deck has at most %(max)s questions, not %(count)s",
                                               max=limits.QUESTIONS_MAX, count=len(questions)))
        )
    if len(images) > limits.IMAGES_MAX:
        problems.append(Finding(None, None, english("a deck has at most %(max)s images, not %(count)s",
                                                    max=limits.IMAGES_MAX, count=len(images))))
    encoded = sum(len(image) for image in images)
    if encoded * 3 // 4 > limits.IMAGES_TOTAL_MAX_BYTES + limits.IMAGES_MAX * 4:
        total = limits.IMAGES_TOTAL_MAX_BYTES // limits.MIB
        problems.append(Finding(None, None, english("the deck's images add up to more than %(max)s MiB", max=total)))
    if problems:
        raise TooLarge(problems)
