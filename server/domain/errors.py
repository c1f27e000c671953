"""Rule violations, each with the contract's error code."""

from __future__ import annotations


class GameError(Exception):
    """A command that the rules refuse; `code` is the wire error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"GameError({self.code!r}, {self.message!r})"
