"""The game as a state machine: each rule takes a room, a command and the time.

Every function validates first and mutates only once nothing can fail, so a
refused command leaves the room exactly as it was. Each returns the events the
world must hear about; `now` is milliseconds on the room's one clock.
"""

from __future__ import annotations

import random
from typing import Any

from . import grading, nicknames
from .errors import GameError
from .events import (
    AnswerRecorded,
    Event,
    Finished,
    LobbyChanged,
    Paused,
    PlayerKicked,
    PlayerRenamed,
    QuestionOpened,
    Resumed,
    Revealed,
    ScoreboardShown,
    TimeAdded,
)
from .model import (
    ADD_TIME_MAX_MS,
    ADD_TIME_MIN_MS,
    KINDS_WITH_IDS,
    KINDS_WITH_OPTIONS,
    Answer,
    Deck,
    Kind,
    Phase,
    Player,
    Result,
    Room,
    RoomOptions,
)
from .scoring import share, speed_points, standings, streak_bonus

MAX_REROLLS = 3

# -- creation -----------------------------------------------------------------


def make_layouts(deck: Deck, shuffle_options: bool, rng: random.Random) -> tuple[tuple[int, ...] | None, ...]:
    """Presented option order per question, fixed once per room.

    `order` items are always shuffled away from the true order; `choice`/`poll`
    only when the room asks for it.
    """
    layouts: list[tuple[int, ...] | None] = []
    for q in deck.questions:
        if q.kind not in KINDS_WITH_OPTIONS:
            layouts.append(None)
            continue
        order = list(range(len(q.options)))
        if q.kind is Kind.ORDER:
            while order == sorted(order):
                rng.shuffle(order)
        elif shuffle_options:
            rng.shuffle(order)
        layouts.append(tuple(order))
    return tuple(layouts)


def make_ids(deck: Deck, rng: random.Random) -> tuple[tuple[int, ...] | None, ...]:
    """Wire ids per option, drawn once per room: with ids that were deck positions,
    and decks that tend to list the right option first, `answer: 0` won."""
    ids: list[tuple[int, ...] | None] = []
    for q in deck.questions:
        if q.kind not in KINDS_WITH_IDS:
            ids.append(None)
            continue
        drawn = list(range(len(q.options)))
        rng.shuffle(drawn)
        ids.append(tuple(drawn))
    return tuple(ids)


def new_room(
    code: str,
    deck: Deck,
    host_token_hash: str,
    options: RoomOptions,
    now: int,
    rng: random.Random,
) -> Room:
    return Room(
        code=code,
        deck=deck,
        host_token_hash=host_token_hash,
        options=options,
        layouts=make_layouts(deck, options.shuffle_options, rng),
        ids=make_ids(deck, rng),
        created_at=now,
    )


# -- players --------------------------------------------------------------------


def check_join(room: Room, nickname: str) -> str:
    """Everything that would refuse a join; returns the folded nickname."""
    if room.phase is Phase.FINISHED:
        raise GameError.of("room_locked.finished")
    if room.locked:
        raise GameError.of("room_locked")
    if count_players(room) >= room.options.max_players:
        raise GameError.of("room_full", max=room.options.max_players)
    folded = nicknames.fold(nickname)
    if folded in room.nick_index:
        raise GameError.of("nickname_taken", nickname=nickname)
    return folded


def first_playable_index(room: Room) -> int:
    """A player who joins now plays from the next question to open."""
    return 0 if room.phase is Phase.LOBBY else room.index + 1


def join(room: Room, player_id: str, nickname: str, token_hash: str) -> tuple[Player, list[Event]]:
    folded = check_join(room, nickname)
    if player_id in room.players:
        raise GameError.of("bad_message.player_id")
    player = Player(
        id=player_id,
        nickname=nickname,
        token_hash=token_hash,
        joined=room.next_join,
        first_index=first_playable_index(room),
    )
    room.next_join += 1
    room.players[player_id] = player
    room.nick_index[folded] = player_id
    return player, [LobbyChanged()]


def rename(room: Room, player_id: str, nickname: str) -> list[Event]:
    """A generated-nickname reroll: lobby only, at most MAX_REROLLS times."""
    player = _active(room, player_id)
    if room.phase is not Phase.LOBBY:
        raise GameError.of("wrong_phase.rename")
    if player.rerolls >= MAX_REROLLS:
        raise GameError.of("rate_limited.rerolls", max=MAX_REROLLS)
    folded = nicknames.fold(nickname)
    if folded in room.nick_index:
        raise GameError.of("nickname_taken", nickname=nickname)
    del room.nick_index[nicknames.fold(player.nickname)]
    room.nick_index[folded] = player_id
    player.nickname = nickname
    player.rerolls += 1
    return [PlayerRenamed(player_id), LobbyChanged()]


def set_connected(room: Room, player_id: str, connected: bool) -> bool:
    """Mark presence; True if it changed (then the host's lobby changed)."""
    player = room.players.get(player_id)
    if player is None or player.kicked or player.connected == connected:
        return False
    player.connected = connected
    if room.connected_cache is not None:
        room.connected_cache += 1 if connected else -1
    waiting = _waiting_if_cached(room)
    if waiting is not None:
        if connected and _may_still_answer(room, player):
            waiting.add(player_id)
        else:
            waiting.discard(player_id)
    return True


def kick(room: Room, player_id: str, now: int) -> list[Event]:
    player = room.players.get(player_id)
    if player is None or player.kicked:
        raise GameError.of("unknown_player", player=player_id)
    if player.connected and room.connected_cache is not None:
        room.connected_cache -= 1
    if room.kicked_cache is not None:
        room.kicked_cache += 1
    player.kicked = True
    player.connected = False
    waiting = _waiting_if_cached(room)
    if waiting is not None:
        waiting.discard(player_id)
    room.nick_index.pop(nicknames.fold(player.nickname), None)
    if room.phase is Phase.QUESTION:
        room.current_answers().pop(player_id, None)
    events: list[Event] = [PlayerKicked(player_id), LobbyChanged()]
    return events + _close_if_all_answered(room, now)


def kick_since(room: Room, player_id: str, now: int) -> list[Event]:
    """Remove a player and every player who joined after them: the host's answer to a
    script that filled the lobby (the host picks the first name of the flood)."""
    first = room.players.get(player_id)
    if first is None or first.kicked:
        raise GameError.of("unknown_player", player=player_id)
    events: list[Event] = []
    for player in [p for p in room.players.values() if p.joined >= first.joined and not p.kicked]:
        events += [e for e in kick(room, player.id, now) if not isinstance(e, LobbyChanged)]
    return [*events, LobbyChanged()]


def lock(room: Room, locked: bool) -> list[Event]:
    room.locked = locked
    return [LobbyChanged()]


def count_players(room: Room) -> int:
    """Players not kicked. Kicks are counted as they happen: every join checks the
    seat limit, and rescanning the room each time made a join storm quadratic."""
    if room.kicked_cache is None:
        room.kicked_cache = sum(1 for p in room.players.values() if p.kicked)
    return len(room.players) - room.kicked_cache


def _active(room: Room, player_id: str) -> Player:
    player = room.players.get(player_id)
    if player is None:
        raise GameError.of("not_player")
    if player.kicked:
        raise GameError.of("kicked")
    return player


# -- host commands ----------------------------------------------------------------


def start(room: Room, now: int) -> list[Event]:
    if room.phase is not Phase.LOBBY:
        raise GameError.of("wrong_phase.started")
    return advance(room, now)


def advance(room: Room, now: int) -> list[Event]:
    """The host's `next`: lobby -> question 0 -> reveal -> scoreboard -> ... -> finished."""
    phase = room.phase
    if phase is Phase.LOBBY:
        return _open(room, 0, now)
    if phase is Phase.QUESTION:
        return _reveal(room)
    if phase is Phase.REVEAL:
        room.phase = Phase.SCOREBOARD
        return [ScoreboardShown(room.index)]
    if phase is Phase.SCOREBOARD:
        if room.index + 1 < len(room.deck.questions):
            return _open(room, room.index + 1, now)
        return _finish(room)
    raise GameError.of("wrong_phase.finished")


def close(room: Room) -> list[Event]:
    if room.phase is not Phase.QUESTION:
        raise GameError.of("wrong_phase")
    return _reveal(room)


def end(room: Room) -> list[Event]:
    """Finish now; an open question is left unscored, as if never asked."""
    if room.phase is Phase.FINISHED:
        raise GameError.of("wrong_phase.finished")
    return _finish(room)


def tick(room: Room, now: int) -> list[Event]:
    """The clock's command: close the open question once its deadline has passed."""
    if room.phase is Phase.QUESTION and room.paused_at is None and now >= room.deadline:
        return _reveal(room)
    return []


def expire(room: Room, index: int, now: int) -> list[Event]:
    """A timer's close of question `index`: only if still open, running and due."""
    return tick(room, now) if room.index == index else []


def close_question(room: Room, index: int) -> list[Event]:
    """Close question `index` if it is still the open one (idempotent, for timers)."""
    if room.phase is Phase.QUESTION and room.index == index:
        return _reveal(room)
    return []


# -- pace ---------------------------------------------------------------------------


def time_limit(room: Room) -> int:
    """The open question's limit `T`: its own plus the time the host added."""
    question = room.question
    assert question is not None
    return question.time_limit_ms + room.added_ms


def time_left(room: Room, now: int) -> int:
    """What is left of the open question; a paused clock shows what was left at the pause."""
    at = now if room.paused_at is None else room.paused_at
    return max(0, room.deadline - at)


def _running_question(room: Room, now: int, command: str) -> None:
    if room.phase is not Phase.QUESTION:
        raise GameError.of("wrong_phase.needs_question", command=command)
    if room.paused_at is None and now >= room.deadline:
        raise GameError.of("wrong_phase.time_up")


def pause(room: Room, now: int) -> list[Event]:
    _running_question(room, now, "pause")
    if room.paused_at is not None:
        raise GameError.of("wrong_phase.paused")
    room.paused_at = now
    return [Paused(room.index)]


def resume(room: Room, now: int) -> list[Event]:
    if room.phase is not Phase.QUESTION or room.paused_at is None:
        raise GameError.of("wrong_phase.not_paused")
    stood = max(0, now - room.paused_at)
    room.opened_at += stood
    room.deadline += stood
    room.paused_at = None
    return [Resumed(room.index)]


def check_add_time(ms: Any) -> int:
    if not isinstance(ms, int) or isinstance(ms, bool) or not ADD_TIME_MIN_MS <= ms <= ADD_TIME_MAX_MS:
        raise GameError("bad_message", f"`ms` must be a whole number from {ADD_TIME_MIN_MS} to {ADD_TIME_MAX_MS}")
    return ms


def add_time(room: Room, ms: int, now: int) -> list[Event]:
    check_add_time(ms)
    _running_question(room, now, "add_time")
    room.added_ms += ms
    room.deadline += ms
    return [TimeAdded(room.index)]


# -- answers ----------------------------------------------------------------------


def check_answer(room: Room, player_id: str, index: Any, value: Any, now: int) -> tuple[Any, bool | None, int]:
    """Everything that would refuse an answer; returns (canonical value, correct, t)."""
    player = _active(room, player_id)
    if not isinstance(index, int) or isinstance(index, bool):
        raise GameError.of("bad_message.index")
    if room.phase is not Phase.QUESTION:
        raise GameError.of("wrong_phase")
    if index != room.index:
        raise GameError.of("wrong_question", index=index, open=room.index)
    if player.first_index > index:
        raise GameError.of("too_late.joined")
    question = room.question
    assert question is not None
    if room.paused_at is not None:
        raise GameError.of("paused")
    t = now - room.opened_at
    if t > time_limit(room) or now > room.deadline:
        raise GameError.of("too_late")
    if player_id in room.current_answers():
        raise GameError.of("already_answered")
    layout = room.layouts[index]
    canonical = grading.validate(question, layout, value, room.option_ids(index))
    return canonical, grading.grade(question, layout, canonical), max(t, 0)


def answer(room: Room, player_id: str, index: Any, value: Any, now: int) -> list[Event]:
    """Record a first answer. Closing when all have answered is the caller's next
    step (`all_answered`), so that the close is its own published transition."""
    canonical, correct, t = check_answer(room, player_id, index, value, now)
    answers = room.current_answers()
    answers[player_id] = Answer(value=canonical, t=t, correct=correct)
    waiting = _waiting_if_cached(room)
    if waiting is not None:
        waiting.discard(player_id)
    return [AnswerRecorded(room.index, player_id, *answer_count(room, room.index))]


def answer_count(room: Room, index: int) -> tuple[int, int]:
    """The projector's "N of M answered" for question `index`, one definition from the
    question's opening to its reveal.

    N counts the answers of players not kicked; M the players in the game for it: those
    who may answer it and are connected, or answered before they left. A player who
    left without answering, was kicked, or joined during the question is in neither.
    While the question is open this costs no scan of the room (see `waiting_for`).
    """
    answers = room.answers.get(index, {})
    if count_players(room) == len(room.players):
        answered = len(answers)
    else:
        answered = sum(1 for pid in answers if pid in room.players and not room.players[pid].kicked)
    if room.phase is Phase.QUESTION and room.index == index:
        return answered, answered + len(waiting_for(room))
    here = sum(
        1 for p in room.players.values()
        if p.connected and not p.kicked and p.first_index <= index and p.id not in answers
    )
    return answered, answered + here


def count_connected(room: Room) -> int:
    """Players connected now (cached: an answer must not cost a scan of 2,000 players)."""
    if room.connected_cache is None:
        room.connected_cache = sum(1 for p in room.players.values() if p.connected and not p.kicked)
    return room.connected_cache


def _may_still_answer(room: Room, player: Player) -> bool:
    return (
        room.phase is Phase.QUESTION
        and not player.kicked
        and player.first_index <= room.index
        and player.id not in room.current_answers()
    )


def _waiting_if_cached(room: Room) -> set[str] | None:
    cached = room.waiting_cache
    if cached is None or room.phase is not Phase.QUESTION or cached[0] != room.index:
        return None
    return cached[1]


def waiting_for(room: Room) -> set[str]:
    """Connected players who may answer the open question and have not yet.

    Built once per question, then kept up to date by answers, presence and kicks.
    """
    waiting = _waiting_if_cached(room)
    if waiting is None:
        waiting = {p.id for p in room.players.values() if p.connected and _may_still_answer(room, p)}
        room.waiting_cache = (room.index, waiting)
    return waiting


def all_answered(room: Room) -> bool:
    """An open question with some answer, someone connected, and nobody left to wait for.

    With no player connected the question waits for its deadline.
    """
    return (
        room.phase is Phase.QUESTION
        and bool(room.current_answers())
        and count_connected(room) > 0
        and not waiting_for(room)
    )


def _close_if_all_answered(room: Room, now: int) -> list[Event]:
    return _reveal(room) if all_answered(room) else []


# -- phase changes ------------------------------------------------------------------


def _open(room: Room, index: int, now: int) -> list[Event]:
    question = room.deck.questions[index]
    room.phase = Phase.QUESTION
    room.index = index
    room.opened_at = now
    room.deadline = now + question.time_limit_ms
    room.paused_at = None
    room.added_ms = 0
    room.answers[index] = {}
    return [QuestionOpened(index)]


def _reveal(room: Room) -> list[Event]:
    """Score the open question for every player, then show the answer."""
    question = room.question
    assert question is not None
    answers = room.current_answers()
    is_poll = question.kind is Kind.POLL
    limit = time_limit(room)
    awarded: dict[str, tuple[bool | None, int, int, bool]] = {}
    for player in room.active_players():
        given = answers.get(player.id)
        points = bonus = 0
        correct: bool | None = None if is_poll else False
        if given is not None and not is_poll:
            correct = bool(given.correct)
            earned = grading.credit(question, given.value, correct)
            points = share(speed_points(question.points, given.t, limit), *earned)
            if correct:
                player.streak += 1
                player.correct_count += 1
                if room.options.streak_bonus and question.points > 0:
                    bonus = streak_bonus(player.streak)
            else:
                player.streak = 0
        elif not is_poll:
            player.streak = 0
        player.score += points + bonus
        awarded[player.id] = (correct, points, bonus, given is not None)
    total = count_players(room)
    for pid, score, rank in standings((p.id, p.score, p.joined) for p in room.active_players()):
        correct, points, bonus, answered = awarded[pid]
        player = room.players[pid]
        player.results.append(
            Result(
                index=room.index,
                correct=correct,
                points=points,
                bonus=bonus,
                score=score,
                streak=player.streak,
                rank=rank,
                players=total,
                answered=answered,
                present=answered or player.connected,
            )
        )
    room.phase = Phase.REVEAL
    room.paused_at = None
    return [Revealed(room.index)]


def _finish(room: Room) -> list[Event]:
    room.phase = Phase.FINISHED
    room.paused_at = None
    return [Finished()]


def ranking(room: Room) -> list[tuple[Player, int]]:
    """Players not kicked with their rank, best first, ties by join order."""
    return [
        (room.players[pid], rank)
        for pid, _score, rank in standings((p.id, p.score, p.joined) for p in room.active_players())
    ]
