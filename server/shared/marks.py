"""English text marked for the server's catalogs, where it is defined.

Plain functions with no catalog behind them: a message is made in English (the
command line prints it as it is), `python -m thaw.tools.catalogs` finds it by these
names, and `tr` or `translate` (`shared/i18n.py`) shows it in the reader's language.
"""

from __future__ import annotations

from typing import Any


def english(template: str, /, **values: Any) -> str:
    """A message found (a deck problem, an import problem), in English; `translate` shows it in the reader's."""
    return template % values if values else template


def N_(message: str) -> str:
    """Marks English text for the catalogs where it is defined; `tr` or `translate` shows it translated."""
    return message
