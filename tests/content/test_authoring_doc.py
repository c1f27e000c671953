"""The complete example deck in docs/authoring.md is valid, so the guide cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from thaw.content.loader import parse_deck
from thaw.domain.model import Kind

DOC = Path(__file__).resolve().parents[2] / "docs" / "authoring.md"


def test_example_deck_in_the_guide_loads() -> None:
    blocks = re.findall(
        r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL
    )
    assert blocks, "docs/authoring.md has no yaml example"
    deck, problems = parse_deck(blocks[0], "docs/authoring.md")
    assert problems == []
    assert deck is not None
    assert {q.kind for q in deck.questions} == set(Kind)
    assert any(len(q.correct) > 1 for q in deck.questions)
    assert any(q.options == ("True", "False") for q in deck.questions)


def test_guide_lists_the_seed_discrepancies() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "## Seed discrepancies" in text
    for deck in Path(DOC.parents[1] / "content").glob("*.yaml"):
        assert deck.stem in text, (
            f"{deck.stem} has no discrepancies listed in the guide"
        )
