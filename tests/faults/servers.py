"""An API served by a real uvicorn in a thread of its own, for tests that load it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from adapters.embedded.process import free_port
from adapters.settings import Settings
from entrypoints.command_api.app import create_command_app

__all__ = ["serve_command_api"]


@contextmanager
def serve_command_api(settings: Settings) -> Iterator[str]:
    """The command API on a free loopback port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_command_app(settings), host="127.0.0.1",
                                           port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, name="command-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the command API did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
