"""No words for people written into the browser client: every text a page shows, announces
or reads out comes from a catalog through t() (docs/translating.md).

The scan reads each JavaScript file in ENFORCED as tokens (strings, templates, comments,
regular expressions) and flags a string literal with letters that lands where people see
it — a `text:`, `title:`, `label:`, `placeholder:` or aria-label value, an assignment to
`textContent` and its kin, the arguments of toast(), announce(), showStatus() or
`new Error()`, a child of h() — and, anywhere else, a literal that reads as English prose
("Try again.", `Game ${code}`). The first argument of t() (a key), console output, class
names, selectors and event names are not text for people. ALLOWED lists the few
literals that look like prose but are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[2] / "static" / "js"

# Every module of the client: each user-visible string comes from a catalog.
ENFORCED = tuple(sorted(p.name for p in JS.glob("*.js")))

# Literals that read like prose but are protocol or markup, never shown: per file, the
# literal's text as written in the source (a template's `${...}` parts included).
ALLOWED: dict[str, set[str]] = {
    "hostkey.js": {"Bearer ${token}"},  # the HTTP Authorization scheme
}

# Object keys and properties whose value people see or hear.
VISIBLE_KEYS = (
    "text|title|label|placeholder|alt|caption|message|confirm|cancel|body|hint|addLabel"
    '|"aria-label"|"aria-description"|"aria-roledescription"|"aria-valuetext"|"aria-placeholder"'
)
VISIBLE_PROPERTIES = "textContent|innerText|title|placeholder|alt|ariaLabel|ariaDescription|label"
# Calls whose every argument is shown or read out.
VISIBLE_CALLS = r"toast|announce|showStatus|alert|confirm|prompt|new\s+Error"
# Calls that build elements: their arguments after the tag and the properties are children.
ELEMENT_CALLS = {"h": 2, "svg": 2, "mount": 1}
# Calls whose string arguments are names for code: keys, selectors, events, classes, logs.
CODE_CALLS = (
    r"console\.\w+|querySelector(?:All)?|closest|matches|getElementById|addEventListener|removeEventListener"
    r"|classList\.\w+|getItem|setItem|removeItem|import|fetch|setProperty|getPropertyValue"
)
CODE_KEYS = (
    "class|style|dataset|id|name|type|rel|href|src|role|value|method|for|lang|dir|key|code"
    '|"aria-keyshortcuts"|"aria-labelledby"|"aria-describedby"|"aria-controls"|"data-[\\w-]+"'
)

COMPARED_BEFORE = re.compile(r"(?:[!=]==?|\bcase)\s*$")
COMPARED_AFTER = re.compile(r"\s*[!=]==?")
LETTER = re.compile(r"[^\W\d_]")
WORD = r"[A-Za-z]{2,}"
# Two words in a row (a template's `${...}` counts as a word: "Game ${code}").
WORDS = re.compile(rf"{WORD}[ \u00a0]+(?:{WORD}|\x00)|\x00[ \u00a0]+{WORD}")
TEMPLATE_WORD = re.compile(r"[A-Za-z]{2,}[,.!?:;…]?")
SENTENCE = re.compile(r"^[A-Z][a-z]|[a-z][.!?…:](?:\s|$)")
REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {""}
REGEX_KEYWORDS = {
    "return",
    "typeof",
    "case",
    "do",
    "else",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "yield",
    "await",
}


@dataclass(frozen=True)
class Literal:
    """A string or template literal: where it starts and ends, its source text between the
    quotes, and its static text (a template's `${...}` parts as NUL)."""

    start: int
    end: int
    source: str
    static: str
    template: bool = False


@dataclass
class Scan:
    """A file's code with comments blanked and literals' contents masked (same offsets)."""

    code: str
    literals: list[Literal]


def scan(text: str) -> Scan:
    out = list(text)
    literals: list[Literal] = []

    def blank(start: int, end: int) -> None:
        for k in range(start, end):
            if out[k] != "\n":
                out[k] = " "

    def mask(start: int, end: int) -> None:
        for k in range(start, end):
            if out[k] != "\n":
                out[k] = "_"

    def quoted(i: int) -> int:
        quote = text[i]
        j = i + 1
        while text[j] != quote:
            j += 2 if text[j] == "\\" else 1
        literals.append(Literal(i, j + 1, text[i + 1 : j], text[i + 1 : j]))
        mask(i + 1, j)
        return j + 1

    def template(i: int) -> int:
        j = i + 1
        static: list[str] = []
        while text[j] != "`":
            if text[j] == "\\":
                static.append(text[j : j + 2])
                mask(j, j + 2)
                j += 2
            elif text.startswith("${", j):
                static.append("\x00")
                j = code(j + 2, closing="}")
            else:
                static.append(text[j])
                mask(j, j + 1)
                j += 1
        literals.append(Literal(i, j + 1, text[i + 1 : j], "".join(static), template=True))
        return j + 1

    def regex(i: int) -> int:
        j, in_class = i + 1, False
        while in_class or text[j] != "/":
            if text[j] == "\\":
                j += 1
            elif text[j] == "[":
                in_class = True
            elif text[j] == "]":
                in_class = False
            j += 1
        mask(i + 1, j)
        return j + 1

    def code(i: int, closing: str = "") -> int:
        depth = 0
        while i < len(text):
            c = text[i]
            if closing and c == closing and depth == 0:
                return i + 1
            if c in "{([":
                depth += 1
            elif c in "})]":
                depth -= 1
            if text.startswith("//", i):
                end = text.find("\n", i)
                end = len(text) if end < 0 else end
                blank(i, end)
                i = end
            elif text.startswith("/*", i):
                end = text.index("*/", i) + 2
                blank(i, end)
                i = end
            elif c in "'\"":
                i = quoted(i)
            elif c == "`":
                i = template(i)
            elif c == "/" and regex_may_start(i):
                i = regex(i)
            else:
                i += 1
        return i

    def regex_may_start(i: int) -> bool:
        before = "".join(out[:i]).rstrip()
        word = re.search(r"(\w+)$", before)
        if word:
            return word.group(1) in REGEX_KEYWORDS
        return before[-1:] in REGEX_BEFORE

    code(0)
    return Scan("".join(out), sorted(literals, key=lambda lit: lit.start))


def closing(code: str, open_at: int) -> int:
    """The offset of the bracket that closes the one at `open_at`."""
    depth = 0
    for k in range(open_at, len(code)):
        if code[k] in "([{":
            depth += 1
        elif code[k] in ")]}":
            depth -= 1
            if depth == 0:
                return k
    return len(code)


def expression_end(code: str, start: int, stops: str) -> int:
    """Where the expression from `start` ends: at a stop character or a closing bracket at its own depth."""
    depth = 0
    for k in range(start, len(code)):
        c = code[k]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return k
            depth -= 1
        elif depth == 0 and c in stops:
            return k
    return len(code)


def arguments(code: str, open_at: int) -> list[tuple[int, int]]:
    """The top-level arguments of the call whose "(" is at `open_at`, as offset ranges."""
    end, ranges, start = closing(code, open_at), [], open_at + 1
    while start < end:
        stop = expression_end(code, start, ",")
        ranges.append((start, min(stop, end)))
        start = stop + 1
    return ranges


def regions(scanned: Scan) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Offset ranges where text is shown (visible) and where strings are names for code (hidden)."""
    code, keyed, visible, hidden = scanned.code, restore_keys(scanned), [], []
    for match in re.finditer(rf"(?<![\w.$])(?:{VISIBLE_KEYS})\s*:(?!:)", keyed):
        visible.append((match.end(), expression_end(code, match.end(), ",;")))
    for match in re.finditer(rf"\.(?:{VISIBLE_PROPERTIES})\s*=(?!=)", code):
        visible.append((match.end(), expression_end(code, match.end(), ";\n")))
    for match in re.finditer(rf"(?<![\w.$])(?:{VISIBLE_CALLS})\s*\(", code):
        visible.append((match.end(), closing(code, match.end() - 1)))
    for match in re.finditer(r"\.setAttribute\s*\(", code):
        args = arguments(code, match.end() - 1)
        name = keyed[args[0][0] : args[0][1]].strip() if args else ""
        if len(args) > 1 and re.fullmatch(rf"""["'](?:{VISIBLE_KEYS.replace('"', "")})["']""", name):
            visible.append(args[1])
    for match in re.finditer(rf"(?<![\w.$])({'|'.join(ELEMENT_CALLS)})\s*\(", code):
        for start, end in arguments(code, match.end() - 1)[ELEMENT_CALLS[match.group(1)] :]:
            visible.extend(top_level(code, start, end))
    for match in re.finditer(r"(?<![\w.$])t\s*\(", code):
        args = arguments(code, match.end() - 1)
        if args:
            hidden.append(args[0])  # the message key
    for match in re.finditer(rf"(?<![\w$])(?:{CODE_CALLS})\s*\(", code):
        hidden.append((match.end(), closing(code, match.end() - 1)))
    for match in re.finditer(rf"(?<![\w.$])(?:{CODE_KEYS})\s*:(?!:)|\.className\s*=(?!=)", keyed):
        hidden.append((match.end(), expression_end(code, match.end(), ",;\n")))
    for match in re.finditer(r"\bfrom\s+(?=[\"'])", code):
        hidden.append((match.end(), match.end() + 1))
    for lit in scanned.literals:  # compared with a value (`phase === "finished"`, `case "x":`): a value
        if COMPARED_BEFORE.search(code, max(0, lit.start - 16), lit.start) or COMPARED_AFTER.match(code, lit.end):
            hidden.append((lit.start, lit.end))
    return visible, hidden


def top_level(code: str, start: int, end: int) -> list[tuple[int, int]]:
    """The parts of [start, end) outside nested brackets (a child's own arguments are its own)."""
    parts, depth, begin = [], 0, start
    for k in range(start, end):
        if code[k] in "([{":
            if depth == 0:
                parts.append((begin, k))
            depth += 1
        elif code[k] in ")]}":
            depth -= 1
            if depth == 0:
                begin = k + 1
    parts.append((begin, end))
    return parts


def restore_keys(scanned: Scan) -> str:
    """The masked code with quoted literals written back (so `"aria-label":` keys match)."""
    chars = list(scanned.code)
    for lit in scanned.literals:
        if lit.source == lit.static:
            chars[lit.start + 1 : lit.end - 1] = lit.source
    return "".join(chars)


def inside(ranges: list[tuple[int, int]], at: int) -> bool:
    return any(start <= at < end for start, end in ranges)


def reads_as_prose(lit: Literal) -> bool:
    """A sentence ("Try again.", "Game ${code}"); in a template also lowercase words in a
    row ("${n} seconds left"), where a string would more often be class names or a selector."""
    if WORDS.search(lit.static) and SENTENCE.search(lit.static.replace("\x00", "")):
        return True
    if not lit.template:
        return False
    kinds = [
        "slot" if token == "\x00" else "word" if TEMPLATE_WORD.fullmatch(token) else "" for token in lit.static.split()
    ]
    return any({a, b} in ({"word"}, {"word", "slot"}) for a, b in pairwise(kinds))


def flagged(text: str, allowed: frozenset[str] = frozenset()) -> list[Literal]:
    """The literals of `text` that people would see or hear as they are written."""
    scanned = scan(text)
    visible, hidden = regions(scanned)
    found = []
    for lit in scanned.literals:
        if inside(hidden, lit.start) or lit.source in allowed:
            continue
        shown = inside(visible, lit.start) and LETTER.search(lit.static.replace("\x00", ""))
        if shown or reads_as_prose(lit):
            found.append(lit)
    return found


def hardcoded(name: str) -> list[str]:
    """The hard-coded texts of static/js/`name`, each with its line."""
    text = (JS / name).read_text(encoding="utf-8")
    return [
        f"{name}:{text.count(chr(10), 0, lit.start) + 1}: {text[lit.start : lit.end]}"
        for lit in flagged(text, frozenset(ALLOWED.get(name, ())))
    ]


@pytest.mark.parametrize("name", ENFORCED)
def test_a_client_file_shows_no_hard_coded_text(name: str) -> None:
    found = hardcoded(name)
    assert not found, "texts for people belong in static/i18n/<lang>/<area>.json, shown with t():\n" + "\n".join(found)


def test_the_enforced_files_exist_and_the_allow_list_names_only_them() -> None:
    files = {path.name for path in JS.glob("*.js")}
    assert set(ENFORCED) <= files
    assert set(ALLOWED) <= set(ENFORCED)


@pytest.mark.parametrize(
    "source",
    [
        'h("p", { text: "Try again" })',
        'el.textContent = "Waiting for players";',
        'h("button", { "aria-label": "Close" })',
        'input.placeholder = "Nickname";',
        'toast("Saved");',
        'announce(live, "Time is up");',
        "announce(live, `${n} seconds left`);",
        "const label = `Game ${code}`;",
        "const said = `${n} seconds left`;",
        'h("span", {}, "Correct")',
        'throw new Error("That quiz is gone");',
        'h("span", { text: cond ? t("x.y") : "Fallback" })',
        'el.setAttribute("title", "Drag to reorder");',
        'const ERRORS = { full: "The room is full." };',
    ],
)
def test_the_scan_finds_english_where_people_see_it(source: str) -> None:
    assert flagged(source), source


@pytest.mark.parametrize(
    "source",
    [
        'h("p", { class: "hint big", text: t("play.hint") })',
        'toast(t("host.saved", { count: n }));',
        "console.warn(`i18n: no message ${key}`);",
        'root.querySelector("[autofocus], h1, h2, button, input");',
        'el.addEventListener("visibilitychange", wake);',
        'h("span", { text: `${place}: ` })',
        'h("span", { text: phase === "finished" ? "" : t("x.running") })',
        'const re = /"quoted" words/; const url = `/api/rooms/${code}`;',
        'import { t } from "./i18n.js";',
        'h("div", { class: "dialog-actions" }, h("b", {}, "✓"))',
        'h("button", { "aria-keyshortcuts": "Space Enter", "data-hint": "Hold Shift" })',
        'const look = { letter: "A", shape: "triangle", colour: "red" };',
    ],
)
def test_the_scan_leaves_code_strings_alone(source: str) -> None:
    assert not flagged(source), [lit.source for lit in flagged(source)]
