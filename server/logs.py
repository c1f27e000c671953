"""Where Thaw's log lines go and how they look: readable text, or `THAW_LOG_FORMAT=json`.

JSON: one object a line — `time` (UTC, ISO 8601), `level`, `event` (the message),
`logger`, `room` (the room code when the event names one), `instance`. Log messages
name rooms and sockets, never nicknames, tokens or answers; a failure's traceback
is given as its frames and the exception's type, without the exception's text
(which may quote what a client sent).
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from datetime import UTC, datetime
from typing import Any

FORMATS = ("text", "json")
TEXT_FORMAT = "%(levelname)s:     %(name)s: %(message)s"
_ROOM = re.compile(r"\broom (\d{6})\b")

_instance = ""


def set_instance(instance: str) -> None:
    """The id every JSON line carries (the app's, once known)."""
    global _instance
    _instance = instance


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event = record.getMessage()
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": event,
            "logger": record.name,
            "room": getattr(record, "room", None) or _room(event),
            "instance": _instance or None,
        }
        if record.exc_info and record.exc_info[0] is not None:
            kind, _exc, tb = record.exc_info
            line["error"] = kind.__name__
            line["stack"] = [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)]
        return json.dumps(line, ensure_ascii=False)


def _room(event: str) -> str | None:
    found = _ROOM.search(event)
    return found.group(1) if found else None


def formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)


def configure(fmt: str, level: int | str = logging.INFO) -> None:
    """Thaw's own loggers, once per process (a handler already there is kept)."""
    thaw_log = logging.getLogger("thaw")
    if not thaw_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(formatter(fmt))
        thaw_log.addHandler(handler)
        thaw_log.setLevel(level)
        thaw_log.propagate = False


def uvicorn_log_config(fmt: str) -> dict[str, Any] | None:
    """uvicorn's own loggers in the same format; None keeps uvicorn's default (text)."""
    if fmt != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "thaw.logs.JsonFormatter"}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
    }
