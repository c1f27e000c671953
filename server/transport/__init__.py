"""The socket endpoint, the hub and frames: the only code that knows uvicorn and websockets."""
