"""Domain tests: pure rules, no I/O, no event loop.

The repository root goes on sys.path so `server` imports without installing the
project (pytest's default import mode only adds the tests' own folders).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
