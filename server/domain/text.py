"""Valid text: the one check for every string from outside (messages, bodies, uploads,
imports). JSON can carry what UTF-8 cannot: a lone surrogate (`\\ud800`)."""

from __future__ import annotations

from typing import Any

from .errors import GameError


def is_text(value: str) -> bool:
    """Whether a string is valid Unicode text: no unpaired surrogate (a JSON `\\ud800`
    escape decodes to one, and nothing can encode it as UTF-8 again)."""
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def invalid_text(value: Any, where: str = "") -> str | None:
    """Where in a decoded JSON value (or YAML, or CSV rows) a string is not valid
    text, e.g. `options[2]`; None if every string and key is valid.

    The one check for everything a client sends: messages, bodies, uploads, imports.
    """
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if not is_text(item):
                return path or "a string"
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and not is_text(key):
                    return f"{path} (a key)" if path else "a key"
                stack.append((child, f"{path}.{key}" if path else str(key)))
        elif isinstance(item, list | tuple):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(item))
    return None


def check_text(value: Any, code: str, where: str = "") -> None:
    """GameError `code` naming the place if any string in `value` is not valid text."""
    bad = invalid_text(value, where)
    if bad is not None:
        raise GameError(code, f"{bad[:60]} is not valid text (it holds an unpaired surrogate)")
