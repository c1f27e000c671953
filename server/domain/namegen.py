"""Friendly generated nicknames ("Brave Otter") for rooms that do not let players type one.

Two small classroom-safe word lists; every combination is at most
`nicknames.MAX_LENGTH` code points, passes `nicknames.clean` and the deny-list.
The caller owns the random source (a seeded `random.Random` in tests).
"""

from __future__ import annotations

import random

ADJECTIVES: tuple[str, ...] = (
    "Brave", "Bright", "Bold", "Breezy", "Bubbly", "Calm", "Cheerful", "Clever",
    "Cosy", "Curious", "Daring", "Dazzling", "Eager", "Fancy", "Fearless", "Friendly",
    "Fuzzy", "Gentle", "Giant", "Gleeful", "Golden", "Happy", "Helpful", "Honest",
    "Jolly", "Kind", "Lively", "Lucky", "Merry", "Mighty", "Nimble", "Noble",
    "Patient", "Peppy", "Playful", "Polite", "Proud", "Quick", "Quiet", "Radiant",
    "Rapid", "Shiny", "Silly", "Sleepy", "Smart", "Snappy", "Sparkly", "Speedy",
    "Steady", "Sunny", "Swift", "Thoughtful", "Tidy", "Tiny", "Trusty", "Upbeat",
    "Witty", "Wise", "Zany", "Zesty",
)

ANIMALS: tuple[str, ...] = (
    "Otter", "Badger", "Beaver", "Bison", "Camel", "Cheetah", "Crane", "Dolphin",
    "Eagle", "Falcon", "Ferret", "Finch", "Fox", "Gecko", "Giraffe", "Goose",
    "Hedgehog", "Heron", "Hippo", "Ibis", "Jaguar", "Koala", "Lemur", "Leopard",
    "Lion", "Llama", "Lynx", "Meerkat", "Mole", "Moose", "Narwhal", "Newt",
    "Ocelot", "Octopus", "Owl", "Panda", "Parrot", "Pelican", "Penguin", "Puffin",
    "Quokka", "Rabbit", "Raccoon", "Raven", "Robin", "Salmon", "Seal", "Sloth",
    "Sparrow", "Squirrel", "Swan", "Tapir", "Tiger", "Toucan", "Turtle", "Walrus",
    "Wombat", "Yak", "Zebra", "Comet",
)


def generate_nickname(rng: random.Random) -> str:
    """One "Adjective Animal" name, e.g. "Brave Otter"."""
    return f"{rng.choice(ADJECTIVES)} {rng.choice(ANIMALS)}"
