"""Images of the shipped decks: re-encoded once, when the decks are loaded, and kept by name.

A room playing a shipped deck gets copies of its images in the store like any
other room, so every instance serves them the same way (`/media/CODE/NAME`).
"""

from __future__ import annotations

import re

from ..domain.model import Deck

MEDIA_NAME = re.compile(r"[0-9a-f]{32}\.(?:png|jpg)")  # what images.reencode names its output

_SHIPPED: dict[str, bytes] = {}


def keep(name: str, data: bytes) -> None:
    _SHIPPED[name] = data


def shipped_media(deck: Deck) -> dict[str, bytes]:
    """The images a shipped deck's questions name (none for most decks)."""
    return {q.image: _SHIPPED[q.image] for q in deck.questions if q.image and q.image in _SHIPPED}
