"""`thaw bots`: simulated students over real WebSockets, for rehearsals and demos.

Each bot is an ordinary client of the wire contract (docs/protocol.md): it joins
with a nickname (`bot-001`, ...), answers every question after a random think
time, and when its connection drops (network, a `reconnect` frame, a 1012 close
while an instance restarts) it comes back with `resume` and its token, with
backoff and jitter, exactly like a phone would.

Honesty: the server never sends a correct answer before the reveal, so a bot
cannot know it. Bots that are given the deck (`--deck PATH`, the same YAML the
server loads) look the question up by its prompt and answer correctly with
probability `--accuracy`, wrongly otherwise. Without a deck every answer is a
well-formed random pick, and `--accuracy` has no effect (a 4-option choice is
then right about a quarter of the time).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from ..domain.grading import accepted_forms, normalise_text
from ..domain.model import Kind, Question

# Close codes after which resuming cannot help: the contract says the token, the
# nickname or the room is not (or no longer) acceptable.
TERMINAL_CLOSES = {4400: "bad input", 4401: "bad token", 4403: "kicked, locked or full", 4404: "room not found",
                   4409: "replaced by another connection"}
ANSWER_ERRORS = {"wrong_phase", "wrong_question", "too_late", "already_answered", "invalid_answer", "not_player",
                 "rate_limited", "unavailable"}
MAX_FAILURES = 8  # consecutive failed connection attempts (about 40 s of backoff) before a bot gives up
STANDING_WAIT_S = 2.0  # after `finished`, how long to wait for the personal `standing`


# -- answers ------------------------------------------------------------------------


class AnswerKey:
    """Questions of the decks a bot was given, by (kind, prompt): the only honest way to be right."""

    def __init__(self, questions: Sequence[Question] = ()) -> None:
        self._by_prompt: dict[tuple[str, str], Question] = {}
        for q in questions:
            self._by_prompt.setdefault((q.kind.value, q.prompt), q)

    @classmethod
    def load(cls, path: str | Path) -> AnswerKey:
        """Every question of a deck file or a folder of decks (validated like the server does)."""
        from ..content import load_decks

        decks = load_decks([path])
        return cls([q for deck in decks.values() for q in deck.questions])

    def __len__(self) -> int:
        return len(self._by_prompt)

    def lookup(self, frame: dict[str, Any]) -> Question | None:
        return self._by_prompt.get((str(frame.get("kind")), str(frame.get("prompt"))))


def _grid(frame: dict[str, Any]) -> list[float]:
    low, high = float(frame.get("min") or 0), float(frame.get("max") or 0)
    step = float(frame.get("step") or 1) or 1.0
    n = max(0, min(100_000, math.floor((high - low) / step + 1e-9)))
    return [low + k * step for k in range(n + 1)]


def _number(x: float) -> int | float:
    return round(x) if abs(x - round(x)) < 1e-9 else round(x, 10)


def choose_answer(frame: dict[str, Any], key: Question | None, rng: random.Random, accuracy: float) -> Any:
    """A well-formed answer to a `question` frame: right with probability `accuracy` when
    the bot knows the question (`key`), a random pick otherwise."""
    kind = frame.get("kind")
    options: list[dict[str, Any]] = [o for o in frame.get("options") or [] if isinstance(o, dict)]
    ids = [o["id"] for o in options]
    right = key is not None and rng.random() < accuracy
    if kind in ("choice", "poll"):
        if key is None or key.kind is Kind.POLL or not ids:
            return rng.choice(ids) if ids else 0
        correct_texts = {key.options[i] for i in key.correct if i < len(key.options)}
        good = [o["id"] for o in options if o.get("text") in correct_texts]
        bad = [o["id"] for o in options if o.get("text") not in correct_texts]
        pool = good if right else bad
        return rng.choice(pool or ids)  # multi-correct: one correct id is a correct answer
    if kind == "multi":
        if right and key is not None and key.kind is Kind.MULTI:
            texts = {key.options[i] for i in key.correct if i < len(key.options)}
            good = [o["id"] for o in options if o.get("text") in texts]
            if good:
                return good
        return rng.sample(ids, rng.randint(1, len(ids))) if ids else [0]
    if kind == "order":
        shuffled = list(ids)
        rng.shuffle(shuffled)
        if key is None:
            return shuffled
        by_text = {o.get("text"): o["id"] for o in options}
        true = [by_text[t] for t in key.options if t in by_text]
        if len(true) != len(ids):
            return shuffled
        if right:
            return true
        while len(ids) > 1 and shuffled == true:
            rng.shuffle(shuffled)
        return shuffled
    if kind == "number":
        grid = _grid(frame)
        if not grid:
            return _number(float(frame.get("min") or 0))
        if key is None or key.value is None:
            return _number(rng.choice(grid))
        value, tol = float(key.value), float(key.tolerance)
        if right:
            return _number(min(grid, key=lambda x: abs(x - value)))
        wrong = [x for x in grid if abs(x - value) > tol + 1e-9]
        return _number(rng.choice(wrong or grid))
    if kind == "text":
        if key is not None and key.accepted and right:
            return key.accepted[0]
        accepted = accepted_forms(key.accepted) if key is not None else frozenset()
        while True:
            guess = f"guess {rng.randrange(1_000_000)}"
            if normalise_text(guess) not in accepted:
                return guess
    return rng.choice(ids) if ids else 0


# -- one bot --------------------------------------------------------------------------


@dataclass(slots=True)
class BotStats:
    joined: bool = False
    connected: bool = False
    reconnects: int = 0
    sent: int = 0
    acked: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    failed: str | None = None  # why this bot gave up for good
    timed_out: bool = False  # still playing (connected) when --timeout ran out
    finished: bool = False
    score: int | None = None
    rank: int | None = None
    questions: set[int] = field(default_factory=set)


class _Terminal(Exception):
    """The server refused this bot for good (see TERMINAL_CLOSES)."""


class Bot:
    """One simulated student: join once, then resume with the token after every drop."""

    def __init__(self, ws_url: str, nickname: str, key: AnswerKey, rng: random.Random, accuracy: float,
                 think_ms: int, deadline: float, room_state: RoomState) -> None:
        self.ws_url = ws_url
        self.nickname = nickname
        self.key = key
        self.rng = rng
        self.accuracy = accuracy
        self.think_s = max(0.2, think_ms / 1000)
        self.deadline = deadline
        self.room = room_state
        self.stats = BotStats()
        self.token: str | None = None
        self.ws: ClientConnection | None = None
        self.answered: set[int] = set()
        self.pending: int | None = None  # index of the answer awaiting its ack
        self.spectating: int | None = None
        self.question: dict[str, Any] | None = None
        self._think: asyncio.Task[None] | None = None
        self._done = asyncio.Event()

    async def run(self) -> BotStats:
        failures = 0
        try:
            while not self._done.is_set():
                if time.monotonic() >= self.deadline:
                    if failures:  # still trying to get back in when time ran out
                        self.stats.failed = f"could not reconnect before --timeout ({failures} attempts)"
                    elif not self.stats.finished:
                        self.stats.timed_out = True
                    break
                try:
                    got_in = await self._session()
                except _Terminal as exc:
                    self.stats.failed = str(exc)
                    break
                except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed) as exc:
                    got_in = False
                    if failures == 0 or failures + 1 >= MAX_FAILURES:
                        self.stats.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                finally:
                    self.stats.connected = False
                    self.ws = None
                if self._done.is_set():
                    break
                failures = 0 if got_in else failures + 1
                if failures >= MAX_FAILURES:
                    self.stats.failed = f"could not connect after {failures} attempts"
                    break
                delay = min(5.0, 0.25 * 2 ** failures) * (0.5 + self.rng.random())
                await asyncio.sleep(min(delay, max(0.0, self.deadline - time.monotonic())))
        finally:
            if self._think is not None:
                self._think.cancel()
        return self.stats

    async def _session(self) -> bool:
        """One connection; True if the server accepted us (so the next failure starts a fresh backoff)."""
        remaining = max(1.0, self.deadline - time.monotonic())
        async with connect(self.ws_url, open_timeout=min(10.0, remaining), proxy=None, compression=None,
                           max_size=1 << 20, close_timeout=2) as ws:
            self.ws = ws
            resumed = self.token is not None
            first = {"type": "resume", "token": self.token} if resumed else {"type": "join", "nickname": self.nickname}
            accepted = False
            try:
                # Inside the try: a refusal (4404 for a wrong code) can close the socket
                # before this send returns, and then it is the send that raises.
                await ws.send(json.dumps(first))
                while True:
                    left = self.deadline - time.monotonic()
                    if left <= 0:
                        return accepted
                    wait = STANDING_WAIT_S if self.stats.finished else left
                    try:
                        raw = await asyncio.wait_for(ws.recv(), timeout=min(wait, left))
                    except TimeoutError:
                        if self.stats.finished:
                            self._done.set()
                        return accepted
                    if isinstance(raw, bytes):
                        continue
                    msg = json.loads(raw)
                    if not isinstance(msg, dict):
                        continue
                    if msg.get("type") == "welcome":
                        accepted = True
                        self.stats.connected = True
                        if resumed:
                            self.stats.reconnects += 1
                    self._handle(msg)
                    if self._done.is_set():
                        return accepted
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd is not None else 1006
                if code in TERMINAL_CLOSES:
                    raise _Terminal(f"closed {code} ({TERMINAL_CLOSES[code]})") from None
                if not accepted:
                    raise
                return accepted

    def _handle(self, msg: dict[str, Any]) -> None:
        kind = msg.get("type")
        if kind == "welcome":
            self.token = str(msg.get("token") or self.token or "")
            self.stats.joined = True
            self.room.joined.add(self.nickname)
        elif kind == "question":
            index = int(msg.get("index", -1))
            self.question = msg
            self.room.saw_question(index, int(msg.get("count", 0)))
            self.stats.questions.add(index)
            if index not in self.answered and (self._think is None or self._think.done()):
                self._think = asyncio.create_task(self._answer_later(msg))
        elif kind == "spectating":
            self.spectating = int(msg.get("index", -1))
        elif kind == "answer_ack":
            index = int(msg.get("index", -1))
            self.answered.add(index)
            if self.pending == index:
                self.pending = None
                self.stats.acked += 1
        elif kind == "error":
            code = str(msg.get("code"))
            if self.pending is not None and code in ANSWER_ERRORS:
                self.stats.refused[code] += 1
                if code in ("already_answered", "too_late", "wrong_phase", "wrong_question"):
                    self.answered.add(self.pending)
                self.pending = None
            else:
                self.stats.errors.append(f"{code}: {msg.get('message', '')}"[:200])
        elif kind == "reveal":
            self.room.phase = "reveal"
        elif kind == "scoreboard":
            self.room.phase = "scoreboard"
        elif kind == "result":
            self.stats.score = _int_or_none(msg.get("score"))
            self.stats.rank = _int_or_none(msg.get("rank"))
        elif kind == "finished":
            self.stats.finished = True
            self.room.phase = "finished"
        elif kind == "standing":
            self.stats.score = _int_or_none(msg.get("score"))
            self.stats.rank = _int_or_none(msg.get("rank"))
            self.stats.finished = True
            self.room.phase = "finished"
            self._done.set()

    async def _answer_later(self, frame: dict[str, Any]) -> None:
        index = int(frame.get("index", -1))
        left = max(0.05, int(frame.get("time_left_ms", 0)) / 1000 - 0.3)
        await asyncio.sleep(min(self.rng.uniform(0.2, self.think_s), left))
        ws = self.ws
        current = self.question
        if (ws is None or current is None or current.get("index") != index or index in self.answered
                or self.spectating == index or self.pending is not None):
            return
        answer = choose_answer(current, self.key.lookup(current), self.rng, self.accuracy)
        self.pending = index
        try:
            await ws.send(json.dumps({"type": "answer", "index": index, "answer": answer}))
        except ConnectionClosed:
            self.pending = None
            return
        self.stats.sent += 1
        self.room.answers_sent += 1


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(slots=True)
class RoomState:
    """What the bots together know of the room, for the progress line."""

    joined: set[str] = field(default_factory=set)
    question: int = -1
    count: int = 0
    phase: str = "lobby"
    answers_sent: int = 0

    def saw_question(self, index: int, count: int) -> None:
        if index > self.question:
            self.question, self.phase = index, "question"
        self.count = count or self.count


# -- the crowd ------------------------------------------------------------------------


@dataclass(slots=True)
class Options:
    url: str
    room: str
    players: int = 30
    accuracy: float = 0.7
    think_ms: int = 4000
    seed: int | None = None
    deck: Path | None = None
    timeout_s: float = 1800.0
    ramp_s: float | None = None  # joins spread over this many seconds (default: 20 ms a bot, at most 3 s)
    prefix: str = "bot"


@dataclass(slots=True)
class Summary:
    players: int
    bots: list[BotStats]
    questions: int
    elapsed_s: float
    knew_deck: bool

    @property
    def joined(self) -> int:
        return sum(b.joined for b in self.bots)

    @property
    def failed(self) -> list[BotStats]:
        return [b for b in self.bots if b.failed is not None]

    @property
    def finished(self) -> int:
        return sum(b.finished for b in self.bots)

    def refused(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for b in self.bots:
            total.update(b.refused)
        return total

    def errors(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for b in self.bots:
            total.update(b.errors)
            if b.failed:
                total[f"gave up: {b.failed}"] += 1
        return total

    def as_dict(self) -> dict[str, Any]:
        return {
            "players": self.players,
            "joined": self.joined,
            "finished": self.finished,
            "questions_seen": self.questions,
            "reconnects": sum(b.reconnects for b in self.bots),
            "answers_sent": sum(b.sent for b in self.bots),
            "answers_acked": sum(b.acked for b in self.bots),
            "answers_refused": dict(self.refused()),
            "errors": dict(self.errors()),
            "failed": len(self.failed),
            "timed_out": sum(b.timed_out for b in self.bots),
            "ranks": {str(k): v for k, v in sorted(Counter(b.rank for b in self.bots if b.rank).items())},
            "elapsed_s": round(self.elapsed_s, 2),
        }

    def table(self) -> str:
        d = self.as_dict()
        ranks = [b.rank for b in self.bots if b.rank is not None]
        scores = sorted(b.score for b in self.bots if b.score is not None)
        buckets = Counter(_rank_bucket(r) for r in ranks)
        lines = [
            f"{'players joined':<22}{d['joined']}/{self.players}",
            f"{'finished the game':<22}{d['finished']}"
            + (f" ({d['timed_out']} still playing at --timeout)" if d["timed_out"] else ""),
            f"{'questions seen':<22}{self.questions}",
            f"{'reconnects':<22}{d['reconnects']}",
            f"{'answers sent':<22}{d['answers_sent']}",
            f"{'answers acked':<22}{d['answers_acked']}",
            f"{'answers refused':<22}{_counts(self.refused()) or 0}",
            f"{'final ranks':<22}{_counts(buckets, order=_RANK_BUCKETS) or '-'}",
            f"{'scores min/med/max':<22}"
            + (f"{scores[0]}/{scores[len(scores) // 2]}/{scores[-1]}" if scores else "-"),
            f"{'errors':<22}{sum(self.errors().values())}",
        ]
        lines += [f"  {n} x {text}" for text, n in self.errors().most_common(8)]
        if not self.knew_deck:
            lines.append("(no --deck: answers were random picks, --accuracy had no effect)")
        lines.append(f"{'elapsed':<22}{self.elapsed_s:.1f} s")
        return "\n".join(lines)


_RANK_BUCKETS = ("1", "2-3", "4-10", "11-25", "26-100", "101+")


def _rank_bucket(rank: int) -> str:
    for limit, name in ((1, "1"), (3, "2-3"), (10, "4-10"), (25, "11-25"), (100, "26-100")):
        if rank <= limit:
            return name
    return "101+"


def _counts(counter: Counter[str], order: Sequence[str] | None = None) -> str:
    keys = [k for k in order if k in counter] if order else [k for k, _ in counter.most_common()]
    return ", ".join(f"{k}: {counter[k]}" for k in keys)


def ws_url(url: str, room: str) -> str:
    """`http://host:8000` (what the teacher's screen shows) -> `ws://host:8000/ws/CODE`."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(f"not an http(s) or ws(s) URL: {url!r}")
    return urlunsplit((scheme, parts.netloc, f"/ws/{room}", "", ""))


class Crowd:
    """The bots of one run; built before it starts so that a caller (a test) can reach them."""

    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.key = AnswerKey.load(opts.deck) if opts.deck is not None else AnswerKey()
        self.room = RoomState()
        self.start = time.monotonic()
        target = ws_url(opts.url, opts.room)
        master = random.Random(opts.seed)
        deadline = self.start + opts.timeout_s
        width = max(3, len(str(opts.players)))
        self.bots = [
            Bot(target, f"{opts.prefix}-{i:0{width}d}", self.key, random.Random(master.getrandbits(64)),
                opts.accuracy, opts.think_ms, deadline, self.room)
            for i in range(1, opts.players + 1)
        ]

    async def run(self, progress: TextIO | None = None) -> Summary:
        """Until every bot is done (room finished, gave up) or the timeout."""
        opts = self.opts
        ramp = opts.ramp_s if opts.ramp_s is not None else min(3.0, 0.02 * opts.players)

        async def launch(i: int, bot: Bot) -> BotStats:
            await asyncio.sleep(ramp * i / max(1, len(self.bots)))
            return await bot.run()

        tasks = [asyncio.create_task(launch(i, b)) for i, b in enumerate(self.bots)]
        reporter = asyncio.create_task(_report(self.bots, self.room, opts.players, progress)) if progress else None
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            if reporter is not None:
                reporter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reporter
                _progress_line(self.bots, self.room, opts.players, progress, final=True)
        return Summary(opts.players, [b.stats for b in self.bots], self.room.question + 1,
                       time.monotonic() - self.start, len(self.key) > 0)


async def run_bots(opts: Options, progress: TextIO | None = None) -> Summary:
    """Run a crowd of `opts.players` bots; the summary says how it went."""
    return await Crowd(opts).run(progress)


def _progress_line(bots: list[Bot], room: RoomState, players: int, out: TextIO | None, final: bool = False) -> None:
    if out is None:
        return
    connected = sum(b.stats.connected for b in bots)
    acked = sum(b.stats.acked for b in bots)
    q = f"{room.question + 1}/{room.count or '?'}" if room.question >= 0 else "-"
    line = (f"joined {len(room.joined)}/{players}  connected {connected}  answered {room.answers_sent} "
            f"(acked {acked})  question {q}  {room.phase}")
    if out.isatty():
        out.write("\r\x1b[K" + line + ("\n" if final else ""))
    else:
        out.write(line + "\n")
    out.flush()


async def _report(bots: list[Bot], room: RoomState, players: int, out: TextIO) -> None:
    interval = 0.5 if out.isatty() else 5.0
    while True:
        await asyncio.sleep(interval)
        _progress_line(bots, room, players, out)


# -- command line ---------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="thaw bots",
        description="Simulated students: join a room over WebSockets and play until it finishes.",
        epilog="Example: thaw bots --url http://192.168.1.10:8000 --room 123456 --players 60 --deck content/thaw.yaml",
    )
    p.add_argument("--url", required=True, help="the server, as students would open it (http://host:port)")
    p.add_argument("--room", required=True, help="the 6-digit room code")
    p.add_argument("--players", type=int, default=30, help="how many bots (default 30)")
    p.add_argument("--accuracy", type=float, default=0.7,
                   help="chance of a right answer, 0..1 (default 0.7; needs --deck to mean anything)")
    p.add_argument("--think", type=int, default=4000, metavar="MS",
                   help="longest think time in ms; each answer waits uniform(200, MS) (default 4000)")
    p.add_argument("--seed", type=int, default=None, help="random seed, for a repeatable crowd")
    p.add_argument("--deck", type=Path, default=None,
                   help="the deck YAML (or a folder of decks): bots look questions up by prompt to be right "
                        "with probability --accuracy; without it they answer at random")
    p.add_argument("--timeout", type=float, default=1800.0, help="give up after this many seconds (default 1800)")
    p.add_argument("--ramp", type=float, default=None, help="spread the joins over this many seconds")
    p.add_argument("--prefix", default="bot", help="nickname prefix (default bot: bot-001, bot-002, ...)")
    p.add_argument("--json", type=Path, default=None, help="also write the summary as JSON here")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 when every bot played to the end (or to --timeout while connected), 1 when some
    bot's connection failed for good, 2 for bad arguments."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--"]:  # `thaw bots -- --url ...`: argparse.REMAINDER keeps the separator
        argv = argv[1:]
    args = parser().parse_args(argv)
    if not (args.room.isdigit() and len(args.room) == 6):
        print("thaw bots: --room must be the 6-digit code on the teacher's screen", file=sys.stderr)
        return 2
    if not 0 <= args.accuracy <= 1 or args.players < 1 or args.think < 200 or args.timeout <= 0:
        print("thaw bots: need 0 <= --accuracy <= 1, --players >= 1, --think >= 200, --timeout > 0",
              file=sys.stderr)
        return 2
    if len(args.prefix) + 1 + max(3, len(str(args.players))) > 20:
        print("thaw bots: --prefix is too long (nicknames are at most 20 characters)", file=sys.stderr)
        return 2
    opts = Options(url=args.url, room=args.room, players=args.players, accuracy=args.accuracy,
                   think_ms=args.think, seed=args.seed, deck=args.deck, timeout_s=args.timeout,
                   ramp_s=args.ramp, prefix=args.prefix)
    try:
        ws_url(opts.url, opts.room)
        summary = asyncio.run(run_bots(opts, None if args.quiet else sys.stderr))
    except (ValueError, InvalidURI) as exc:
        print(f"thaw bots: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from ..content import DeckError

        if isinstance(exc, DeckError):
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            return 2
        raise
    print(summary.table())
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary.as_dict(), indent=2) + "\n")
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
