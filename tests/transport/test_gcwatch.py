"""The collector policy: survivors are frozen, and frozen cycles are still collected."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest
from thaw.shared.gcwatch import GcWatch


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


async def _run_for(watch: GcWatch, quiet: bool, seconds: float) -> None:
    task = asyncio.create_task(watch.keep_frozen(0.01, lambda: quiet))
    await asyncio.sleep(seconds)
    task.cancel()


async def test_frozen_cycles_are_collected_when_idle() -> None:
    watch = GcWatch(recollect_after=0, force_after=10**9)
    node = Node()
    gone = weakref.ref(node)
    try:
        gc.freeze()  # as if it had been alive at the last freeze
        del node
        await _run_for(watch, quiet=False, seconds=0.1)
        assert gone() is not None  # busy: the frozen cycle waits
        await _run_for(watch, quiet=True, seconds=0.1)
        assert gone() is None
    finally:
        gc.unfreeze()


async def test_a_collection_is_forced_past_the_cap_even_when_busy() -> None:
    watch = GcWatch(recollect_after=0, force_after=0, heap_growth=0)
    node = Node()
    gone = weakref.ref(node)
    try:
        gc.freeze()
        del node
        await _run_for(watch, quiet=False, seconds=0.1)
        assert gone() is None
    finally:
        gc.unfreeze()


def test_pauses_are_measured() -> None:
    watch = GcWatch(warn_ms=10_000)
    watch.install()
    try:
        gc.collect()
    finally:
        watch.remove()
    assert watch.collections[2] >= 1 and watch.longest_ms > 0


async def test_the_periodic_step_never_walks_the_frozen_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    """`gc.get_freeze_count` is O(frozen objects): 45 ms at 3 M, a stall every second."""

    def walked() -> int:
        raise AssertionError("gc.get_freeze_count walks every frozen object")

    monkeypatch.setattr(gc, "get_freeze_count", walked)
    watch = GcWatch()
    task = asyncio.create_task(watch.keep_frozen(0.01, lambda: False))
    await asyncio.sleep(0.1)
    assert not task.done()  # still ticking: no step raised
    task.cancel()


async def test_an_app_built_outside_thaw_serve_leaves_the_collector_alone() -> None:
    from thaw.app import create_app
    from thaw.transport.config import Settings

    from .helpers import DECKS_DIR

    before = (gc.get_threshold(), gc.isenabled(), len(gc.callbacks))
    app = create_app(Settings(content_dir=DECKS_DIR))
    async with app.router.lifespan_context(app):
        assert (gc.get_threshold(), gc.isenabled(), len(gc.callbacks)) == before
    served = create_app(Settings(content_dir=DECKS_DIR), tune_gc=True)
    try:
        async with served.router.lifespan_context(served):
            assert gc.get_threshold() != before[0] and len(gc.callbacks) == before[2] + 1
        assert len(gc.callbacks) == before[2]
    finally:
        gc.unfreeze()
        gc.set_threshold(*before[0])
