"""The servers the HTTP benches load: an API as `cis api` serves it, and a bare ASGI app.

Each runs in a process of its own under uvicorn with the settings `cis api` uses (one
worker, its default loop and HTTP parser, JSON logs at the configured level, no
uvicorn access log), so the bench measures what production runs. The bare app answers
every request with a body of the given size and nothing else: the most this server can
do on this machine, the baseline of the API figures. Servers write their logs to a file
(`<out dir>/<name>.log`), not to the bench's terminal.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import uvicorn

from adapters.embedded.process import free_port
from adapters.logging import configure_logging
from adapters.settings import ResolvedSettings
from entrypoints.benches.http_load import server_started

__all__ = ["HOST", "serve"]

HOST = "127.0.0.1"
Kind = Literal["command", "query", "bare"]


@contextmanager
def serve(kind: Kind, settings: ResolvedSettings, log_file: Path, *,
          body_size: int = 0) -> Iterator[int]:
    """The server running on a free loopback port (yielded) until the block ends."""
    port = free_port()
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=_serve, args=(kind, settings, port, body_size, log_file),
                              name=f"bench-{kind}-server", daemon=True)
    process.start()
    try:
        if not server_started(HOST, port) or not process.is_alive():
            raise RuntimeError(f"the {kind} server did not start; see {log_file}")
        yield port
    finally:
        process.terminate()
        process.join(15)
        if process.is_alive():
            process.kill()


def _serve(kind: Kind, settings: ResolvedSettings, port: int, body_size: int,
           log_file: Path) -> None:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    out = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(out, sys.stdout.fileno())
    os.dup2(out, sys.stderr.fileno())
    configure_logging(settings.log_level, json=True)
    app: Any
    if kind == "command":
        from entrypoints.command_api.app import create_command_app

        app = create_command_app(settings)
    elif kind == "query":
        from entrypoints.query_api.app import create_query_app

        app = create_query_app(settings)
    else:
        app = _bare_app(b"x" * body_size)
    # As entrypoints/cli.py `_serve_api` runs the APIs.
    uvicorn.run(app, host=HOST, port=port, log_config=None, access_log=False)


def _bare_app(body: bytes) -> Any:
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass  # read the request body, as any app must
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app
