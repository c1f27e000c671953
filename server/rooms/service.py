"""Use cases: create a room, join, answer, run host commands, resync.

The glue of the pure rules (domain/), the store and the protocol's frames. It
knows nothing of HTTP or WebSockets; `web.py` and `ws.py` call it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import secrets
import time
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from ..bus.envelope import Envelope, dumps
from ..domain import codes, game, nicknames
from ..domain.errors import GameError
from ..domain.events import (
    Event,
    Finished,
    LobbyChanged,
    Paused,
    PlayerKicked,
    QuestionOpened,
    Resumed,
    Revealed,
    ScoreboardShown,
    TimeAdded,
)
from ..domain.model import Deck, Phase, Player, Room, RoomOptions
from ..domain.namegen import generate_nickname
from ..shared.marks import N_, english
from ..store.base import Store, StoreUnavailable, View
from .frames import (
    answers_payload,
    finished_payload,
    host_welcome_payload,
    lobby_payload,
    paused_payload,
    question_now,
    question_payload,
    results_by_player,
    resumed_payload,
    reveal_payload,
    scoreboard_payload,
    screen_frames,
    standings_by_player,
    time_payload,
    welcome_payload,
    wire_answer,
)

log = logging.getLogger("thaw.service")

CODE_ATTEMPTS = 50
COMMIT_ATTEMPTS = 20


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def token_matches(token: str, token_hash: str) -> bool:
    return bool(token_hash) and hmac.compare_digest(hash_token(token), token_hash)


class Created(NamedTuple):
    """A new room's code and its two secrets, shown once: the store keeps only their hashes."""

    code: str
    host_token: str  # runs the game
    report_key: str  # reads its results, nothing else


class Observer(Protocol):
    """What an operator counts of the use cases (`metrics.Metrics` is one): each call
    follows a success, so a refused join or a late answer is not counted."""

    def room_created(self) -> None: ...

    def joined(self) -> None: ...

    def answered(self, seconds: float) -> None:
        """An answer stored; `seconds` from the call to the store's acceptance."""


class Service:
    def __init__(
        self,
        store: Store,
        decks: dict[str, Deck],
        *,
        max_players: int = 2000,
        on_question_opened: Callable[[str, int, int], None] | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.store = store
        self.decks = decks
        self.max_players = max_players
        self.on_question_opened = on_question_opened
        self.observer = observer
        self._rng = random.SystemRandom()

    # -- rooms ---------------------------------------------------------------------

    def parse_options(self, raw: Any) -> RoomOptions:
        """Room options from a request body; GameError(bad_option) naming the field."""
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise GameError("bad_option", N_("`options` must be an object"))
        opts = RoomOptions(max_players=self.max_players)
        for key, value in raw.items():
            if key in ("streak_bonus", "shuffle_options", "generated_nicknames"):
                if not isinstance(value, bool):
                    raise GameError("bad_option", english("option `%(key)s` must be true or false", key=key))
                setattr(opts, key, value)
            elif key == "max_players":
                if not isinstance(value, int) or isinstance(value, bool):
                    raise GameError("bad_option", N_("option `max_players` must be an integer"))
                if not 1 <= value <= self.max_players:
                    raise GameError("bad_option", english("option `max_players` must be between 1 and %(max)s",
                                                         max=self.max_players))
                opts.max_players = value
            else:
                raise GameError("bad_option", english("unknown option `%(key)s`", key=str(key)[:40]))
        return opts

    async def create_room(self, deck_id: str, options: RoomOptions) -> Created:
        deck = self.decks.get(deck_id)
        if deck is None:
            raise GameError("deck_not_found", f"no deck {deck_id!r}")
        return await self.host_deck(deck, options)

    async def host_deck(
        self, deck: Deck, options: RoomOptions, media: dict[str, bytes] | None = None
    ) -> Created:
        """A room playing `deck` (a shipped one or one sent with the request), its images kept with it."""
        host_token = new_token()
        report_key = new_token()
        now = await self.store.clock.now()
        for _ in range(CODE_ATTEMPTS):
            room = game.new_room(codes.new(), deck, hash_token(host_token), options, now, self._rng)
            room.report_key_hash = hash_token(report_key)
            if await self.store.rooms.create(room):
                if media:
                    await self.store.media.put(room.code, media)
                log.info("room %s created with deck %s", room.code, deck.id)
                if self.observer is not None:
                    self.observer.room_created()
                return Created(room.code, host_token, report_key)
        raise StoreUnavailable("could not find a free room code")

    async def info(self, code: str) -> dict[str, Any] | None:
        return await self.store.rooms.info(code)

    async def exists(self, code: str) -> bool:
        return await self.store.rooms.exists(code)

    # -- host ----------------------------------------------------------------------

    async def check_host(self, code: str, token: str) -> Room:
        loaded = await self.store.rooms.load(code)
        if loaded is None:
            raise GameError.of("room_not_found", room=code)
        room, _now = loaded
        if not token_matches(token, room.host_token_hash):
            raise GameError.of("bad_token.host")
        return room

    async def host_command(self, code: str, msg: dict[str, Any]) -> None:
        kind = msg["type"]
        if kind == "start":
            await self.transition(code, game.start)
        elif kind == "next":
            await self.transition(code, game.advance)
        elif kind == "close":
            await self.transition(code, lambda room, now: game.close(room))
        elif kind == "end":
            await self.transition(code, lambda room, now: game.end(room))
        elif kind == "lock":
            locked = bool(msg["locked"])
            await self.transition(code, lambda room, now: game.lock(room, locked))
        elif kind == "kick":
            pid = str(msg["player_id"])
            await self.transition(code, lambda room, now: game.kick(room, pid, now))
        elif kind == "kick_since":
            first = str(msg["player_id"])
            await self.transition(code, lambda room, now: game.kick_since(room, first, now))
        elif kind == "pause":
            await self.transition(code, game.pause)
        elif kind == "resume":
            await self.transition(code, game.resume)
        elif kind == "add_time":
            ms = game.check_add_time(msg["ms"])
            await self.transition(code, lambda room, now: game.add_time(room, ms, now))
        else:  # pragma: no cover - protocol.parse admits only the above
            raise GameError.of("unknown_type", type=kind)

    async def close_question(self, code: str, index: int) -> None:
        """Close question `index` if it is still open (timers, all answered)."""
        await self.transition(code, lambda room, now: game.close_question(room, index), quiet=True)

    async def expire_question(self, code: str, index: int) -> None:
        """A timer's close: question `index` closes only if it is still open, running and due
        (a pause, a resume or added time elsewhere may have moved its deadline)."""
        await self.transition(code, lambda room, now: game.expire(room, index, now), quiet=True)

    async def tick(self, code: str) -> None:
        await self.transition(code, game.tick, quiet=True)

    async def transition(
        self,
        code: str,
        rule: Callable[[Room, int], list[Event]],
        quiet: bool = False,
    ) -> list[Event]:
        """Load, apply a pure rule, publish what it says, compare-and-set; retry on a race."""
        for _ in range(COMMIT_ATTEMPTS):
            loaded = await self.store.rooms.load(code, history=False)
            if loaded is None:
                if quiet:
                    return []
                raise GameError.of("room_not_found", room=code)
            room, now = loaded
            version = room.version
            events = rule(room, now)
            if not events:
                return []
            envelope, screen = self.envelope_for(room, events, now)
            if await self.store.rooms.commit(room, version, envelope, screen):
                for event in events:
                    if self.on_question_opened is None or room.paused_at is not None:
                        continue
                    if isinstance(event, QuestionOpened | Resumed | TimeAdded):  # a new deadline to wait for
                        self.on_question_opened(code, event.index, room.deadline)
                return events
        raise StoreUnavailable(f"room {code} is too busy; try again")

    def envelope_for(self, room: Room, events: list[Event], now: int) -> tuple[Envelope, list[str] | None]:
        """Turn a transition's events into one envelope; the new screen if the phase changed."""
        env = Envelope()
        screen: list[str] | None = None
        for event in events:
            if isinstance(event, Paused):
                env.frames.append(dumps(paused_payload(room, now)))
            elif isinstance(event, Resumed):
                env.frames.append(dumps(resumed_payload(room, now)))
            elif isinstance(event, TimeAdded):
                env.frames.append(dumps(time_payload(room, now)))
            elif isinstance(event, QuestionOpened):
                frame = dumps(question_payload(room))
                env.frames.append(frame)
                screen = [frame]
                env.progress = (room.index, *game.answer_count(room, room.index))
            elif isinstance(event, Revealed):
                frame = dumps(reveal_payload(room))
                env.frames.append(frame)
                screen = [frame]
                env.personal = {pid: [f] for pid, f in results_by_player(room).items()}
            elif isinstance(event, ScoreboardShown):
                frame = dumps(scoreboard_payload(room))
                env.frames.append(frame)
                screen = [frame]
                env.personal = {}
            elif isinstance(event, Finished):
                frame = dumps(finished_payload(room))
                env.frames.append(frame)
                screen = [frame]
                env.personal = {pid: [f] for pid, f in standings_by_player(room).items()}
            elif isinstance(event, PlayerKicked):
                env.kick.append(event.player_id)
                if room.phase is Phase.QUESTION:  # the kicked player leaves the "N of M" too
                    env.progress = (room.index, *game.answer_count(room, room.index))
            elif isinstance(event, LobbyChanged):
                env.lobby = True
        return env, screen

    # -- players -------------------------------------------------------------------

    async def join(self, code: str, raw_nickname: Any) -> tuple[Player, str]:
        joined = await self._join(code, raw_nickname)
        if self.observer is not None:
            self.observer.joined()
        return joined

    async def _join(self, code: str, raw_nickname: Any) -> tuple[Player, str]:
        info = await self.store.rooms.info(code)
        if info is None:
            raise GameError.of("room_not_found", room=code)
        generated = bool(info.get("generated_nicknames"))
        token = new_token()
        for attempt in range(10):
            nickname = generate_nickname(self._rng) if generated else nicknames.clean(raw_nickname)
            if not generated:
                nicknames.check_allowed(nickname)
            player = Player(
                id=secrets.token_hex(6),
                nickname=nickname,
                token_hash=hash_token(token),
                joined=0,
            )
            try:
                await self.store.players.join(code, player, nicknames.fold(nickname))
            except GameError as exc:
                if generated and exc.code == "nickname_taken" and attempt < 9:
                    continue
                raise
            return player, token
        raise GameError.of("nickname_taken.none_free")  # pragma: no cover

    async def reroll(self, code: str, player_id: str) -> tuple[str, int]:
        """A new generated nickname; returns it and how many rerolls are left."""
        nickname = await self._reroll(code, player_id)
        view = await self.store.rooms.view(code, player_id)
        used = view.player.rerolls if view is not None and view.player is not None else game.MAX_REROLLS
        return nickname, max(0, game.MAX_REROLLS - used)

    async def _reroll(self, code: str, player_id: str) -> str:
        info = await self.store.rooms.info(code)
        if info is None:
            raise GameError.of("room_not_found", room=code)
        if not info.get("generated_nicknames"):
            raise GameError.of("wrong_phase.own_nicknames")
        for attempt in range(10):
            nickname = generate_nickname(self._rng)
            try:
                await self.store.players.rename(code, player_id, nickname, nicknames.fold(nickname))
            except GameError as exc:
                if exc.code == "nickname_taken" and attempt < 9:
                    continue
                raise
            return nickname
        raise GameError.of("nickname_taken.none_free")  # pragma: no cover

    async def resume(self, code: str, token: str) -> Player:
        player = await self.store.players.by_token(code, hash_token(token))
        if player is None or not token_matches(token, player.token_hash):
            if not await self.store.rooms.exists(code):
                raise GameError.of("room_not_found", room=code)
            raise GameError.of("bad_token")
        if player.kicked:
            raise GameError.of("kicked")
        return player

    async def answer(self, code: str, player_id: str, index: Any, value: Any, ack: Callable[[str], None]) -> None:
        """A player's answer: stored first (atomically), then acknowledged through `ack`
        with the answer as stored, then the question closes if every player is in."""
        observer = self.observer
        started = time.perf_counter() if observer is not None else 0.0
        outcome = await self.store.answers.record(code, player_id, index, value)
        if observer is not None:
            observer.answered(time.perf_counter() - started)
        ack(dumps({"type": "answer_ack", "index": index, "answer": outcome.value}))
        if outcome.all_answered:
            await self.close_question(code, index)


    async def presence(self, code: str, player_id: str, conn_id: str, connected: bool) -> None:
        if await self.store.players.set_presence(code, player_id, conn_id, connected):
            view = await self.store.rooms.view(code, None)
            if view is not None and view.room.phase is Phase.QUESTION:
                await self.close_question(code, view.room.index)

    # -- resync ----------------------------------------------------------------------

    async def player_view(self, code: str, player_id: str, token: str | None) -> tuple[list[str], int]:
        """`welcome` (when a token is given) and the present screen for a player, with the seq it reflects."""
        view = await self.store.rooms.view(code, player_id)
        if view is None or view.player is None:
            raise GameError.of("room_not_found", room=code)
        frames: list[str] = []
        if token is not None:
            frames.append(dumps(welcome_payload(view.room, view.player, token)))
        frames += self._screen(view)
        room = view.room
        if room.phase is Phase.QUESTION:
            if room.paused_at is not None:
                frames.append(dumps(paused_payload(room, view.now)))
            if view.player.first_index > room.index:
                frames.append(dumps({"type": "spectating", "index": room.index}))
            elif view.answer is not None:
                value = wire_answer(room, room.index, view.answer.value)
                frames.append(dumps({"type": "answer_ack", "index": room.index, "answer": value}))
        else:
            frames += view.personal
        return frames, view.seq

    async def host_view(self, code: str, welcome: bool, join_base: str = "") -> tuple[list[str], int]:
        view = await self.store.rooms.view(code, None)
        if view is None:
            raise GameError.of("room_not_found", room=code)
        loaded = await self.store.rooms.load(code)
        if loaded is None:
            raise GameError.of("room_not_found", room=code)
        room, _now = loaded
        frames: list[str] = []
        if welcome:
            frames.append(dumps(host_welcome_payload(room, f"{join_base}/join/{code}")))
        frames.append(dumps(lobby_payload(room)))
        frames += self._screen(view)
        if room.phase is Phase.QUESTION and view.room.paused_at is not None:
            frames.append(dumps(paused_payload(view.room, view.now)))
        if room.phase is Phase.QUESTION:
            frames.append(dumps(answers_payload(room.index, *game.answer_count(room, room.index))))
        return frames, view.seq

    async def lobby_frame(self, code: str) -> str | None:
        loaded = await self.store.rooms.load(code)
        return None if loaded is None else dumps(lobby_payload(loaded[0]))

    def _screen(self, view: View) -> list[str]:
        room = view.room
        if room.phase is Phase.QUESTION:
            return [dumps(question_now(room, view.now))]
        if view.screen:
            return list(view.screen)
        return screen_frames(room)

    # -- after the game -------------------------------------------------------------

    async def room_for_report(self, code: str, key: str | None) -> Room:
        """The room for its results: 404 first, then 401 without a key, 403 with a wrong one.

        Either secret of the room opens its results: the host token or the
        read-only report key.
        """
        loaded = await self.store.rooms.load(code)
        if loaded is None:
            raise GameError.of("room_not_found", room=code)
        room = loaded[0]
        if not key:
            raise GameError("unauthorized", N_("send the host token or the report key as `Authorization: Bearer KEY` "
                                               "or `?key=KEY`"))
        if not (token_matches(key, room.host_token_hash) or token_matches(key, room.report_key_hash)):
            raise GameError("forbidden", N_("that is neither this room's host token nor its report key"))
        return room

