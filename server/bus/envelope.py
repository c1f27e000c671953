"""One room event as it crosses the bus, and the compact JSON every frame is written in."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def dumps(obj: Any) -> str:
    """Compact JSON, UTF-8 as is, no NaN; a broadcast is serialised once and the same
    text sent to all. (CPython's own C encoder built once, through a private name,
    saved 0.75 µs a frame, 0.4 % of a 2,000-player question's CPU: not worth the name.)"""
    return _encode(obj)


@dataclass(slots=True)
class Envelope:
    """One room event as it crosses the bus: serialised once, published once.

    `frames` go to every socket of the room in order; `host` to host sockets only;
    `progress` is the latest answer count for hosts, (index, answered, total):
    hubs coalesce it and serialise only the `answers` frames they send;
    `personal[player_id]` to that player after `frames`. `kick` names a player
    whose sockets are closed; `replace` = (player id, connection id) closes that
    player's other connections; `lobby` asks hubs to refresh their hosts' lobby.
    """

    frames: list[str] = field(default_factory=list)
    host: list[str] = field(default_factory=list)
    progress: tuple[int, int, int] | None = None
    personal: dict[str, list[str]] = field(default_factory=dict)
    kick: list[str] = field(default_factory=list)
    replace: tuple[str, str] | None = None
    lobby: bool = False
    resync: bool = False
    seq: int = 0

    def encode(self) -> str:
        out: dict[str, Any] = {}
        if self.frames:
            out["f"] = self.frames
        if self.host:
            out["h"] = self.host
        if self.progress:
            out["g"] = list(self.progress)
        if self.personal:
            out["p"] = self.personal
        if self.kick:
            out["k"] = self.kick
        if self.replace:
            out["r"] = list(self.replace)
        if self.lobby:
            out["l"] = 1
        if self.resync:
            out["s"] = 1
        return dumps(out)

    @classmethod
    def decode(cls, text: str | bytes, seq: int = 0) -> Envelope:
        d = json.loads(text)
        replace = d.get("r")
        progress = d.get("g")
        if isinstance(progress, str):  # an older instance's whole `answers` frame, during a rolling upgrade
            old = json.loads(progress)
            progress = [old["index"], old["answered"], old["total"]]
        return cls(
            frames=d.get("f", []),
            host=d.get("h", []),
            progress=(int(progress[0]), int(progress[1]), int(progress[2])) if progress else None,
            personal=d.get("p", {}),
            kick=d.get("k", []),
            replace=(replace[0], replace[1]) if replace else None,
            lobby=bool(d.get("l")),
            resync=bool(d.get("s")),
            seq=seq,
        )
