"""The table of refusals: every key names a contract code, every text can be filled,
and every refusal the Redis scripts return has a text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from thaw.domain.errors import TEXTS, GameError, placeholders

ROOT = Path(__file__).resolve().parents[2]
STORE = ROOT / "server" / "store" / "redis"
# What the scripts return that is not a refusal a client sees: redis.py handles these.
INTERNAL = {"stale", "room_not_found", "version", "answers"}


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_each_text_fills_with_its_details(key: str) -> None:
    details = {name: f"<{name}>" for name in placeholders(key)}
    error = GameError.of(key, **details, unused="ignored")
    assert error.code == key.partition(".")[0]
    assert error.message and "{" not in error.message
    for value in details.values():
        assert value in error.message
    if details:
        with pytest.raises(KeyError):
            GameError.of(key)


def test_every_code_is_in_the_contract() -> None:
    protocol = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    codes = {key.partition(".")[0] for key in TEXTS}
    assert {code for code in codes if f"`{code}`" not in protocol} == set()


def test_every_refusal_of_a_script_has_a_text() -> None:
    returned: set[str] = set()
    for script in STORE.glob("*.lua"):
        text = script.read_text(encoding="utf-8")
        returned |= set(re.findall(r"return \{0, '([\w.]+)'", text))
        returned |= set(re.findall(r"return nil, '([\w.]+)'", text))  # common.lua's active_player
    assert {"room_locked.finished", "room_full", "too_late.joined", "kicked"} <= returned
    assert returned - INTERNAL - set(TEXTS) == set()


def test_the_same_refusal_reads_the_same() -> None:
    assert GameError.of("room_full", max=30).message == "this room is full (30 players)"
    assert GameError.of("nickname_taken", nickname="Zoë").message == "someone in this room is already called 'Zoë'"
    assert GameError.of("wrong_question", index=2, open=1).message == "question 2 is not the open question (1)"
