"""The answer path in Redis: validated and graded in Python, accepted in one script.

The deck never changes, so this process grades the answer before the script
runs; the script only decides acceptance atomically (phase, question, pause,
deadline on Redis's clock, first answer wins) and keeps the count. The count's
PUBLISH follows `bus.throttle`: the script publishes at once after a quiet
interval and otherwise holds it back; this process publishes what was held at
the interval's end (`progress.lua`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from ...bus.envelope import dumps
from ...bus.throttle import PROGRESS_PUBLISH_MS, Throttle
from ...domain import grading
from ...domain.errors import GameError
from ..base import AnswerOutcome
from .codec import Static
from .core import Core, log, raise_refusal


class RedisAnswers:
    def __init__(self, core: Core) -> None:
        self.c = core
        self._held = Throttle(PROGRESS_PUBLISH_MS, self._publish_held)
        self._tasks: set[asyncio.Task[None]] = set()

    def close(self) -> None:
        self._held.close()
        for task in list(self._tasks):
            task.cancel()

    async def record(self, code: str, player_id: str, index: int, value: Any) -> AnswerOutcome:
        if not isinstance(index, int) or isinstance(index, bool):
            raise GameError.of("bad_message.index")
        invalid: list[GameError] = []
        shown: list[Any] = [None]

        def graded(static: Static) -> list[str | int]:
            """Validate and grade in Python (the deck never changes); with an invalid
            value the script only checks, so that errors come in the order of
            game.check_answer (phase and question before shape)."""
            invalid.clear()
            canonical: Any = None
            correct: bool | None = None
            time_limit = 0
            if 0 <= index < static.count:
                question = static.deck.questions[index]
                layout = static.layouts[index]
                time_limit = question.time_limit_ms
                try:
                    ids = static.ids[index] if index < len(static.ids) else None
                    canonical = grading.validate(question, layout, value, ids)
                    correct = grading.grade(question, layout, canonical)
                    shown[0] = grading.wire_value(question, ids, canonical)
                except GameError as exc:
                    invalid.append(exc)
            else:
                invalid.append(GameError.of("invalid_answer.question"))
            correct_json = "null" if correct is None else ("true" if correct else "false")
            return [
                player_id,
                index,
                dumps(canonical),
                correct_json,
                time_limit,
                "1" if invalid else "0",
                PROGRESS_PUBLISH_MS,
            ]

        result = await self.c.run("answer", code, graded)
        if result is None:
            raise GameError.of("room_not_found", room=code)
        raise_refusal(result, index=index)
        if invalid:
            raise invalid[0]
        if result[4]:  # the count was held back
            self._held.defer(code)
        return AnswerOutcome(answered=int(result[2]), all_answered=bool(result[3]), value=shown[0])

    def _publish_held(self, code: str) -> None:
        """An answer count was held back (at most one PUBLISH per interval): publish it now."""
        task = asyncio.ensure_future(self._progress(code))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _progress(self, code: str) -> None:
        try:
            await self.c.run("progress", code, [])
        except Exception as exc:  # the next answer or the reveal shows the count anyway
            log.warning("room %s: could not publish the answer count (%s)", code, exc)
