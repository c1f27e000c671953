"""Integration tests: real `thaw serve` processes on free ports, real sockets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import ServerProcess, start_server

DECKS = Path(__file__).resolve().parents[1] / "transport" / "decks"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """One server process on the test decks; stopped (SIGTERM) after the test if still running."""
    proc = start_server(env={"THAW_CONTENT": str(DECKS)}, log_dir=tmp_path)
    try:
        yield proc
    finally:
        proc.terminate(timeout=20)
