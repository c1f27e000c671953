"""Kahoot!'s quiz spreadsheet, written by openpyxl: what teachers export and import here."""

from __future__ import annotations

import io

from openpyxl import Workbook

HEADER = [
    "", "Question - max 120 characters", "Answer 1 - max 75 characters", "Answer 2 - max 75 characters",
    "Answer 3 - max 75 characters", "Answer 4 - max 75 characters",
    "Time limit (sec) – 5, 10, 20, 30, 60, 90, 120, or 240 secs", "Correct answer(s) - choose at least one",
]


def kahoot_workbook(rows: list[list[object]]) -> bytes:
    """The template's layout: a title and notes above, the header on row 7, questions from row 8."""
    book = Workbook()
    sheet = book.active
    sheet["B2"] = "Quiz template"
    sheet["B4"] = "Add questions, at least two answer alternatives, time limit and choose correct answers."
    for column, text in enumerate(HEADER, 1):
        sheet.cell(row=7, column=column, value=text)
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, 1):
            sheet.cell(row=8 + offset, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
