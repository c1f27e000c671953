"""Quizzes teachers already have, read into a deck: Kahoot!'s spreadsheet, CSV, GIFT, YAML.

Each format gives questions tagged with their row (spreadsheets) or line (text).
The deck is then run through the one validator; a question it refuses is left
out and reported at its row or line, so what comes back always checks, and
nothing is skipped without a problem saying so.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..shared.i18n import translate
from ..shared.marks import N_, english
from . import limits
from .document import check_data
from .importer import _question, humanise, slug
from .problems import NOT_UTF8
from .spreadsheet import SheetError, SheetRow, decode, read_sheet, read_table

FORMATS = ("kahoot-xlsx", "csv", "gift", "yaml")
_QUESTION_REF = re.compile(r"\bquestion (\d+)\b")
IMPORT_MAX_BYTES = limits.FILE_MAX_BYTES * 4  # a workbook is zipped XML: allow for it
XLSX_UNPACKED_MAX_BYTES = 40 * limits.MIB  # what a workbook may unpack to (a zip bomb stops here)


class UnknownFormat(Exception):
    """Not one of FORMATS."""


@dataclass(frozen=True, slots=True)
class ImportProblem:
    row: int | None
    line: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "line": self.line, "message": translate(self.message)}

    def __str__(self) -> str:
        if self.row is not None:
            return f"row {self.row}: {self.message}"
        if self.line is not None:
            return f"line {self.line}: {self.message}"
        return self.message


@dataclass(slots=True)
class Imported:
    """The deck as JSON data (the structure of a YAML deck), every problem, and how many were skipped."""

    deck: dict[str, Any]
    problems: list[ImportProblem] = field(default_factory=list)
    skipped: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"deck": self.deck, "problems": [p.to_dict() for p in self.problems], "skipped": self.skipped}


def import_bytes(fmt: str, data: bytes, name: str = "imported") -> Imported:
    """Read `data` as `fmt`; UnknownFormat when `fmt` is not one we read."""
    if fmt not in FORMATS:
        raise UnknownFormat(fmt)
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "imported"
    deck: dict[str, Any] = {"id": slug(stem), "title": humanise(stem)[: limits.TITLE_MAX], "questions": []}
    if fmt == "yaml":
        return _yaml(data, deck)
    problems: list[ImportProblem] = []
    tagged: list[tuple[int, dict[str, Any]]] = []
    is_row = fmt in ("csv", "kahoot-xlsx")
    try:
        if fmt == "gift":
            from . import gift

            tagged, found = gift.read(_text(data))
            problems += [ImportProblem(None, p.line, p.message) for p in found]
        else:
            rows = _xlsx_rows(data) if fmt == "kahoot-xlsx" else read_sheet(decode(data))[1]
            tagged = _from_rows(rows, problems)
    except SheetError as exc:
        problems.append(ImportProblem(None, None, str(exc)))
    return _validated(deck, tagged, problems, is_row)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError(NOT_UTF8) from None


def _from_rows(rows: list[SheetRow], problems: list[ImportProblem]) -> list[tuple[int, dict[str, Any]]]:
    tagged: list[tuple[int, dict[str, Any]]] = []
    for row in rows:
        found: list[str] = []
        question = _question(row, "", found)
        problems += [ImportProblem(row.number, None, message) for message in found]
        if question is not None:
            tagged.append((row.number, question))
    return tagged


def _xlsx_rows(data: bytes) -> list[SheetRow]:
    """The question rows of the first sheet that has the template's header row."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    not_a_workbook = SheetError(N_("not an .xlsx workbook: save the spreadsheet as Excel (.xlsx)"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_a_workbook from None
    if unpacked > XLSX_UNPACKED_MAX_BYTES:
        raise SheetError(english("the workbook unpacks to %(size)s MiB: keep only the quiz sheet",
                                 size=unpacked // limits.MIB))
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise not_a_workbook from None
    try:
        last_error: SheetError | None = None
        for sheet in book.worksheets:
            try:
                table = [[_cell(value) for value in row] for row in sheet.iter_rows(max_row=2000, values_only=True)]
            except Exception as exc:  # openpyxl on a damaged sheet raises many kinds; none may escape
                raise SheetError(english("the workbook is damaged: %(reason)s", reason=type(exc).__name__)) from None
            try:
                return read_table(table)[1]
            except SheetError as exc:
                last_error = exc
        raise last_error or SheetError(N_("the workbook has no sheets"))
    finally:
        book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _validated(
    deck: dict[str, Any], tagged: list[tuple[int, dict[str, Any]]], problems: list[ImportProblem], is_row: bool
) -> Imported:
    """Leave out each question the validator refuses, reporting it at its row or line."""
    skipped_before = len({(p.row, p.line) for p in problems if p.row is not None or p.line is not None})

    def at(where: int, message: str) -> ImportProblem:
        return ImportProblem(where if is_row else None, None if is_row else where, message)

    kept = list(tagged)
    for where, _ in kept[limits.QUESTIONS_MAX :]:
        problems.append(at(where, english("a deck has at most %(max)s questions: this one and the rest are left out "
                                          "(split the file into two quizzes)", max=limits.QUESTIONS_MAX)))
    kept = kept[: limits.QUESTIONS_MAX]
    whole: list[ImportProblem] = []
    for _ in range(3):
        if not kept:
            break
        checked = check_data({**deck, "questions": [q for _, q in kept]})
        refused = {p.question for p in checked.problems if p.question is not None}
        for p in checked.problems:
            message = _in_file_terms(p.message, [where for where, _ in kept], is_row)
            if p.question is None:
                whole.append(ImportProblem(None, None, message))
                continue
            if p.field and not p.message.startswith(p.field):
                message = english("%(field)s: %(what)s", field=p.field, what=message)
            problems.append(at(kept[p.question][0], message))
        if not refused:
            break
        kept = [item for index, item in enumerate(kept) if index not in refused]
    deck["questions"] = [q for _, q in kept]
    problems.sort(key=lambda p: (p.row or p.line or 0))
    problems += whole
    if not kept:
        problems.append(ImportProblem(None, None, N_("no question could be taken from the file")))
    return Imported(deck, problems, skipped_before + (len(tagged) - len(kept)))


_IN_FILE_TERMS = (N_("repeats the prompt of row %(other)s"), N_("repeats the prompt of line %(other)s"))
"""What `_in_file_terms` makes of the loader's message, for the catalogs to translate."""


def _in_file_terms(message: str, places: list[int], is_row: bool) -> str:
    """Tell "repeats the prompt of question 2" by the file's row or line, not by a position in the deck."""
    named = "row" if is_row else "line"
    return _QUESTION_REF.sub(lambda m: f"{named} {places[int(m.group(1)) - 1]}", message)


def _yaml(data: bytes, deck: dict[str, Any]) -> Imported:
    """A YAML deck: taken as it is, less the questions with problems (each reported at its line)."""
    try:
        text = _text(data)
        loaded = yaml.safe_load(text)
    except SheetError as exc:
        return Imported(deck, [ImportProblem(None, None, str(exc))])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return Imported(deck, [ImportProblem(None, line, english("YAML syntax error: %(what)s",
                                                                 what=str(getattr(exc, "problem", exc))))])
    if not isinstance(loaded, dict):
        return Imported(deck, [ImportProblem(None, 1, N_("a deck must be a mapping with id, title and questions"))])
    from .document import check_yaml

    checked = check_yaml(text)
    given = loaded.get("questions")
    questions: list[Any] = given if isinstance(given, list) else []
    refused = {p.question for p in checked.problems if p.question is not None}
    problems = [ImportProblem(None, p.line or None, p.message) for p in checked.problems]
    out = {**loaded, "questions": [q for i, q in enumerate(questions) if i not in refused]}
    return Imported(json.loads(json.dumps(out, default=str)), problems, len(refused))
