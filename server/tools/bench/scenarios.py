"""The scenarios `thaw bench` runs, their targets, and the deck they play."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

KIND_CYCLE = ("choice", "order", "number", "text", "poll", "truefalse", "multi")


@dataclass(frozen=True, slots=True)
class Target:
    metric: str
    limit: float
    higher_is_better: bool = False

    def ok(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.limit if self.higher_is_better else value <= self.limit


@dataclass(slots=True)
class Scenario:
    name: str
    rooms: int
    players: int  # per room
    questions: int
    instances: int = 1
    store: str = "memory"
    game: bool = True
    join_window_s: float = 4.0  # joins arrive uniformly over this window (open loop)
    answer_window_s: float = 2.0  # each player answers uniform(0.1, this) after the question
    stagger_s: float = 0.0  # rooms start their games spread over this many seconds
    gap_s: float = 0.5  # host pause between reveal, scoreboard and the next question
    targets: tuple[Target, ...] = ()
    compression: bool = False
    workers: int = 1  # load-generator processes

    @property
    def connections(self) -> int:
        return self.rooms * self.players


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "room-2000": lambda: Scenario(
        "room-2000", rooms=1, players=2000, questions=5, join_window_s=4.0, gap_s=1.0,
        targets=(Target("fanout_p99_ms", 120), Target("lost", 0), Target("ack_p99_ms", 60),
                 Target("ack_max_ms", 250), Target("fanout_p99_floor_ratio", 2.0))),
    "room-10000": lambda: Scenario(
        "room-10000", rooms=1, players=10000, questions=5, instances=4, store="redis", join_window_s=10.0,
        gap_s=1.0, workers=2,
        targets=(Target("fanout_p99_ms", 500), Target("ack_p99_ms", 250), Target("lost", 0),
                 Target("redis_publish_per_room_event", 1.0))),
    "floor": lambda: Scenario(  # no game, no store: one prebuilt frame to every socket (`floor.py`)
        "floor", rooms=1, players=2000, questions=5, join_window_s=4.0, gap_s=1.0),
    "room-5000": lambda: Scenario(  # the stretch goal
        "room-5000", rooms=1, players=5000, questions=5, join_window_s=10.0, gap_s=1.0,
        targets=(Target("fanout_p99_ms", 400), Target("lost", 0))),
    "district": lambda: Scenario(
        "district", rooms=300, players=30, questions=5, join_window_s=12.0, stagger_s=4.0, gap_s=1.0,
        targets=(Target("fanout_p99_ms", 25), Target("ack_p99_ms", 50), Target("stall_max_ms", 100),
                 Target("server_cpu_cores", 0.5), Target("rss_kib_per_conn", 32), Target("lost", 0))),
    "join-storm": lambda: Scenario(
        "join-storm", rooms=1, players=2000, questions=1, game=False, join_window_s=1.6,
        targets=(Target("joins_per_s", 1000, higher_is_better=True), Target("connect_p99_ms", 300),
                 Target("joined_within_2s", 1, higher_is_better=True))),
    "scale-out": lambda: Scenario(
        "scale-out", rooms=1, players=2000, questions=5, instances=3, store="redis", join_window_s=4.0,
        gap_s=1.0,
        targets=(Target("fanout_p99_ms", 120), Target("lost", 0), Target("ack_p99_ms", 60),
                 Target("ack_max_ms", 250))),
}


def bench_deck(questions: int) -> str:
    """A deck with every kind (5 s, the shortest time limit), cycled to `questions` questions."""
    lines = ["id: bench", "title: Bench deck (every kind)", "defaults: {time_limit: 5, points: 1000}", "questions:"]
    for i in range(questions):
        kind = KIND_CYCLE[i % len(KIND_CYCLE)]
        p = f'    prompt: "Bench question {i + 1} ({kind})"'
        if kind == "choice":
            lines += ["  - kind: choice", p, '    options: ["alpha", "bravo", "charlie", "delta"]',
                      '    correct: "bravo"']
        elif kind == "multi":
            lines += ["  - kind: choice", p, '    options: ["north", "south", "east", "west"]',
                      '    correct: ["north", "east"]']
        elif kind == "truefalse":
            lines += ["  - kind: truefalse", p, "    correct: false"]
        elif kind == "order":
            lines += ["  - kind: order", p, '    items: ["first", "second", "third", "fourth", "fifth"]',
                      "    points: 2000"]
        elif kind == "number":
            lines += ["  - kind: number", p, "    min: 1900", "    max: 2000", "    step: 1", "    answer: 1956"]
        elif kind == "text":
            lines += ["  - kind: text", p, '    accept: ["Khrushchev", "Khrushchov"]']
        else:
            lines += ["  - kind: poll", p, '    options: ["yes", "no", "maybe"]']
    return "\n".join(lines) + "\n"


