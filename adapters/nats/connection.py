"""A NATS connection for a long-running worker: it reconnects forever, inside the process.

nats-py gives up after 60 reconnect attempts by default and notices a frozen server only
after two missed pings of 2 minutes each; a worker should neither give up nor wait that
long. Callbacks log state changes (the error's class only: no payloads).
"""

from __future__ import annotations

import nats
import structlog
from nats.aio.client import Client

__all__ = ["connect_for_worker"]

log = structlog.get_logger()


async def connect_for_worker(url: str, name: str) -> Client:
    async def disconnected() -> None:
        log.warning("nats disconnected; reconnecting", client=name)

    async def reconnected() -> None:
        log.info("nats reconnected", client=name)

    async def error(exc: Exception) -> None:
        log.warning("nats connection error", client=name, error=type(exc).__name__)

    return await nats.connect(
        url, name=name,
        allow_reconnect=True, max_reconnect_attempts=-1, reconnect_time_wait=1,
        ping_interval=5, max_outstanding_pings=2,  # a frozen server is noticed in ~10 s
        disconnected_cb=disconnected, reconnected_cb=reconnected, error_cb=error,
    )
