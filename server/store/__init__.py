"""Room storage: the port and its adapters."""
