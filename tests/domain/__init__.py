"""Unit tests of the pure rules (server/domain/) and of protocol.py's pure functions."""
