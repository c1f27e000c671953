"""The inbox: messages handled at once when they can be, in order when they cannot."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest
from thaw.transport.inbox import BACKLOG, Inbox


class Recorder(Inbox):
    """Handles `text` by logging it; `wait:NAME` first waits for the future `gates[NAME]`."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []
        self.errors: list[Exception] = []
        self.reading: list[str] = []
        self.gates: dict[str, asyncio.Future[str]] = {}

    def gate(self, name: str) -> asyncio.Future[str]:
        fut = self.gates[name] = asyncio.get_running_loop().create_future()
        return fut

    def handle(self, text: str) -> Coroutine[Any, Any, None]:
        return self._handle(text)

    async def _handle(self, text: str) -> None:
        if text.startswith("wait:"):
            name = text[5:]
            try:
                self.log.append(f"{text}={await self.gates[name]}")
            except ValueError as exc:
                self.log.append(f"{text} caught {exc}")
            except asyncio.CancelledError:
                self.log.append(f"{text} cancelled")
                raise
        elif text == "yield":
            await asyncio.sleep(0)
            self.log.append("yielded")
        elif text.startswith("boom"):
            raise RuntimeError(text)
        else:
            self.log.append(text)

    def failed(self, exc: Exception) -> None:
        self.errors.append(exc)

    def pause(self) -> None:
        self.reading.append("pause")

    def resume(self) -> None:
        self.reading.append("resume")


async def test_a_message_that_need_not_wait_is_handled_inside_put() -> None:
    inbox = Recorder()
    inbox.put("a")
    assert inbox.log == ["a"] and not inbox.busy  # no task, no turn of the loop


async def test_messages_behind_one_that_waits_keep_their_order() -> None:
    inbox = Recorder()
    gate = inbox.gate("g")
    inbox.put("wait:g")
    inbox.put("b")
    inbox.put("c")
    assert inbox.log == [] and inbox.busy
    gate.set_result("open")
    await inbox.idle()
    assert inbox.log == ["wait:g=open", "b", "c"] and not inbox.busy
    inbox.put("d")
    assert inbox.log[-1] == "d"  # at once again


async def test_a_message_read_just_as_the_task_ends_is_not_stranded() -> None:
    """The task's done callbacks run a turn of the loop after its last step; a
    message read in between must not wait for a task that will never look again."""
    inbox = Recorder()
    gate = inbox.gate("g")
    inbox.put("wait:g")
    task = inbox._task
    assert task is not None
    gate.set_result("ok")
    while not task.done():
        await asyncio.sleep(0)
    inbox.put("late")  # the task has ended; its done callbacks are still queued
    await inbox.idle()
    assert inbox.log == ["wait:g=ok", "late"]


async def test_a_bare_yield_is_carried_on() -> None:
    inbox = Recorder()
    inbox.put("yield")
    inbox.put("after")
    await inbox.idle()
    assert inbox.log == ["yielded", "after"]


async def test_the_awaited_futures_exception_reaches_the_handler() -> None:
    inbox = Recorder()
    gate = inbox.gate("g")
    inbox.put("wait:g")
    gate.set_exception(ValueError("no"))
    await inbox.idle()
    assert inbox.log == ["wait:g caught no"] and inbox.errors == []


async def test_reading_pauses_past_the_backlog_and_resumes_once_it_drains() -> None:
    inbox = Recorder()
    gate = inbox.gate("g")
    inbox.put("wait:g")
    for n in range(BACKLOG - 1):
        inbox.put(f"m{n}")
    assert inbox.reading == []
    inbox.put("last")
    assert inbox.reading == ["pause"] and inbox.paused
    gate.set_result("ok")
    await inbox.idle()
    assert inbox.reading == ["pause", "resume"] and not inbox.paused
    assert inbox.log == ["wait:g=ok", *(f"m{n}" for n in range(BACKLOG - 1)), "last"]


@pytest.mark.parametrize("waits_first", [False, True])
async def test_a_failing_handler_is_reported_and_what_waited_is_dropped(waits_first: bool) -> None:
    inbox = Recorder()
    if waits_first:
        gate = inbox.gate("g")
        inbox.put("wait:g")
        inbox.put("boom later")
        inbox.put("never")
        gate.set_result("ok")
        await inbox.idle()
        assert inbox.log == ["wait:g=ok"]
    else:
        inbox.put("boom now")
    assert [str(e) for e in inbox.errors] == ["boom later" if waits_first else "boom now"]
    assert not inbox.busy


@pytest.mark.parametrize("task_ran", [False, True])
async def test_cancel_stops_the_handler_in_flight_and_drops_the_rest(task_ran: bool) -> None:
    inbox = Recorder()
    gate = inbox.gate("g")
    inbox.put("wait:g")
    inbox.put("never")
    if task_ran:
        await asyncio.sleep(0)
    inbox.cancel()
    await inbox.idle()
    assert inbox.log == ["wait:g cancelled"] and gate.cancelled() and not inbox.busy
    assert inbox.errors == []
