"""A room's code, the one thing a player types to join: six digits, the first not 0.

Every door that takes a code (the socket, the pages, the API, a room's images) checks
its form here before asking the store, and the pages hand `PATTERN` to the browser,
so the client checks the same rule (server/web/routes.py). `new` draws the codes.
"""

from __future__ import annotations

import re
import secrets

DIGITS = 6
PATTERN = f"[1-9][0-9]{{{DIGITS - 1}}}"
"""A code as a regular expression both Python and JavaScript read alike (ASCII digits only)."""
_CODE = re.compile(PATTERN)


def new() -> str:
    """A code of this form, from the OS's cryptographic source."""
    low = 10 ** (DIGITS - 1)
    return str(low + secrets.randbelow(9 * low))


def is_code(text: str) -> bool:
    """Whether `text` has a room code's form; whether such a room exists is the store's to say."""
    return _CODE.fullmatch(text) is not None
