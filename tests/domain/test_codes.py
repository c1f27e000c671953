"""A room code's form: the one rule the socket, the pages, the API and the browser check."""

from __future__ import annotations

import re

import pytest
from thaw.domain import codes


@pytest.mark.parametrize("text", ["123456", "999999", "100000"])
def test_six_digits_not_starting_with_0_are_a_code(text: str) -> None:
    assert codes.is_code(text)


@pytest.mark.parametrize(
    "text",
    ["", "012345", "12345", "1234567", "abcdef", "12345a", "123456\n", " 123456", "¹²³456", "١٢٣٤٥٦", "１２３４５６"],
)
def test_anything_else_is_not(text: str) -> None:
    assert not codes.is_code(text)


def test_every_code_drawn_has_the_form() -> None:
    drawn = [codes.new() for _ in range(2000)]
    assert all(codes.is_code(code) for code in drawn)
    assert len({code[0] for code in drawn}) == 9  # every first digit but 0 comes up


def test_the_pattern_the_browser_gets_is_plain_ascii_classes_and_a_count() -> None:
    """The client reads it as `new RegExp(`^(?:${PATTERN})$`)`: these parts mean the same there."""
    assert re.fullmatch(r"\[1-9\]\[0-9\]\{\d+\}", codes.PATTERN)
    assert codes.is_code(str(10 ** (codes.DIGITS - 1))) and not codes.is_code(str(10**codes.DIGITS))
