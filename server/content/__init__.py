"""Decks: the YAML format, its loader and validator, `thaw check` and `thaw import`.

Everything here reports problems as `file:line: message` so an author can jump
straight to the mistake; nothing here knows about rooms, sockets or storage.
"""

from __future__ import annotations

from .loader import default_content_dir, load_deck, load_decks, parse_deck
from .problems import DeckError, Problem

__all__ = [
    "DeckError",
    "Problem",
    "default_content_dir",
    "load_deck",
    "load_decks",
    "parse_deck",
]
