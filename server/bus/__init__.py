"""Event fan-out: the port and its adapters."""
