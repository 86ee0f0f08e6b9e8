"""Serving an API with uvicorn, stopping within the bound on SIGTERM.

uvicorn stops accepting, lets requests in flight finish and then cancels what is left
(a dashboard stream never finishes on its own: without a timeout uvicorn would wait
for it forever), closes the app (its pools) and exits 0. The watchdog of
`adapters.shutdown` is the backstop.
"""

from __future__ import annotations

import signal
from types import FrameType

import uvicorn
from litestar import Litestar

from adapters.shutdown import STOP_SECONDS, STOP_SIGNALS, start_watchdog

__all__ = ["serve"]

# Requests in flight get this long; the rest of the bound is for closing the app.
_DRAIN_SECONDS = int(STOP_SECONDS) - 3


class _Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        start_watchdog()
        super().handle_exit(sig, frame)


def serve(app: Litestar, host: str, port: int) -> None:
    # uvicorn raises the signal again once it has stopped, under the handler it found:
    # one that does nothing, so a stop we were asked for exits 0 (not 143).
    for sig in STOP_SIGNALS:
        signal.signal(sig, lambda *_: None)
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False,
                            timeout_graceful_shutdown=_DRAIN_SECONDS)
    _Server(config).run()
