"""Helpers shared by the test suites: real server processes, WebSocket clients."""
