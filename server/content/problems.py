"""What is wrong with a deck, located to a file and line an author can open."""

from __future__ import annotations

from dataclasses import dataclass

from ..shared.marks import N_

NOT_UTF8 = N_("not UTF-8 text: save the file as UTF-8")


@dataclass(frozen=True)
class Problem:
    """One mistake in one file. `line` is 1-based; 0 means the file as a whole."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class DeckError(Exception):
    """Raised when decks cannot be loaded; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ProblemLog:
    """Collects problems for one file so validators can keep going after the first one."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def __len__(self) -> int:
        return len(self.problems)
