"""What a running app holds: built in the lifespan, handed to handlers via `app.state.runtime`.

It sits in the socket's layer, the lowest that reads it whole: the game's socket
(`ws.py`) and the web's handlers take it; the wiring (`app.py`) builds it."""

from __future__ import annotations

from dataclasses import dataclass

from ..bus.base import Bus
from ..domain.model import Deck
from ..rooms.limits import AddressLimits
from ..rooms.service import Service
from ..rooms.timers import Timers
from ..store.base import Store
from .config import Settings
from .hub import Hub


@dataclass(slots=True)
class Runtime:
    settings: Settings
    decks: dict[str, Deck]
    store: Store
    bus: Bus
    service: Service
    hub: Hub
    timers: Timers
    address_limits: AddressLimits
    inline_messages: bool = False
    """Handle a socket's message inside its read callback (`transport/inbox.py`):
    only when no store operation ever waits, i.e. on the memory adapters."""
    draining: bool = False
