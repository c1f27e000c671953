"""The editor's page: served with the deck format's sizes, taken from the format itself."""

from __future__ import annotations

import html
import json
import re

from thaw.content import images, limits

from .test_deck_upload import client  # noqa: F401  (the fixture)


def test_create_page_carries_the_form_sizes_from_the_deck_format(client) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    response = client.get("/create")
    assert response.status_code == 200
    assert "script-src 'self';" in response.headers["content-security-policy"]
    assert '/static/js/editor.js"' in response.text
    assert '/static/css/editor.css"' in response.text
    match = re.search(r'data-form="([^"]*)"', response.text)
    assert match, "the page carries the form's sizes"
    form = json.loads(html.unescape(match.group(1)))
    assert form["kinds"] == list(limits.KINDS)
    assert form["options"] == [limits.OPTIONS_MIN, limits.OPTIONS_MAX]
    assert form["multi_options"] == [limits.MULTI_MIN, limits.OPTIONS_MAX]
    assert form["items"] == [limits.ORDER_MIN, limits.ORDER_MAX]
    assert form["time"] == [limits.TIME_MIN_S, limits.TIME_MAX_S]
    assert form["points"] == sorted(limits.POINTS)
    assert form["max"]["prompt"] == limits.PROMPT_MAX
    assert form["image_max_bytes"] == limits.IMAGE_MAX_BYTES
    assert form["image_types"] == list(images.ACCEPTED_TYPES)


def test_host_page_loads_the_editor_styles_for_the_teacher_s_quizzes(client) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    response = client.get("/host")
    assert response.status_code == 200
    assert '/static/css/editor.css"' in response.text
