"""Authoring lints: warnings about a valid deck that would still play badly in class."""

from __future__ import annotations

from .document import Checked, Finding


def lint_checked(checked: Checked) -> list[Finding]:
    return []
