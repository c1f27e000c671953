"""Property-based: random command sequences against one room, invariants after every step.

A Hypothesis state machine plays host, players and clock at once, the way
`service.py` drives the pure rules (closing a question when all have answered,
after an answer, a kick or a disconnect), with garbage mixed into every input.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from thaw.domain import game, nicknames
from thaw.domain.errors import GameError
from thaw.domain.events import AnswerRecorded, Event, Revealed
from thaw.domain.grading import credit, true_order_ids, wire_id
from thaw.domain.model import Kind, Phase, Question, Room
from thaw.domain.scoring import share, speed_points, streak_bonus

from . import factories as f

QUESTIONS: tuple[Question, ...] = (
    f.choice((0, 2), time_limit_ms=5_000),
    f.order(("a", "b", "c"), time_limit_ms=5_000),
    f.number(10, tolerance=1.5, minimum=0, maximum=20, step=0.5, time_limit_ms=5_000),
    f.poll(time_limit_ms=5_000),
    f.text(("Khrushchev", "Nikita"), time_limit_ms=5_000),
    f.choice((1,), points=0, time_limit_ms=5_000),
    f.true_false(True, points=2000),
    f.multi((0, 2, 3), ("a", "b", "c", "d", "e"), time_limit_ms=5_000),
)

PLAYER_IDS = ("p0", "p1", "p2", "p3", "p4", "ghost")
NICKNAMES = ("Ann", "ANN", "Bob", "Cat", "Dan", "Eve", "Straße", "STRASSE", "Zoë")

# Every error code the rules may answer with (the contract's list, plus bad_message
# for a duplicate id / wrong index type and rate_limited for too many rerolls).
CODES = {
    "bad_message",
    "nickname_taken",
    "room_locked",
    "room_full",
    "not_player",
    "unknown_player",
    "wrong_phase",
    "wrong_question",
    "too_late",
    "already_answered",
    "invalid_answer",
    "kicked",
    "rate_limited",
    "paused",
}

garbage = st.one_of(
    st.integers(-2, 8),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.just(10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 9.0, 10, 11.5, 8.5, 8.49, 11.51, 20, 20.01, -0.01]),
    st.text(max_size=110),
    st.sampled_from(["Khrushchev", " khrushchëv!", "NIKITA", "", "   ", "x" * 101]),
    st.lists(st.integers(-1, 4), max_size=5),
    st.lists(st.integers(0, 4), min_size=1, max_size=5, unique=True),
    st.permutations([0, 1, 2]),
    st.none(),
    st.booleans(),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
# `end` and kicks are rare, as in a real game; `next` is what the host mostly does.
HOST_COMMANDS = ("next",) * 8 + ("start", "close", "close", "kick", "kick", "lock", "unlock", "end") + (
    "pause", "pause", "resume", "resume", "add_time")

indices = st.one_of(st.integers(-1, len(QUESTIONS)), st.sampled_from(["0", None, True, 0.0, [0]]))


def correct_answer(room: Room) -> Any:
    q = room.question
    assert q is not None
    ids = room.option_ids(room.index)
    if q.kind is Kind.CHOICE:
        return wire_id(ids, min(q.correct))
    if q.kind is Kind.MULTI:
        return [wire_id(ids, i) for i in q.correct]
    if q.kind is Kind.POLL:
        return 0
    if q.kind is Kind.ORDER:
        layout = room.layouts[room.index]
        assert layout is not None
        return true_order_ids(layout)
    if q.kind is Kind.NUMBER:
        return q.value
    return q.accepted[0]


class RoomMachine(RuleBasedStateMachine):
    room: Room
    now: int

    def __init__(self) -> None:
        super().__init__()
        self.revealed: list[int] = []  # question indices in the order they were revealed
        self.refusals = 0
        self.steps = 0
        self.answers = 0
        self.limits: dict[int, int] = {}  # question index -> its limit T (grown by add_time)

    @initialize(
        streak=st.booleans(),
        shuffle=st.booleans(),
        max_players=st.sampled_from([2, 4, 10]),
        seed=st.integers(0, 2**16),
        joined=st.lists(st.booleans(), min_size=1, max_size=5),
        started=st.booleans(),
    )
    def create(
        self, streak: bool, shuffle: bool, max_players: int, seed: int, joined: list[bool], started: bool
    ) -> None:
        self.room = f.room(*QUESTIONS, seed=seed, streak_bonus=streak, shuffle_options=shuffle, max_players=max_players,
                           opaque_ids=True)
        self.now = 1_000_000
        for pid, connected in zip(PLAYER_IDS, joined[:max_players], strict=False):
            game.join(self.room, pid, f"Player {pid}", f"hash-{pid}")
            game.set_connected(self.room, pid, connected)
        if started:  # half the runs skip the lobby, to spend their steps on questions
            self.after(game.start(self.room, self.now))

    def teardown(self) -> None:
        event(f"steps~{self.steps // 10 * 10}")
        event(f"answers~{self.answers}")

    # -- the harness --------------------------------------------------------------

    def apply(self, command: Callable[[], list[Event]]) -> list[Event]:
        """Run a rule; a refusal must carry a known code and change nothing."""
        self.steps += 1
        before = copy.deepcopy(self.room)
        try:
            events = command()
        except GameError as exc:
            assert exc.code in CODES, exc
            event(f"refused {exc.code}")
            assert self.room == before, f"refused {exc.code} but changed the room"
            self.refusals += 1
            return []
        self.after(events)
        return events

    def after(self, events: list[Event]) -> None:
        room = self.room
        if room.phase is Phase.QUESTION:
            self.limits[room.index] = game.time_limit(room)
        # The derived counts (kept up to date by the rules, not rescanned) agree with a rescan.
        assert game.count_players(room) == sum(1 for p in room.players.values() if not p.kicked)
        assert game.count_connected(room) == sum(1 for p in room.players.values() if p.connected and not p.kicked)
        for e in events:
            event(type(e).__name__)
            if isinstance(e, Revealed):
                self.revealed.append(e.index)
                self.check_reveal(e.index)
            if isinstance(e, AnswerRecorded):
                self.answers += 1
                assert e.index == room.index
                assert e.answered == len(room.current_answers())
                assert e.total == game.count_connected(room)

    def close_if_all_answered(self) -> None:
        """What the service does after an answer or a disconnect."""
        if game.all_answered(self.room):
            self.after(game.close_question(self.room, self.room.index))

    def check_reveal(self, index: int) -> None:
        room = self.room
        active = room.active_players()
        scores = [p.score for p in active]
        for p in active:
            last = p.results[-1]
            assert last.index == index
            assert last.players == len(active)
            assert last.rank == 1 + sum(s > p.score for s in scores)
            assert last.score == p.score

    # -- players --------------------------------------------------------------------

    @rule(pid=st.sampled_from(PLAYER_IDS), nickname=st.sampled_from(NICKNAMES), connected=st.booleans())
    def join(self, pid: str, nickname: str, connected: bool) -> None:
        def command() -> list[Event]:
            _player, events = game.join(self.room, pid, nickname, f"hash-{pid}")
            return events

        if not self.apply(command):
            return
        if connected:
            game.set_connected(self.room, pid, True)
        if self.room.phase is Phase.QUESTION:
            # a late joiner plays from the next question, even with the right answer
            before = copy.deepcopy(self.room)
            value = correct_answer(self.room)
            try:
                game.answer(self.room, pid, self.room.index, value, self.now)
            except GameError as exc:
                assert exc.code == "too_late", exc
                assert self.room == before
            else:
                raise AssertionError("a late joiner answered the question open when they joined")

    @rule(pid=st.sampled_from(PLAYER_IDS), nickname=st.sampled_from(NICKNAMES))
    def rename(self, pid: str, nickname: str) -> None:
        self.apply(lambda: game.rename(self.room, pid, nickname))

    @rule(pid=st.sampled_from(PLAYER_IDS), connected=st.booleans())
    def presence(self, pid: str, connected: bool) -> None:
        before = copy.deepcopy(self.room)
        changed = game.set_connected(self.room, pid, connected)
        if not changed:
            assert self.room == before
        elif not connected:
            self.close_if_all_answered()

    @rule(pid=st.sampled_from(PLAYER_IDS), index=indices, value=garbage, delay=st.integers(0, 3000))
    def answer_anything(self, pid: str, index: Any, value: Any, delay: int) -> None:
        self.now += delay
        if self.apply(lambda: game.answer(self.room, pid, index, value, self.now)):
            self.close_if_all_answered()

    # Two rules for answering the open question: Hypothesis picks rules uniformly, and
    # answering is what most of a real game is made of.
    @precondition(lambda self: self.room.phase is Phase.QUESTION)
    @rule(who=st.integers(0, 5), value=garbage, right=st.booleans(), delay=st.integers(0, 1000))
    def answer_open_question(self, who: int, value: Any, right: bool, delay: int) -> None:
        self._answer_open(who, value, right, delay)

    @precondition(lambda self: self.room.phase is Phase.QUESTION)
    @rule(who=st.integers(0, 5), right=st.booleans(), delay=st.integers(0, 1000))
    def answer_open_question_well_formed(self, who: int, right: bool, delay: int) -> None:
        self._answer_open(who, None, right, delay)

    def _answer_open(self, who: int, value: Any, right: bool, delay: int) -> None:
        """A player of the room (kicked ones included) answers the open question."""
        self.now += delay
        room = self.room
        ids = sorted(room.players) or ["ghost"]
        pid = ids[who % len(ids)]
        if right:
            value = correct_answer(room)
        elif value is None:
            value = 1  # well-formed for choice, poll and true/false
        paused = room.paused_at is not None
        if self.apply(lambda: game.answer(room, pid, room.index, value, self.now)):
            assert not paused, "an answer was taken while the question was paused"
            self.close_if_all_answered()

    # -- host --------------------------------------------------------------------------

    @rule(command=st.sampled_from(HOST_COMMANDS), pid=st.sampled_from(PLAYER_IDS))
    def host(self, command: str, pid: str) -> None:
        room = self.room
        if command == "kick":
            self.apply(lambda: game.kick(room, pid, self.now))
        elif command == "start":
            self.apply(lambda: game.start(room, self.now))
        elif command == "next":
            self.apply(lambda: game.advance(room, self.now))
        elif command == "close":
            self.apply(lambda: game.close(room))
        elif command == "end":
            self.apply(lambda: game.end(room))
        elif command == "pause":
            self.apply(lambda: game.pause(room, self.now))
        elif command == "resume":
            self.apply(lambda: game.resume(room, self.now))
        elif command == "add_time":
            self.apply(lambda: game.add_time(room, 1500, self.now))
        else:
            self.apply(lambda: game.lock(room, command == "lock"))

    # -- clock ---------------------------------------------------------------------------

    @rule(ms=st.integers(0, 4000), command=st.sampled_from(["wait", "tick", "timer", "stale timer"]))
    def clock(self, ms: int, command: str) -> None:
        self.now += ms
        if command == "tick":
            self.apply(lambda: game.tick(self.room, self.now))
        elif command == "timer":
            paused = self.room.paused_at is not None
            if self.apply(lambda: game.expire(self.room, self.room.index, self.now)):
                assert not paused, "a paused question closed on its timer"
        elif command == "stale timer":
            self.apply(lambda: game.close_question(self.room, self.room.index - 1))

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def phase_is_valid(self) -> None:
        room = self.room
        assert room.phase in Phase
        n = len(room.deck.questions)
        if room.phase is Phase.LOBBY:
            assert room.index == -1 and not room.answers
        elif room.phase in (Phase.QUESTION, Phase.REVEAL, Phase.SCOREBOARD):
            assert 0 <= room.index < n
        else:
            assert -1 <= room.index < n
        if room.phase is Phase.QUESTION:
            q = room.question
            assert q is not None
            assert room.deadline == room.opened_at + game.time_limit(room)
            assert room.added_ms % 1500 == 0
        else:
            assert room.paused_at is None
        assert self.revealed == sorted(set(self.revealed))  # each question revealed once, in order

    @invariant()
    def scores_are_sums_of_results(self) -> None:
        for p in self.room.players.values():
            assert p.score == sum(r.points + r.bonus for r in p.results)
            assert p.correct_count == sum(1 for r in p.results if r.correct)
            assert p.streak == (p.results[-1].streak if p.results else 0)
            indices = [r.index for r in p.results]
            assert indices == sorted(set(indices)), "two results for one question"
            assert set(indices) <= set(self.revealed)
            running = 0
            for r in p.results:
                running += r.points + r.bonus
                assert r.score == running

    @invariant()
    def results_follow_the_rules(self) -> None:
        room = self.room
        for p in room.players.values():
            previous_streak = 0
            for r in p.results:
                q = room.deck.questions[r.index]
                given = room.answers.get(r.index, {}).get(p.id)
                assert r.answered == (given is not None)
                if q.kind is Kind.POLL:
                    assert (r.correct, r.points, r.bonus, r.streak) == (None, 0, 0, previous_streak)
                elif r.correct:
                    assert given is not None and given.correct is True
                    assert r.points == speed_points(q.points, given.t, self.limits[r.index])
                    assert r.streak == previous_streak + 1
                    wanted = streak_bonus(r.streak) if room.options.streak_bonus and q.points > 0 else 0
                    assert r.bonus == wanted
                elif q.kind is Kind.MULTI and given is not None:  # partial credit, no streak
                    assert given.correct is False and (r.correct, r.bonus, r.streak) == (False, 0, 0)
                    base = speed_points(q.points, given.t, self.limits[r.index])
                    assert r.points == share(base, *credit(q, given.value, False)) < base
                else:
                    assert r.correct is False and (r.points, r.bonus, r.streak) == (0, 0, 0)
                    assert given is None or given.correct is False
                previous_streak = r.streak

    @invariant()
    def answers_are_sound(self) -> None:
        room = self.room
        for index, answers in room.answers.items():
            q = room.deck.questions[index]
            for pid, a in answers.items():
                p = room.players[pid]
                assert p.first_index <= index, "a late joiner answered the open question"
                assert 0 <= a.t <= self.limits[index]
                assert (a.correct is None) == (q.kind is Kind.POLL)
        if room.phase is Phase.QUESTION:
            for pid in room.current_answers():
                assert not room.players[pid].kicked, "a kicked player's answer is counted"

    @invariant()
    def ranks_match_scores(self) -> None:
        room = self.room
        ranked = game.ranking(room)
        active = room.active_players()
        assert [p.id for p, _ in ranked] == [p.id for p in sorted(active, key=lambda p: (-p.score, p.joined))]
        for p, rank in ranked:
            assert rank == 1 + sum(o.score > p.score for o in active)
        assert game.count_players(room) == len(active) <= room.options.max_players

    @invariant()
    def nicknames_are_unique(self) -> None:
        room = self.room
        active = room.active_players()
        assert room.nick_index == {nicknames.fold(p.nickname): p.id for p in active}
        for p in room.players.values():
            assert not (p.kicked and p.connected)
            assert p.rerolls <= game.MAX_REROLLS


RoomMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestRoomMachine = RoomMachine.TestCase
