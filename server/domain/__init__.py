"""The pure rules of the game: no I/O, no asyncio, no imports from the rest of server/."""
