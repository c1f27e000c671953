"""Domain tests: the pure rules (and protocol.py's pure functions), no I/O, no event loop.

Decks, rooms and players come from `factories.py`, built straight from the model's
dataclasses.
"""
