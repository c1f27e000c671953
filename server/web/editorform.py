"""What the quiz editor's form needs to know of the deck format, taken from `content.limits`
and `content.images`.

The editor validates nothing itself (`POST /api/decks/check` does): these only
shape the form (how many option rows, which kinds, `maxlength`, the image types
offered, a deck id good for a file name), so the rules live in one place and
reach the page as a `data-form` attribute.
"""

from __future__ import annotations

import json
from typing import Any

from ..content import images, limits


def form_settings() -> dict[str, Any]:
    return {
        "kinds": list(limits.KINDS),
        "id_pattern": limits.DECK_ID.pattern,
        "options": [limits.OPTIONS_MIN, limits.OPTIONS_MAX],
        "multi_options": [limits.MULTI_MIN, limits.OPTIONS_MAX],
        "items": [limits.ORDER_MIN, limits.ORDER_MAX],
        "time": [limits.TIME_MIN_S, limits.TIME_MAX_S],
        "default_time": limits.DEFAULT_TIME_S,
        "default_points": limits.DEFAULT_POINTS,
        "points": sorted(limits.POINTS),
        "max": {
            "id": limits.DECK_ID_MAX,
            "title": limits.TITLE_MAX,
            "description": limits.DESCRIPTION_MAX,
            "prompt": limits.PROMPT_MAX,
            "option": limits.OPTION_MAX,
            "explanation": limits.EXPLANATION_MAX,
            "accept": limits.ACCEPT_MAX,
        },
        "truefalse": list(limits.TRUEFALSE_OPTIONS),
        "image_max_bytes": limits.IMAGE_MAX_BYTES,
        "image_types": list(images.ACCEPTED_TYPES),
    }


def form_json() -> str:
    return json.dumps(form_settings(), separators=(",", ":"))
