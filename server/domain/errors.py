"""Rule violations, each with the contract's error code, and the one table of their texts.

A refusal is named by a key of `TEXTS`: the wire code itself, or `code.variant` where
one code has several texts (a room is locked by the teacher, or its game is over).
The pure rules, both stores (the Redis scripts return the key), the service and the
socket all raise from the table, so the same refusal reads the same whichever path
refused it. `{name}` placeholders carry the detail a text names, filled by
`GameError.of(key, name=value)`. These are the English texts of the game's socket;
what HTTP routes say is marked for the catalogs where it is written (server/shared/marks.py).
"""

from __future__ import annotations

from string import Formatter
from typing import Final

TIME_UP: Final = "time is up for this question"

TEXTS: Final[dict[str, str]] = {
    # a room and who may enter it
    "room_not_found": "there is no game with code {room!r}",
    "room_locked": "the teacher has locked this room",
    "room_locked.finished": "this game is over",
    "room_full": "this room is full ({max} players)",
    "nickname_taken": "someone in this room is already called {nickname!r}",
    "nickname_taken.none_free": "could not find a free nickname",
    "bad_message.player_id": "player id already in use",
    "rate_limited.joins": "too many joins from your network; wait a minute",
    "rate_limited.rerolls": "a nickname can be rerolled at most {max} times",
    "wrong_phase.rename": "nicknames can only change in the lobby",
    "wrong_phase.own_nicknames": "this room lets players choose their own nicknames",
    # a nickname of one's own
    "nickname_invalid.type": "the nickname must be a string",
    "nickname_invalid.too_long": "a nickname has at most {max} characters",
    "nickname_invalid.empty": "the nickname is empty",
    "nickname_invalid.surrogate": "the nickname is not valid text (it holds an unpaired surrogate)",
    "nickname_invalid.invisible": "the nickname contains an invisible or control character ({char})",
    "nickname_invalid.line_break": "the nickname cannot contain line breaks",
    "nickname_invalid.marks": "at most {max} accents may be stacked on one letter",
    "nickname_invalid.no_visible": "the nickname has no visible characters",
    "nickname_invalid.denied": "that nickname is not allowed",
    # who is asking
    "bad_token": "that token is not a player of this room",
    "bad_token.host": "that is not this room's host token",
    "too_many_hosts": "this game is already open on too many teacher screens",
    "not_host": "only the host can do that",
    "not_player": "only a player of this room can do that",
    "not_player.host": "the host cannot answer; only players can",
    "kicked": "you were removed from this room",
    "unknown_player": "no player {player!r} in this room",
    "unknown_type": "unknown message type {type!r}",
    # the host's pace
    "wrong_phase.started": "the game has already started",
    "wrong_phase.finished": "the game is already finished",
    "wrong_phase.needs_question": "`{command}` needs an open question",
    "wrong_phase.time_up": TIME_UP,
    "wrong_phase.paused": "the question is already paused",
    "wrong_phase.not_paused": "the question is not paused",
    # answers
    "bad_message.index": "`index` must be an integer",
    "wrong_phase": "no question is open",
    "wrong_question": "question {index} is not the open question ({open})",
    "too_late.joined": "you joined during this question; you play from the next one",
    "paused": "the teacher has paused the question; answer when it goes on",
    "too_late": TIME_UP,
    "already_answered": "your first answer stands",
    "invalid_answer.question": "no such question",
}


def placeholders(key: str) -> set[str]:
    """The details `TEXTS[key]` names (what `GameError.of` must be given)."""
    return {name for _text, name, _spec, _conv in Formatter().parse(TEXTS[key]) if name}


class GameError(Exception):
    """A command that the rules refuse; `code` is the wire error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @classmethod
    def of(cls, key: str, **details: object) -> GameError:
        """The refusal `key` of `TEXTS`, its placeholders filled from `details`
        (details it does not name are ignored, so a caller may pass all it knows)."""
        return cls(key.partition(".")[0], TEXTS[key].format(**details))

    def __repr__(self) -> str:
        return f"GameError({self.code!r}, {self.message!r})"
