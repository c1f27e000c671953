"""The socket endpoint, the hub and frames, the settings and uvicorn serving the app:
the only code of the server that knows uvicorn and websockets."""
