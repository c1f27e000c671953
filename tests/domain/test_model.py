"""Player.copy: every field, and independent of the original (the Redis store hands out copies)."""

from __future__ import annotations

import dataclasses

import pytest
from thaw.domain.model import Player, Result


def _player() -> Player:
    result = Result(index=0, correct=True, points=900, bonus=100, score=1000, streak=1, rank=1, players=3,
                    answered=True)
    return Player(id="p1", nickname="Ada", token_hash="h", joined=3, first_index=1, score=1000, streak=1,
                  correct_count=1, kicked=True, connected=True, rerolls=2, results=[result])


def test_a_copy_has_every_field_and_changes_alone() -> None:
    original = _player()
    defaults = Player(id="", nickname="", token_hash="", joined=0)
    # every field of the sample differs from the default, so a field the copy forgot would show
    assert all(getattr(original, f.name) != getattr(defaults, f.name) for f in dataclasses.fields(Player))
    twin = original.copy()
    assert twin == original and twin is not original
    twin.score += 5
    twin.results.append(twin.results[0])
    assert original.score == 1000 and len(original.results) == 1


def test_results_cannot_change_once_recorded() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        _player().results[0].score = 0  # type: ignore[misc]
