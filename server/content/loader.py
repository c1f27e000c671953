"""Read decks from `content/*.yaml`, validating everything and reporting every problem.

The server refuses to start on a broken deck, so the loader's job is to make the
fix obvious: every problem carries the file, the line and the question number.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from ..domain.grading import folding_for
from ..domain.model import Deck, Question
from ..shared.marks import N_, english
from ..shared.resources import decks_dir
from . import limits
from .allow import read_allow
from .fields import Fields
from .kept import keep
from .lang import read_lang
from .problems import NOT_UTF8, DeckError, Problem, ProblemLog
from .questions import Defaults, build_question, read_points, read_time_limit
from .yamltree import YList, YMap, YNode, YScalar, describe, parse


def default_content_dir() -> Path:
    """The shipped decks (`content/` in the repository), or `$THAW_CONTENT` when set."""
    override = os.environ.get("THAW_CONTENT")
    if override:
        return Path(override).expanduser()
    return decks_dir()


def parse_deck(text: str, path: str) -> tuple[Deck | None, list[Problem]]:
    """Validate one deck's YAML text; `path` is only used to label problems."""
    log = ProblemLog(path)
    root = parse(text, log)
    if len(log):
        return None, log.problems
    deck = build_deck(root, path, log)
    problems = sorted(log.problems, key=lambda p: p.line)
    return (deck if not problems else None), problems


def load_deck(path: str | Path) -> Deck:
    """Load one deck file; raises `DeckError` with every problem found."""
    deck, problems = _load_file(Path(path))
    if deck is None or problems:
        raise DeckError(problems)
    return deck


def load_decks(paths: Iterable[str | Path]) -> dict[str, Deck]:
    """Load decks from files and directories; raises one `DeckError` listing all problems."""
    decks: dict[str, Deck] = {}
    problems: list[Problem] = []
    for file in _deck_files(paths, problems):
        deck, found = _load_file(file)
        problems.extend(found)
        if deck is None:
            continue
        other = decks.get(deck.id)
        if other is not None:
            problems.append(
                Problem(
                    deck.path, 1, english('deck id "%(id)s" is already used by %(path)s', id=deck.id, path=other.path)
                )
            )
            continue
        decks[deck.id] = deck
    if problems:
        raise DeckError(problems)
    return decks


def display_path(path: Path) -> str:
    """A path as an author would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _deck_files(paths: Iterable[str | Path], problems: list[Problem]) -> list[Path]:
    """The deck files named, directories expanded (sorted, hidden files skipped), each once."""
    files: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.suffix in limits.DECK_SUFFIXES
                and not p.name.startswith(".")
                and p.is_file()
            )
            if not found:
                problems.append(
                    Problem(display_path(path), 0, N_("no .yaml decks in this directory"))
                )
        elif path.exists():
            found = [path]
        else:
            problems.append(Problem(str(path), 0, N_("no such file or directory")))
            found = []
        for file in found:
            if file.resolve() not in seen:
                seen.add(file.resolve())
                files.append(file)
    return files


def _load_file(path: Path) -> tuple[Deck | None, list[Problem]]:
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, 0, english("cannot read: %(reason)s", reason=exc.strerror or exc))]
    if len(data) > limits.FILE_MAX_BYTES:
        return None, [
            Problem(shown, 0, english("file is larger than %(limit)s bytes", limit=limits.FILE_MAX_BYTES))
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Problem(shown, line, NOT_UTF8)]
    deck, problems = parse_deck(text, shown)
    if deck is not None and any(q.image for q in deck.questions):
        deck, found = _with_images(deck, path.parent, shown)
        problems = [*problems, *found]
    if deck is not None and deck.id != path.stem:
        line = _id_line(text)
        problem = Problem(
            shown, line, english('deck id "%(id)s" must match the file name "%(stem)s"', id=deck.id, stem=path.stem)
        )
        return None, [*problems, problem]
    return deck, problems


def _with_images(deck: Deck, folder: Path, shown: str) -> tuple[Deck | None, list[Problem]]:
    """Each `image:` file beside the deck decoded and re-encoded now; questions then name the result."""
    from .images import ImageRefused, from_file

    problems: list[Problem] = []
    questions: list[Question] = []
    for number, question in enumerate(deck.questions, 1):
        if not question.image:
            questions.append(question)
            continue
        try:
            name, data = from_file(folder, question.image)
        except ImageRefused as exc:
            problems.append(Problem(shown, question.line, english("question %(number)s: %(what)s", number=number,
                                                                  what=str(exc))))
            continue
        keep(name, data)
        questions.append(replace(question, image=name))
    if problems:
        return None, problems
    return replace(deck, questions=tuple(questions)), []


def _id_line(text: str) -> int:
    log = ProblemLog("")
    root = parse(text, log)
    if isinstance(root, YMap):
        value = root.get("id")
        if value is not None:
            return value.line
    return 1


def build_deck(root: YNode | None, path: str, log: ProblemLog) -> Deck | None:
    """The deck of a parsed tree, or None; every problem goes to `log` (files and uploads alike)."""
    if root is None:
        log.add(1, N_("the file is empty: a deck needs id, title and questions"))
        return None
    if not isinstance(root, YMap):
        log.add(
            root.line,
            english("a deck must be a mapping with id, title and questions, not %(what)s", what=describe(root)),
        )
        return None
    f = Fields(root, log)
    f.check_keys(limits.DECK_KEYS, {})
    deck_id = _deck_id(f)
    title = f.text("title", required=True, max_len=limits.TITLE_MAX)
    description = f.text("description", required=False, max_len=limits.DESCRIPTION_MAX)
    notes = _notes(f)
    lang = read_lang(f)
    read_allow(f)
    defaults = replace(_defaults(f.get("defaults"), log), fold=folding_for(lang))
    questions = _questions(f, defaults, log)
    if deck_id is None or title is None or questions is None:
        return None
    return Deck(
        id=deck_id,
        title=title,
        questions=questions,
        description=description or "",
        path=path,
        notes=notes,
        lang=lang,
    )


def _deck_id(f: Fields) -> str | None:
    deck_id = f.text("id", required=True, max_len=limits.DECK_ID_MAX)
    if deck_id is not None and not limits.DECK_ID.fullmatch(deck_id):
        f.say(
            f.line("id"),
            english('id "%(id)s" may only use lowercase letters, digits and "-"', id=deck_id),
        )
        return None
    return deck_id


def _notes(f: Fields) -> str:
    node = f.get("notes")
    if node is None or (isinstance(node, YScalar) and node.is_null):
        return ""
    if not isinstance(node, YScalar):
        f.say(node.line, english("notes must be text, not %(what)s", what=describe(node)))
        return ""
    return node.raw.strip()


def _defaults(node: YNode | None, log: ProblemLog) -> Defaults:
    if node is None:
        return Defaults()
    if not isinstance(node, YMap):
        log.add(
            node.line,
            english("defaults must be a mapping like %(example)s, not %(what)s",
                    example="{time_limit: 20, points: 1000}", what=describe(node)),
        )
        return Defaults()
    f = Fields(node, log, english("defaults: %(what)s", what=""))
    f.check_keys(limits.DEFAULTS_KEYS, {})
    return Defaults(
        time_limit_s=read_time_limit(f, limits.DEFAULT_TIME_S),
        points=read_points(f, limits.DEFAULT_POINTS),
    )


def _questions(
    f: Fields, defaults: Defaults, log: ProblemLog
) -> tuple[Question, ...] | None:
    node = f.get("questions")
    if node is None or (isinstance(node, YScalar) and node.is_null):
        f.say(
            f.line("questions"),
            N_("questions is missing: a deck needs at least one question"),
        )
        return None
    if not isinstance(node, YList):
        f.say(node.line, english("questions must be a list, not %(what)s", what=describe(node)))
        return None
    if not node.items:
        f.say(node.line, N_("questions is empty: a deck needs at least one question"))
        return None
    if len(node.items) > limits.QUESTIONS_MAX:
        f.say(node.line, english("a deck has at most %(max)s questions, not %(count)s", max=limits.QUESTIONS_MAX,
                                  count=len(node.items)))
        return None
    before = len(log)
    questions: list[Question] = []
    prompts: dict[str, int] = {}
    for number, item in enumerate(node.items, 1):
        question = build_question(item, number, defaults, log)
        if question is None:
            continue
        key = " ".join(question.prompt.casefold().split())
        if key in prompts:
            log.add(
                question.line,
                english("question %(number)s: %(what)s", number=number,
                        what=english("repeats the prompt of question %(other)s", other=prompts[key])),
            )
        prompts.setdefault(key, number)
        questions.append(question)
    return tuple(questions) if len(log) == before else None
