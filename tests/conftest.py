"""Shared by every test folder; each folder's own conftest.py holds its fixtures."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--soak", action="store_true", help="also run the 10-minute soak test (tests marked soak)")
    parser.addoption("--soak-minutes", type=float, default=10.0, help="how long the soak run lasts")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Soak tests are long: they run only when asked for, and are then not skipped silently."""
    if config.getoption("--soak"):
        return
    deselected = [item for item in items if item.get_closest_marker("soak")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("soak")]
