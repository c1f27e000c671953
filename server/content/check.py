"""`thaw check [PATH...]`: validate decks as the server will, before the lesson, not during it."""

from __future__ import annotations

import sys

from .loader import default_content_dir, load_decks
from .problems import DeckError


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def main(paths: list[str]) -> int:
    """Print every problem as `file:line: message` and a summary; 1 on any problem, else 0."""
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
    print(f"{_plural(len(decks), 'deck')}, {_plural(questions, 'question')} OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
