"""`thaw import FILE.csv`: turn a quiz spreadsheet (the Kahoot template layout) into a deck.

Columns: Question, Answer 1..4, Time limit (sec), Correct answer(s) (answer numbers,
comma-separated when several). Every bad row is reported by its spreadsheet row
number and nothing is written unless the whole file converts; the YAML produced
is then run through the deck loader, so an imported deck always passes `thaw check`.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from ..shared.marks import N_, english
from . import limits
from .loader import parse_deck
from .problems import ProblemLog
from .spreadsheet import SheetError, SheetRow, decode, read_sheet
from .yamltree import YList, YMap, parse

TIME_CHOICES = (5, 10, 20, 30, 60, 90, 120, 240)
_TIME_CELL = re.compile(r"(\d+)\s*(?:s|sec|secs|seconds?)?", re.IGNORECASE)
_QUESTION_PREFIX = re.compile(r"^question \d+(?: \([a-z]+\))?: ")
_ROW = re.compile(r":row (\d+): ")
_QUESTION_REF = re.compile(r"\bquestion (\d+)\b")


def main(argv: list[str]) -> int:
    """Convert; print problems to stderr; 0 on success, 1 on any problem (nothing written)."""
    parser = argparse.ArgumentParser(
        prog="thaw import",
        description="Convert a quiz (CSV, Kahoot! .xlsx, Moodle GIFT or YAML) into a deck.",
    )
    parser.add_argument("file", help="the quiz file")
    parser.add_argument(
        "--format", choices=("kahoot-xlsx", "csv", "gift", "yaml"),
        help="the file's format (default: from its suffix: .xlsx, .csv, .gift/.txt, .yaml)",
    )
    parser.add_argument("-o", "--output", help="write the deck here (default: stdout)")
    parser.add_argument("--id", help="deck id (default: the output or CSV file name)")
    parser.add_argument("--title", help="deck title (default: from the CSV file name)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    source = Path(args.file)
    output = Path(args.output) if args.output else None
    deck_id = args.id or slug(output.stem if output else source.stem)
    bad_id = _id_problem(deck_id, output)
    if bad_id:
        return _fail([bad_id])
    fmt = args.format or _SUFFIX_FORMATS.get(source.suffix.lower(), "csv")
    if fmt != "csv":
        return _import_other(fmt, source, output, deck_id, args.title)
    try:
        text = decode(source.read_bytes())
    except OSError as exc:
        return _fail([f"{args.file}: cannot read: {exc.strerror or exc}"])
    except SheetError as exc:
        return _fail([f"{args.file}: {exc}"])
    title = args.title or humanise(source.stem)
    deck_yaml, problems = convert(text, args.file, deck_id, title)
    if deck_yaml is None or problems:
        return _fail(problems)
    if output is None:
        sys.stdout.write(deck_yaml)
    else:
        output.write_text(deck_yaml, encoding="utf-8")
        print(f"wrote {output}", file=sys.stderr)
    return 0


_SUFFIX_FORMATS = {".xlsx": "kahoot-xlsx", ".gift": "gift", ".txt": "gift", ".yaml": "yaml", ".yml": "yaml"}


def _import_other(fmt: str, source: Path, output: Path | None, deck_id: str, title: str | None) -> int:
    """Kahoot! workbooks, GIFT and YAML: read by `imports`, written as a deck when nothing was refused."""
    from .imports import import_bytes

    try:
        data = source.read_bytes()
    except OSError as exc:
        return _fail([f"{source}: cannot read: {exc.strerror or exc}"])
    imported = import_bytes(fmt, data, source.name)
    if imported.problems:
        return _fail([f"{source}:{problem}" if problem.row or problem.line else f"{source}: {problem}"
                      for problem in imported.problems])
    deck = imported.deck
    if fmt != "yaml":
        deck = {"id": deck_id, "title": title or deck["title"],
                "description": f"Imported from {source.name}.", "questions": deck["questions"]}
    body = yaml.dump(deck, Dumper=_DeckDumper, sort_keys=False, allow_unicode=True, width=100)
    text = f"# Imported from {source.name} by `thaw import`.\n{body}"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output}", file=sys.stderr)
    return 0


def _id_problem(deck_id: str, output: Path | None) -> str | None:
    if not limits.DECK_ID.fullmatch(deck_id):
        return f'--id "{deck_id}" may only use lowercase letters, digits and "-"'
    if output is not None and output.stem != deck_id:
        return f'--id "{deck_id}" must match the output file name "{output.name}"'
    return None


def slug(name: str) -> str:
    """A deck id from a file name: 'Cold War Quiz (v2)' -> 'cold-war-quiz-v2'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:64] or "imported"


def humanise(name: str) -> str:
    words = " ".join(re.split(r"[-_\s]+", name)).strip()
    return (words[:1].upper() + words[1:]) or "Imported quiz"


def convert(
    text: str, source: str, deck_id: str, title: str
) -> tuple[str | None, list[str]]:
    """The deck's YAML text and the problems (`source:row N: message`); YAML is None on any."""
    try:
        _, rows = read_sheet(text)
    except SheetError as exc:
        return None, [f"{source}: {exc}"]
    problems: list[str] = []
    questions: list[dict[str, Any]] = []
    numbers: list[int] = []
    for row in rows:
        question = _question(row, f"{source}:row {row.number}: ", problems)
        if question is not None:
            questions.append(question)
            numbers.append(row.number)
    if not rows:
        problems.append(f"{source}: no question rows below the header")
    if not questions:
        return None, problems
    deck = {
        "id": deck_id,
        "title": title,
        "description": f"Imported from {Path(source).name}.",
        "questions": questions,
    }
    body = yaml.dump(
        deck, Dumper=_DeckDumper, sort_keys=False, allow_unicode=True, width=100
    )
    deck_yaml = f"# Imported from {Path(source).name} by `thaw import`.\n{body}"
    _, found = parse_deck(deck_yaml, f"{deck_id}.yaml")
    problems.extend(_locate(deck_yaml, found, numbers, source))
    problems.sort(key=_row_of)
    return (None if problems else deck_yaml), problems


def _row_of(problem: str) -> int:
    match = _ROW.search(problem)
    return int(match.group(1)) if match else 0


class _DeckDumper(yaml.SafeDumper):
    """Block mappings with one-line lists, the way decks are written by hand."""


def _flow_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    """Lists of plain values on one line; the list of questions stays a block."""
    flat = not any(isinstance(item, dict | list) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_DeckDumper.add_representer(list, _flow_list)


def _question(row: SheetRow, where: str, problems: list[str]) -> dict[str, Any] | None:
    before = len(problems)
    if not row.question:
        problems.append(where + N_("the question is empty"))
    answers = list(row.answers)
    while answers and not answers[-1]:
        answers.pop()
    for position, answer in enumerate(answers, 1):
        if not answer:
            problems.append(
                where + english("answer %(position)s is empty but a later answer is not", position=position)
            )
    if len(answers) < limits.OPTIONS_MIN:
        problems.append(
            where + english("needs at least %(min)s answers, found %(count)s", min=limits.OPTIONS_MIN,
                            count=len(answers))
        )
    correct = _correct(row.correct, len(answers), where, problems)
    seconds = _seconds(row.time, where, problems)
    if len(problems) > before or correct is None:
        return None
    texts = [answers[n - 1] for n in correct]
    question: dict[str, Any]
    if (
        len(answers) == len(limits.TRUEFALSE_OPTIONS)
        and {a.casefold() for a in answers} == {"true", "false"}
        and len(texts) == 1
    ):
        question = {
            "kind": "truefalse",
            "prompt": row.question,
            "correct": texts[0].casefold() == "true",
        }
    else:
        question = {
            "kind": "choice",
            "prompt": row.question,
            "options": answers,
            "correct": texts[0] if len(texts) == 1 else texts,
        }
    question["time_limit"] = seconds
    return question


def _correct(
    cell: str, count: int, where: str, problems: list[str]
) -> list[int] | None:
    if not cell:
        problems.append(
            where + N_("no correct answer given (write answer numbers, e.g. 2 or 1,3)")
        )
        return None
    numbers: list[int] = []
    for token in re.split(r"[,;/\s]+", cell.strip(" ,;/")):
        if not token.isdigit():
            problems.append(where + english('correct answer "%(token)s" is not an answer number', token=token))
            return None
        number = int(token)
        if not 1 <= number <= count:
            if count == 1:
                problems.append(where + english("correct answer %(number)s is not one of the 1 answer", number=number))
            else:
                problems.append(where + english("correct answer %(number)s is not one of the %(count)s answers",
                                                number=number, count=count))
            return None
        if number not in numbers:
            numbers.append(number)
    return sorted(numbers)


def _seconds(cell: str, where: str, problems: list[str]) -> int:
    if not cell:
        return limits.DEFAULT_TIME_S
    allowed = ", ".join(str(t) for t in TIME_CHOICES)
    match = _TIME_CELL.fullmatch(cell)
    if match is None:
        problems.append(
            where + english('time limit "%(cell)s" is not a number of seconds (%(allowed)s)', cell=cell,
                            allowed=allowed)
        )
        return limits.DEFAULT_TIME_S
    seconds = int(match.group(1))
    if seconds not in TIME_CHOICES:
        problems.append(where + english("time limit %(seconds)s is not one of %(allowed)s seconds", seconds=seconds,
                                        allowed=allowed))
    return seconds


def _locate(
    deck_yaml: str, found: list[Any], numbers: list[int], source: str
) -> list[str]:
    """Loader problems in the generated YAML, told in spreadsheet rows instead of YAML lines."""
    if not found:
        return []
    starts: list[int] = []
    root = parse(deck_yaml, ProblemLog(""))
    if isinstance(root, YMap):
        questions = root.get("questions")
        if isinstance(questions, YList):
            starts = [item.line for item in questions.items]
    messages: list[str] = []
    for problem in found:
        index = max(
            (i for i, start in enumerate(starts) if start <= problem.line), default=None
        )
        message = _QUESTION_REF.sub(
            lambda m: f"row {numbers[int(m.group(1)) - 1]}",
            _QUESTION_PREFIX.sub("", problem.message),
        )
        if index is None:
            messages.append(f"{source}: {message}")
        else:
            messages.append(f"{source}:row {numbers[index]}: {message}")
    return messages


def _fail(problems: list[str]) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    count = len(problems)
    print(
        f"{count} problem{'s' if count != 1 else ''}; nothing written", file=sys.stderr
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
