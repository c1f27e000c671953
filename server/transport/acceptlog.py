"""uvicorn logs every accepted WebSocket at INFO with the client's address and port.

In a class of 500 that is 500 lines a game, each a student's address: more than
an operator needs, kept longer than a school may allow. This filter turns those
records into DEBUG records of the path alone (`THAW_LOG_ADDRESSES=true` keeps the
address), and drops them unless DEBUG is on for the logger.
"""

from __future__ import annotations

import logging

ACCEPTED = '%s - "WebSocket %s" [accepted]'


class QuietAccepts(logging.Filter):
    """Demote uvicorn's `[accepted]` records to DEBUG, without the address unless asked."""

    def __init__(self, addresses: bool = False) -> None:
        super().__init__()
        self.addresses = addresses

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != ACCEPTED or not isinstance(record.args, tuple) or len(record.args) != 2:
            return True
        if not logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
            return False
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        if not self.addresses:
            record.msg, record.args = '"WebSocket %s" [accepted]', (record.args[1],)
        return True


def install(addresses: bool = False) -> None:
    """Once per process: on the logger uvicorn's WebSocket protocols write to."""
    logger = logging.getLogger("uvicorn.error")
    for existing in logger.filters:
        if isinstance(existing, QuietAccepts):
            existing.addresses = addresses
            return
    logger.addFilter(QuietAccepts(addresses))
