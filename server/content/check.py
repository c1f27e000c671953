"""`thaw check [PATH...]`: validate decks as the server will, before the lesson, not during it."""

from __future__ import annotations

import sys
from pathlib import Path

from ..domain.model import Deck
from .loader import default_content_dir, load_decks
from .problems import DeckError


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def main(paths: list[str], lint: bool = False) -> int:
    """Print every problem as `file:line: message` and a summary; 1 on any problem, else 0.

    With `lint`, also the authoring lints of the valid decks, as `file:line: warning [code]: ...`;
    warnings never change the exit status."""
    targets: list[str] = paths or [str(default_content_dir())]
    try:
        decks = load_decks(targets)
    except DeckError as exc:
        for problem in exc.problems:
            print(problem)
        files = len({problem.path for problem in exc.problems})
        print(f"{_plural(len(exc.problems), 'problem')} in {_plural(files, 'file')}")
        return 1
    questions = sum(len(deck.questions) for deck in decks.values())
    warnings = _print_lints(decks) if lint else 0
    summary = f", {_plural(warnings, 'warning')}" if lint else ""
    print(f"{_plural(len(decks), 'deck')}, {_plural(questions, 'question')} OK{summary}")
    return 0


def _print_lints(decks: dict[str, Deck]) -> int:
    from .lints import lint
    from .problems import ProblemLog
    from .yamltree import parse

    count = 0
    for deck_id in sorted(decks):
        deck = decks[deck_id]
        tree = parse(Path(deck.path).read_text(encoding="utf-8-sig"), ProblemLog(deck.path))
        for warning in lint(deck, tree):
            line = deck.questions[warning.question].line if warning.question is not None else 1
            print(f"{deck.path}:{line}: warning [{warning.code}]: {warning.message}")
            count += 1
    return count


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
