"""`thaw check` prints every problem as file:line: message, a summary, and exits 1 on any."""

from __future__ import annotations

from pathlib import Path

import pytest
from thaw.content.check import main

GOOD = (
    "id: {id}\ntitle: T\nquestions:\n"
    "  - {{kind: truefalse, prompt: Q, correct: true}}\n"
    "  - {{kind: truefalse, prompt: R, correct: false}}\n"
)
BAD = (
    "id: bad\ntitle: T\nquestions:\n  - kind: choice\n"
    '    prompt: "Q"\n    options: [A, B]\n    correct: C\n    points: 5\n'
)


def test_shipped_content_is_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].endswith("questions OK")


def test_good_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "one.yaml").write_text(GOOD.format(id="one"), encoding="utf-8")
    (tmp_path / "two.yaml").write_text(GOOD.format(id="two"), encoding="utf-8")
    assert main([str(tmp_path)]) == 0
    assert capsys.readouterr().out == "2 decks, 4 questions OK\n"


def test_single_good_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(
        GOOD.format(id="one").split("  - {kind: truefalse, prompt: R")[0],
        encoding="utf-8",
    )
    assert main([str(path)]) == 0
    assert capsys.readouterr().out == "1 deck, 1 question OK\n"


def test_problems_are_printed_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD, encoding="utf-8")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(GOOD.format(id="other"), encoding="utf-8")
    assert main([str(bad), str(wrong)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f'{bad}:7: question 1 (choice): correct answer "C" is not among the options',
        f"{bad}:8: question 1 (choice): points 5 is not allowed (use 0, 1000 or 2000)",
        f'{wrong}:1: deck id "other" must match the file name "wrong"',
        "3 problems in 2 files",
    ]


def test_paths_inside_the_working_directory_are_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "bad.yaml").write_text(
        BAD.replace("points: 5\n", ""), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["content"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        'content/bad.yaml:7: question 1 (choice): correct answer "C" is not among the options',
        "1 problem in 1 file",
    ]


def test_default_directory_follows_thaw_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "one.yaml").write_text(GOOD.format(id="one"), encoding="utf-8")
    monkeypatch.setenv("THAW_CONTENT", str(tmp_path))
    assert main([]) == 0
    assert capsys.readouterr().out == "1 deck, 2 questions OK\n"


def test_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope"
    assert main([str(missing)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{missing}: no such file or directory",
        "1 problem in 1 file",
    ]
