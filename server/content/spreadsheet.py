"""A quiz spreadsheet exported as CSV: find the header row and the question rows under it.

Exports vary: Excel adds a byte-order mark or uses `;` in many locales, and the
Kahoot template puts a title and instructions above the header. We try each
delimiter and take the one under which a recognisable header row appears.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from ..shared.marks import N_, english
from .limits import OPTIONS_MIN

DELIMITERS = (",", ";", "\t")
_HEADER_SEARCH_ROWS = 50
_EXPECTED = "Question, Answer 1, Answer 2, ..., Time limit (sec), Correct answer(s)"
_QUESTION = re.compile(r"question(?! (?:type|number|no|id)\b)( |$)")
_ANSWER = re.compile(r"answer ?([1-9])( |$)")
_TIME = re.compile(r"time( |$)")
_CORRECT = re.compile(r"correct( |$)")


class SheetError(Exception):
    """The file cannot be read as a quiz spreadsheet at all (no row-level detail)."""


@dataclass(frozen=True)
class Header:
    """Where each column is; `row` is the spreadsheet's 1-based row number."""

    row: int
    question: int
    answers: tuple[int, ...]
    correct: int
    time: int | None


@dataclass(frozen=True)
class SheetRow:
    """One question row's cells, trimmed; `number` is its spreadsheet row."""

    number: int
    question: str
    answers: tuple[str, ...]
    time: str
    correct: str


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, which older Excel exports use."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise SheetError(N_("not a text file: save the spreadsheet as CSV UTF-8")) from exc


def read_sheet(text: str) -> tuple[Header, list[SheetRow]]:
    """The header and every non-blank row below it."""
    best: tuple[Header, list[list[str]]] | None = None
    for delimiter in DELIMITERS:
        try:
            table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        except csv.Error as exc:
            raise SheetError(english("cannot read as CSV: %(reason)s", reason=exc)) from exc
        header = _find_header(table)
        if header is not None and (best is None or _width(header) > _width(best[0])):
            best = (header, table)
    if best is None:
        raise SheetError(english("no header row found: expected columns %(columns)s", columns=_EXPECTED))
    return best[0], rows_below(*best)


def read_table(table: list[list[str]]) -> tuple[Header, list[SheetRow]]:
    """The same from cells already split (a workbook's sheet)."""
    header = _find_header(table)
    if header is None:
        raise SheetError(english("no header row found: expected columns %(columns)s", columns=_EXPECTED))
    return header, rows_below(header, table)


def rows_below(header: Header, table: list[list[str]]) -> list[SheetRow]:
    """Every non-blank row under the header, by its spreadsheet row number."""
    rows: list[SheetRow] = []
    for index in range(header.row, len(table)):
        cells = table[index]
        if not any(cell.strip() for cell in cells):
            continue
        rows.append(
            SheetRow(
                number=index + 1,
                question=_cell(cells, header.question),
                answers=tuple(_cell(cells, column) for column in header.answers),
                time=_cell(cells, header.time),
                correct=_cell(cells, header.correct),
            )
        )
    return rows


def _cell(cells: list[str], column: int | None) -> str:
    if column is None or column >= len(cells):
        return ""
    return cells[column].strip()


def _width(header: Header) -> int:
    return len(header.answers) + (header.time is not None)


def _label(cell: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", cell.casefold()).strip()


def _find_header(table: list[list[str]]) -> Header | None:
    for index, cells in enumerate(table[:_HEADER_SEARCH_ROWS]):
        header = _header(index + 1, cells)
        if header is not None:
            return header
    return None


def _header(row: int, cells: list[str]) -> Header | None:
    question: int | None = None
    correct: int | None = None
    time: int | None = None
    answers: dict[int, int] = {}
    for column, cell in enumerate(cells):
        label = _label(cell)
        answer = _ANSWER.match(label)
        if answer is not None:
            answers.setdefault(int(answer.group(1)), column)
        elif question is None and _QUESTION.match(label):
            question = column
        elif correct is None and _CORRECT.match(label):
            correct = column
        elif time is None and _TIME.match(label):
            time = column
    numbered: list[int] = []
    while len(numbered) + 1 in answers:
        numbered.append(answers[len(numbered) + 1])
    if question is None or correct is None or len(numbered) < OPTIONS_MIN:
        return None
    return Header(row, question, tuple(numbered), correct, time)
