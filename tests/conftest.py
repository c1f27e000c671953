"""Shared by every test folder; each folder's own conftest.py holds its fixtures."""

from __future__ import annotations
