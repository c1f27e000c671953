"""The contract's *Nicknames* rules, the deny-list and the generated names."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from thaw.domain import nicknames
from thaw.domain.errors import GameError
from thaw.domain.namegen import ADJECTIVES, ANIMALS, generate_nickname
from thaw.domain.nicknames import DenyList, Runs, check_allowed, clean, deny_key, fold


def invalid(raw: object) -> GameError:
    with pytest.raises(GameError) as info:
        clean(raw)
    assert info.value.code == "nickname_invalid"
    return info.value


class TestClean:
    @pytest.mark.parametrize(
        ("raw", "stored"),
        [
            ("Ann", "Ann"),
            ("  Ann  ", "Ann"),
            ("\tAnn\n", "Ann"),
            ("A", "A"),
            ("x" * 20, "x" * 20),
            ("Ｂｏｂ", "Bob"),  # NFKC: fullwidth letters
            ("ﬁne", "fine"),  # NFKC: ligature
            ("e\u0301", "é"),  # NFKC composes: 1 code point
            ("Zoë Ødegård", "Zoë Ødegård"),
            ("王小明", "王小明"),
            ("محمد", "محمد"),
            ("🦊 Fox", "🦊 Fox"),
            ("Ann\u00a0Lee", "Ann Lee"),  # NFKC: no-break space -> space
            ("  " * 100 + "Bob", "Bob"),  # the length counts after trimming
        ],
    )
    def test_accepted(self, raw: str, stored: str) -> None:
        assert clean(raw) == stored

    def test_length_counts_code_points_after_nfkc(self) -> None:
        assert clean("é" * 20) == "é" * 20
        assert clean("e\u0301" * 20) == "é" * 20  # 40 code points raw, 20 after NFKC
        invalid("x" * 21)
        invalid("é" * 21)
        invalid("ﬃ" * 7)  # 7 raw, 21 after NFKC

    @pytest.mark.parametrize("raw", ["", " ", "     ", "\t\n", "\u3000\u3000", "\u00a0"])
    def test_empty_or_all_spaces(self, raw: str) -> None:
        invalid(raw)

    @pytest.mark.parametrize(
        "raw",
        [
            "Ann\x00",
            "A\x07nn",
            "Ann\x7f",
            "A\u0085nn",  # Cc (NEL)
            "A\u200bnn",  # Cf zero-width space
            "A\u200enn",  # Cf left-to-right mark
            "\u202eevil",  # Cf right-to-left override
            "\u2066Ann\u2069",  # Cf isolates
            "A\ufeffnn",  # Cf BOM
            "A\u00adnn",  # Cf soft hyphen
            "A\u2028nn",  # line separator
        ],
    )
    def test_control_and_format_characters(self, raw: str) -> None:
        invalid(raw)

    def test_rtl_override_message_names_the_code_point(self) -> None:
        assert "U+202E" in invalid("Bob\u202e").message

    @pytest.mark.parametrize(
        "raw",
        [
            "👨\u200d👩\u200d👧",  # family
            "🏳️\u200d🌈",  # rainbow flag (VS16 before the ZWJ)
            "❤️\u200d🔥",  # heart on fire
            "👩🏽\u200d🚀",  # skin tone modifier before the ZWJ
            "Ann 👨\u200d💻",
        ],
    )
    def test_zwj_inside_an_emoji_sequence(self, raw: str) -> None:
        assert clean(raw) == raw

    @pytest.mark.parametrize("raw", ["A\u200dnn", "\u200dAnn", "Ann\u200d", "🦊\u200dAnn", "Ann\u200d🦊", "\u200d"])
    def test_zwj_elsewhere(self, raw: str) -> None:
        invalid(raw)

    def test_combining_marks(self) -> None:
        invalid("a" + "\u0301" * 500)  # zalgo
        invalid("\u0301" * 500)
        invalid("\u0301")  # nothing visible
        invalid("\u0301\u0302")

    @pytest.mark.parametrize("raw", [None, 42, ["Ann"], {"n": "Ann"}, b"Ann"])
    def test_not_a_string(self, raw: object) -> None:
        invalid(raw)

    def test_huge_input_refused_cheaply(self) -> None:
        invalid("x" * 100_000)


class TestFold:
    def test_case_folded(self) -> None:
        assert fold("Ann") == fold("ANN") == fold("ann")
        assert fold("Straße") == fold("STRASSE")
        assert fold("ΣΊΣΥΦΟΣ") == fold("σίσυφος")

    def test_distinct_names_stay_distinct(self) -> None:
        assert fold("Ann") != fold("Anne")
        assert fold("Zoë") != fold("Zoe")


# -- deny-list -------------------------------------------------------------------------------

SAMPLE = DenyList.parse(
    """
    # a comment, then a blank line

    badword
    ass
    *meanie
      # an indented comment
    *x
    """
)


class TestDenyKey:
    @pytest.mark.parametrize(
        "evasion",
        [
            "BadWord",
            "B.a.d  W0rd",
            "b a d w o r d",
            "B-A-D_W*O*R*D",
            "bädwörd",
            "ＢＡＤＷＯＲＤ",
            "8ad w0rd",
            "b@dword",
            "bаdwоrd",
        ],  # the last with Cyrillic а and о
    )
    def test_normalisation(self, evasion: str) -> None:
        assert deny_key(evasion) == deny_key("badword")

    def test_repeated_letters_become_runs(self) -> None:
        assert deny_key("BAAAD WORD") == (("b", 1), ("a", 3), ("d", 1), ("w", 1), ("o", 1), ("r", 1), ("d", 1))

    def test_digits_dropped_variant(self) -> None:
        assert deny_key("Bad Word 123", digits=False) == deny_key("badword")
        assert deny_key("Bad Word 123") != deny_key("badword")

    def test_leetspeak_map(self) -> None:
        assert deny_key("0134@5$7+8") == deny_key("oieaassttb")  # i and l are one letter
        assert deny_key("l1!|") == (("i", 4),)

    def test_runs(self) -> None:
        assert deny_key("Baaad") == (("b", 1), ("a", 3), ("d", 1))

    def test_nothing_left(self) -> None:
        assert deny_key("🦊 2 ... ") == ()


class TestDenyList:
    @pytest.mark.parametrize(
        "name",
        [
            "badword",
            "Bad Word",
            "B.a.d  W0rd",
            "BAAAD WORD",
            "b-a-d-w-o-r-d",
            "BÄDWÖRD",
            "b@dw0rd",
            "Bad Word 123",
            "ＢＡＤ ＷＯＲＤ",
            "bаdwоrd",
        ],
    )
    def test_whole_name_evasions(self, name: str) -> None:
        assert SAMPLE.hits(name)

    @pytest.mark.parametrize("name", ["Ass", "A$$", "a s s", "ASSS", "@55"])
    def test_short_entry(self, name: str) -> None:
        assert SAMPLE.hits(name)

    @pytest.mark.parametrize(
        "name",
        ["Class", "Bass", "Assassin", "Massachusetts", "As", "A s", "Bad", "My badword", "badwordy"],
    )
    def test_whole_entries_do_not_match_inside_names(self, name: str) -> None:
        assert not SAMPLE.hits(name)

    @pytest.mark.parametrize("name", ["meanie", "xXMeanieXx", "Big M3an1e", "the meeeanie", "MEANIES"])
    def test_substring_entries(self, name: str) -> None:
        assert SAMPLE.hits(name)

    def test_one_letter_substring_entry(self) -> None:
        assert SAMPLE.hits("Rex")
        assert not SAMPLE.hits("Bob")

    def test_names_without_letters_never_hit(self) -> None:
        assert not SAMPLE.hits("🦊🦊")
        assert not SAMPLE.hits("2222")

    def test_empty_list(self) -> None:
        assert not DenyList.parse("# nothing here\n\n").hits("anything")

    def test_entries_are_normalised_like_names(self) -> None:
        assert DenyList.parse("Bad Wörd").hits("badword")
        assert DenyList.parse("*B.A.D").hits("so bad")


@pytest.fixture
def fresh_denylist(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.delenv(nicknames.DENYLIST_ENV, raising=False)
    nicknames.denylist.cache_clear()
    yield monkeypatch
    nicknames.denylist.cache_clear()


class TestCheckAllowed:
    @pytest.mark.parametrize("name", ["Fuck", "xXfuckXx", "Sh1t happens", "B1TCH", "a$$hole", "Bitch!!", "B.i.t.c.h"])
    def test_packaged_list_refuses(self, fresh_denylist: pytest.MonkeyPatch, name: str) -> None:
        with pytest.raises(GameError) as info:
            check_allowed(name)
        assert (info.value.code, info.value.message) == ("nickname_invalid", "that nickname is not allowed")

    @pytest.mark.parametrize(
        "name",
        [
            "Ann",
            "Scunthorpe",
            "Class Clown",
            "Dickens",
            "Hancock",
            "Cockatoo",
            "Assassin",
            "Sussex",
            "Essex",
            "Swanky",
            "Peacock",
            "Bassist",
            "Penistone",
            "Therapist",
            "Grape",
            "Brave Otter",
            "🦊",
        ],
    )
    def test_packaged_list_allows_innocent_names(self, fresh_denylist: pytest.MonkeyPatch, name: str) -> None:
        check_allowed(name)

    def test_packaged_list_is_well_formed(self) -> None:
        path = Path(nicknames.__file__).with_name("denylist.txt")
        text = path.read_text(encoding="utf-8")
        parsed = DenyList.parse(text)
        assert parsed.whole and parsed.substrings
        assert text.lstrip().startswith("#")  # the format is documented at the top

    def test_override_by_environment(self, fresh_denylist: pytest.MonkeyPatch, tmp_path: Path) -> None:
        custom = tmp_path / "deny.txt"
        custom.write_text("# ours\npineapple\n*broccoli\n", encoding="utf-8")
        fresh_denylist.setenv(nicknames.DENYLIST_ENV, str(custom))
        nicknames.denylist.cache_clear()
        with pytest.raises(GameError):
            check_allowed("P1neapple")
        with pytest.raises(GameError):
            check_allowed("I hate broccoli")
        check_allowed("Fuck")  # the override replaces the packaged list
        custom.write_text("", encoding="utf-8")
        with pytest.raises(GameError):
            check_allowed("pineapple")  # read once, cached

    def test_generated_names_pass(self, fresh_denylist: pytest.MonkeyPatch) -> None:
        for adjective in ADJECTIVES:
            for animal in ANIMALS:
                check_allowed(f"{adjective} {animal}")


# -- generated nicknames -------------------------------------------------------------------------


class TestNamegen:
    def test_word_lists(self) -> None:
        assert 50 <= len(ADJECTIVES) <= 80 and 50 <= len(ANIMALS) <= 80
        assert len(set(ADJECTIVES)) == len(ADJECTIVES)
        assert len(set(ANIMALS)) == len(ANIMALS)
        for word in ADJECTIVES + ANIMALS:
            assert word.isalpha() and word[0].isupper(), word

    def test_every_combination_is_a_valid_nickname(self) -> None:
        folded = set()
        for adjective in ADJECTIVES:
            for animal in ANIMALS:
                name = f"{adjective} {animal}"
                assert len(name) <= nicknames.MAX_LENGTH
                assert clean(name) == name
                folded.add(fold(name))
        assert len(folded) == len(ADJECTIVES) * len(ANIMALS)

    def test_two_words_from_the_lists(self) -> None:
        rng = random.Random(1)
        for _ in range(200):
            adjective, animal = generate_nickname(rng).split(" ")
            assert adjective in ADJECTIVES and animal in ANIMALS

    def test_deterministic_for_a_seed(self) -> None:
        first = [generate_nickname(random.Random(42)) for _ in range(3)]
        assert len(set(first)) == 1
        names = {generate_nickname(random.Random(seed)) for seed in range(100)}
        assert len(names) > 50


# -- the compiled deny-list against the rule it implements -------------------------------------

_runs = st.lists(st.tuples(st.sampled_from("abs"), st.integers(1, 3)), max_size=7).map(
    lambda pairs: tuple(pair for i, pair in enumerate(pairs) if i == 0 or pairs[i - 1][0] != pair[0])
)  # runs as `deny_key` makes them: no letter twice in a row


def _covers(name: Runs, start: int, entry: Runs) -> bool:
    """The rule, run by run: the same letters from `start`, at least as many of each."""
    return start + len(entry) <= len(name) and all(
        name[start + k][0] == letter and name[start + k][1] >= count for k, (letter, count) in enumerate(entry)
    )


@given(name=_runs, whole=st.lists(_runs.filter(bool), max_size=3), inside=st.lists(_runs.filter(bool), max_size=3))
def test_the_compiled_list_hits_exactly_where_an_entry_covers_the_name(
    name: Runs, whole: list[Runs], inside: list[Runs]
) -> None:
    expected = bool(name) and (
        any(len(e) == len(name) and _covers(name, 0, e) for e in whole)
        or any(_covers(name, start, e) for e in inside for start in range(len(name)))
    )
    assert DenyList(tuple(whole), tuple(inside))._hits(name) == expected
