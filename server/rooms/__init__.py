"""Use cases over the ports: create, join, answer, host commands, timers, the report."""
